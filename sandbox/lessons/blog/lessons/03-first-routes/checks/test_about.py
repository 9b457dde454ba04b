"""Checks for the "An about page" step."""

from sandbox.checker.probes import visible_text


def test_about_page_exists(client):
    """Visiting /about shows a page"""
    response = client.get("/about", expect_errors=True)
    assert response.status_int != 404, (
        "Visiting /about gave a 404 (page not found). Add a route for \"/about\"."
    )
    assert response.status_int == 200, f"Visiting /about answered {response.status} instead of showing a page."
    assert visible_text(response.text), (
        "The /about page is empty. Make the function return a sentence about your blog "
        "(print() only writes to the Console under the Your app tab)."
    )


def test_about_page_is_its_own_page(client):
    """The about page is not a copy of the home page"""
    home = client.get("/", expect_errors=True)
    assert home.status_int == 200, f"The home page stopped working: visiting / answered {home.status}."
    about = client.get("/about")
    assert visible_text(about.text) != visible_text(home.text), (
        "The /about page should say something of its own, not repeat the home page."
    )

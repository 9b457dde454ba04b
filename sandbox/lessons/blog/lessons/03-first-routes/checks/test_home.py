"""Checks for the "Your home page" step."""

from sandbox.checker.probes import visible_text


def test_home_page_welcomes_visitors(client):
    """Your home page talks about your blog"""
    response = client.get("/", expect_errors=True)
    assert response.status_int == 200, (
        f"Visiting / answered {response.status} instead of showing a page. "
        "Keep a route for the path / (like @app.route(\"/\")) above your home function."
    )
    text = visible_text(response.text)
    assert text, (
        "The home page is empty. Make the function return the text: print() only writes to "
        "the Console under the Your app tab, return sends it to the page."
    )
    assert "blog" in text.lower(), (
        f"The home page says {text[:60]!r}. Change it so it welcomes visitors "
        "to your blog, with the word 'blog' in it."
    )

import pytest


@pytest.fixture
def articles(db):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    Article.create(title="Learning Python the fun way", slug="learning-python", content="Hello.", published=True)
    Article.create(title="Python secrets (draft)", slug="python-draft", content="Not yet.", published=False)
    return Article


def test_htmx_gets_a_fragment(articles, client):
    """htmx gets only the results"""
    r = client.get("/blog/search?q=python", headers={"HX-Request": "true"}, expect_errors=True)
    assert r.status_int == 200, f"/blog/search?q=python answered {r.status} to an htmx request instead of the results."
    assert "Learning Python the fun way" in r.text, "The htmx answer should list the matching article 'Learning Python the fun way'."
    assert "Python secrets (draft)" not in r.text, "The htmx answer showed an unpublished article: keep drafts out of the search."
    assert "<html" not in r.text.lower() and "<header" not in r.text.lower(), (
        "With the header HX-Request: true your app still sent the whole page with its layout. "
        "Check request.get_header('HX-Request') and then render only the results template.")


def test_browser_still_gets_the_page(articles, client):
    """Without htmx, the same address is a full page"""
    r = client.get("/blog/search?q=python", expect_errors=True)
    assert r.status_int == 200, f"Visiting /blog/search?q=python answered {r.status} instead of a page."
    assert "<html" in r.text.lower(), (
        "Without the HX-Request header, /blog/search should still send the full page with the layout. "
        "Only send the fragment alone when the header is there.")
    assert "Learning Python the fun way" in r.text, "The full search page should still list the matching article."

import pytest


def article_model(db):
    model = db.models.get("Article")
    if model is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    return model


@pytest.fixture
def articles(db):
    Article = article_model(db)
    Article.create(title="Learning Python the fun way", slug="learning-python", content="Hello.", published=True)
    Article.create(title="Python secrets (draft)", slug="python-draft", content="Not yet.", published=False)
    Article.create(title="Baking bread", slug="baking-bread", content="Flour.", published=True)
    return Article


def test_search_finds_published_titles(articles, client):
    """The search page lists matching published articles"""
    r = client.get("/blog/search?q=python", expect_errors=True)
    assert r.status_int != 404, "Visiting /blog/search gave a 404 (page not found). Add a route for '/blog/search'."
    assert r.status_int == 200, f"Visiting /blog/search?q=python answered {r.status} instead of a page."
    assert "Learning Python the fun way" in r.text, (
        "Searching for 'python' should list the published article 'Learning Python the fun way'. "
        "Read the words with request.query.getunicode('q', '') and filter with Article.title.contains(q).")
    assert "Baking bread" not in r.text, "Searching for 'python' also listed 'Baking bread': only show titles that contain the words."


def test_search_hides_drafts(articles, client):
    """Drafts never show up in the search"""
    r = client.get("/blog/search?q=python", expect_errors=True)
    assert r.status_int == 200, f"Visiting /blog/search?q=python answered {r.status} instead of a page."
    assert "Python secrets (draft)" not in r.text, (
        "The search showed an unpublished article. Start the query from published_articles() "
        "(or add .where(Article.published == True)).")


def test_search_is_a_full_page(articles, client):
    """The search page uses the layout"""
    r = client.get("/blog/search?q=python", expect_errors=True)
    assert r.status_int == 200, f"Visiting /blog/search?q=python answered {r.status} instead of a page."
    assert "<html" in r.text.lower(), (
        "The search page should be a full page with your layout: start its template with "
        "% rebase('layout', title='Search').")
    assert 'name="q"' in r.text or "name='q'" in r.text, (
        "The search page should have a search box named q, so the form sends ?q=... to /blog/search.")


def test_empty_search(articles, client):
    """An empty search still shows the page"""
    r = client.get("/blog/search", expect_errors=True)
    assert r.status_int == 200, (
        f"Visiting /blog/search with no words answered {r.status}. Use a default: request.query.getunicode('q', '').")

import pytest


def visit(client, path):
    try:
        return client.get(path, expect_errors=True)
    except Exception as error:
        pytest.fail(f"Visiting {path} crashed with {type(error).__name__}: {error}. When no article matches, "
                    "answer 404 instead: use Article.get_or_none(...) and abort(404) when it returns None.",
                    pytrace=False)


@pytest.fixture
def client_with_articles(db, request):
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    Article.create(title="Hello, web", slug="hello-web", content="Out in the open.", published=True)
    Article.create(title="Work in progress", slug="work-in-progress", content="Not ready.", published=False)
    db.database.close()
    return request.getfixturevalue("client")


def test_unknown_slug_is_404(client_with_articles):
    """An unknown slug answers 404"""
    response = visit(client_with_articles, "/blog/no-such-article/")
    assert response.status_int == 404, (
        f"/blog/no-such-article/ answered {response.status}; it should answer 404 Not Found. "
        "Use abort(404) when no article has that slug."
    )


def test_draft_is_404(client_with_articles):
    """A draft's page answers 404"""
    response = visit(client_with_articles, "/blog/work-in-progress/")
    assert response.status_int == 404, (
        f"/blog/work-in-progress/ is a draft but answered {response.status}. Only published articles have a "
        "page: look for (Article.slug == slug) & (Article.published == True), and answer 404 otherwise."
    )


def test_published_article_still_shows(client_with_articles):
    """Published articles still have their page"""
    response = visit(client_with_articles, "/blog/hello-web/")
    assert response.status_int == 200, f"The published article /blog/hello-web/ answered {response.status}."
    assert "Out in the open." in response.text, "The page /blog/hello-web/ should show the article's content."

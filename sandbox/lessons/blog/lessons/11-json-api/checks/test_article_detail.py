import json

import pytest


@pytest.fixture
def articles(db):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    Article.create(title="Hello API", slug="hello-api", content="The whole text.", summary="Short.", published=True)
    Article.create(title="Secret draft", slug="secret-draft", content="Shh.", published=False)
    return Article


def get_json(client, path):
    try:
        r = client.get(path, expect_errors=True)
    except TypeError as error:
        pytest.fail(f"Your app could not turn the article into JSON ({error}). "
                    "Send created_at as text with article.created_at.isoformat().", pytrace=False)
    return r


def test_one_article(articles, client):
    """/api/articles/<slug> sends one article"""
    r = get_json(client, "/api/articles/hello-api")
    assert r.status_int != 404, "Visiting /api/articles/hello-api gave a 404. Add a route '/api/articles/<slug>' that finds the article by slug."
    assert r.status_int == 200, f"Visiting /api/articles/hello-api answered {r.status}."
    assert "json" in r.content_type, f"/api/articles/hello-api answered with {r.content_type!r}, not JSON: return a dict."
    data = json.loads(r.text)
    assert isinstance(data, dict), "/api/articles/<slug> should send one JSON object for the article."
    assert data.get("title") == "Hello API", "The article's JSON should have its \"title\"."
    assert data.get("slug") == "hello-api", "The article's JSON should have its \"slug\"."
    assert data.get("content") == "The whole text.", "The article's JSON should have its full \"content\"."
    assert isinstance(data.get("created_at"), str), "The article's JSON should have \"created_at\" as ISO text."


def check_json_404(r, path):
    assert r.status_int == 404, (
        f"Visiting {path} answered {r.status}, but there is no such published article. "
        "Set response.status = 404 before returning the error.")
    assert "json" in r.content_type, (
        f"The 404 for {path} was an HTML page. An API should answer errors in JSON too: "
        "set response.status = 404 and return {\"error\": \"...\"} instead of abort().")
    data = json.loads(r.text)
    assert isinstance(data, dict) and data.get("error"), (
        "The 404 answer should be a JSON object with an \"error\" message, like {\"error\": \"No such article\"}.")


def test_unknown_slug_is_json_404(articles, client):
    """An unknown slug gives a JSON 404"""
    check_json_404(get_json(client, "/api/articles/no-such-article"), "/api/articles/no-such-article")


def test_draft_is_json_404(articles, client):
    """A draft is not in the API"""
    check_json_404(get_json(client, "/api/articles/secret-draft"), "/api/articles/secret-draft")

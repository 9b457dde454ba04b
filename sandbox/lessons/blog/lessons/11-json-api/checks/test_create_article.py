import json
from urllib.parse import urlsplit

import pytest
from sandbox.checker.probes import HOSTILE

ARTICLE = {"title": "Sent as JSON", "content": "Made by a program.", "published": True}


@pytest.fixture
def Article(db):
    model = db.models.get("Article")
    if model is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    return model


def json_of(r, what):
    """The JSON an answer carries, checked to be sent as JSON (so a browser never runs HTML in it)."""
    media = (r.content_type or "").split(";")[0].strip().lower()
    assert media == "application/json" or media.endswith("+json"), (
        f"{what} answered with the type {r.content_type or 'none'!r}, not application/json, so a browser would "
        "treat it as a web page (and run any HTML in a title). Return a dict and Bottle sends JSON, "
        "or set response.content_type = \"application/json\" yourself.")
    try:
        return json.loads(r.text)
    except ValueError:
        pytest.fail(f"{what} is not valid JSON. Build the answer from dicts and lists (return a dict, or "
                    "json.dumps(...)), never by pasting text together.", pytrace=False)


def post(client, body):
    try:
        return client.post_json("/api/articles", body, expect_errors=True)
    except TypeError as error:
        pytest.fail(f"Your app could not turn the new article into JSON ({error}). "
                    "Reuse the same dict you send from /api/articles/<slug>.", pytrace=False)


def where(r):
    """The path (and query) of the answer's Location header."""
    location = r.headers.get("Location")
    assert location, ("The 201 answer should say where the new article lives, with a Location header: "
                      "response.set_header(\"Location\", f\"/api/articles/{article.slug}\").")
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_post_creates_an_article(Article, client):
    """POST /api/articles creates an article"""
    r = post(client, ARTICLE)
    assert r.status_int not in (404, 405), (
        f"POST /api/articles answered {r.status}. Add a route for POST requests: @app.post(\"/api/articles\").")
    saved = Article.get_or_none(Article.title == "Sent as JSON")
    assert saved is not None, "POST /api/articles did not save an article with the title it was sent."
    assert saved.content == "Made by a program.", "The new article should get the \"content\" that was posted."
    assert r.status_int == 201, (
        f"POST /api/articles answered {r.status}, but making something new should answer 201 Created. "
        "Set response.status = 201.")
    path = where(r)
    follow = client.get(path, expect_errors=True)
    assert follow.status_int == 200 and json_of(follow, path).get("title") == "Sent as JSON", (
        f"The Location header says {path}, but visiting it did not show the new (published) article: "
        f"point it at /api/articles/{saved.slug}.")


def test_article_survives_a_restart(Article, client, restart):
    """The new article is still there after a restart"""
    r = post(client, ARTICLE)
    path = where(r)
    again = restart().get(path, expect_errors=True)
    assert again.status_int == 200, (
        f"After your app restarted, {path} answered {again.status}: the posted article was not kept. "
        "Save it in the database file with Article.create(...).")


def test_posted_draft_stays_hidden(Article, client):
    """An article posted without "published": true stays a draft"""
    r = post(client, {"title": "Just a draft", "content": "Not ready."})
    assert r.status_int == 201, f"POST /api/articles with a title and content answered {r.status} instead of 201."
    saved = Article.get_or_none(Article.title == "Just a draft")
    assert saved is not None, "POST /api/articles did not save the draft it was sent."
    assert not saved.published, (
        "An article posted without \"published\": true was published. Use published=bool(data.get(\"published\", False)).")


def test_answer_is_json(Article, client):
    """The answer is JSON, whatever the title holds"""
    title = f'Quotes " and \\ and {HOSTILE[0]}'
    r = post(client, {"title": title, "content": "Tricky.", "published": True})
    assert r.status_int not in (404, 405), (
        f"POST /api/articles answered {r.status}. Add a route for POST requests: @app.post(\"/api/articles\").")
    data = json_of(r, "POST /api/articles")
    if isinstance(data, dict) and "title" in data:
        assert data["title"] == title, (
            f"POST /api/articles answered with the title {data['title']!r} instead of {title!r}, as it was posted. "
            "Let Bottle (or json.dumps) turn the text into JSON: it keeps quotes, backslashes and < > as they were.")

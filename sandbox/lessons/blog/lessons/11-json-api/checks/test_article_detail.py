import json
import sqlite3
from urllib.parse import quote

import peewee
import pytest
from sandbox.checker.probes import HOSTILE, SQL_ATTACKS

TRICKY_TITLE = f'He said "hi" \\ {HOSTILE[1]}'  # quotes, a backslash and HTML: all data in JSON


@pytest.fixture
def articles(db):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    Article.create(title="Hello API", slug="hello-api", content="The whole text.", summary="Short.", published=True)
    Article.create(title="Secret draft", slug="secret-draft", content="Shh.", published=False)
    return Article


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


def get(client, path):
    try:
        return client.get(path, expect_errors=True)
    except TypeError as error:
        pytest.fail(f"Your app could not turn the article into JSON ({error}). "
                    "Send created_at as text with article.created_at.isoformat().", pytrace=False)


def get_article(client, slug):
    path = f"/api/articles/{slug}"
    r = get(client, path)
    assert r.status_int != 404, f"Visiting {path} gave a 404. Add a route '/api/articles/<slug>' that finds the article by slug."
    assert r.status_int == 200, f"Visiting {path} answered {r.status}."
    data = json_of(r, path)
    assert isinstance(data, dict), "/api/articles/<slug> should send one JSON object for the article."
    return data


def test_one_article(articles, client):
    """/api/articles/<slug> sends one article"""
    data = get_article(client, "hello-api")
    assert data.get("title") == "Hello API", "The article's JSON should have its \"title\"."
    assert data.get("slug") == "hello-api", "The article's JSON should have its \"slug\"."
    assert data.get("content") == "The whole text.", "The article's JSON should have its full \"content\"."
    assert isinstance(data.get("created_at"), str), "The article's JSON should have \"created_at\" as ISO text."


def check_json_404(r, path):
    assert r.status_int == 404, (
        f"Visiting {path} answered {r.status}, but there is no such published article. "
        "Set response.status = 404 before returning the error.")
    media = (r.content_type or "").split(";")[0].strip().lower()
    assert "json" in media, (
        f"The 404 for {path} was an HTML page. An API should answer errors in JSON too: "
        "set response.status = 404 and return {\"error\": \"...\"} instead of abort().")
    data = json_of(r, f"The 404 for {path}")
    assert isinstance(data, dict) and any(isinstance(v, str) and v.strip() for v in data.values()), (
        "The 404 answer should be a JSON object with a message that says what went wrong, "
        "like {\"error\": \"No such article\"}.")


def test_unknown_slug_is_json_404(articles, client):
    """An unknown slug gives a JSON 404"""
    check_json_404(get(client, "/api/articles/no-such-article"), "/api/articles/no-such-article")


def test_draft_is_json_404(articles, client):
    """A draft is not in the API"""
    r = get(client, "/api/articles/secret-draft")
    assert "Shh." not in r.text, "/api/articles/secret-draft showed an unpublished article: find only published ones."
    check_json_404(r, "/api/articles/secret-draft")


def test_title_stays_data(articles, client):
    """Quotes and HTML in a title arrive as data"""
    articles.create(title=TRICKY_TITLE, slug="tricky", content="Tricky.", published=True)
    title = get_article(client, "tricky").get("title")
    assert title == TRICKY_TITLE, (
        f"An article titled {TRICKY_TITLE!r} came out of /api/articles/tricky as {title!r}. Let Bottle (or "
        "json.dumps) turn the text into JSON: it keeps quotes, backslashes and < > exactly as they were.")


@pytest.mark.independent
def test_address_is_not_injectable(articles, client):
    """SQL in the address finds nothing secret"""
    advice = ("Find the article with Peewee (Article.slug == slug), which sends the slug as a parameter, "
              "never by pasting it into SQL text.")
    crashed = []
    for attack in SQL_ATTACKS:  # a leaked draft is the worst: it is reported before a crash
        try:
            r = client.get(f"/api/articles/{quote(attack, safe='')}", expect_errors=True)
        except (peewee.PeeweeException, sqlite3.Error) as error:
            crashed.append(f"Visiting /api/articles/{attack} crashed your app ({error})")
            continue
        assert "Shh." not in r.text, (
            f"Visiting /api/articles/{attack} showed the unpublished article: the address changed your SQL. " + advice)
    assert not crashed, f"{crashed[0]}: the address became part of your SQL. " + advice

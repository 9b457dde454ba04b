import datetime
import json

import pytest
from sandbox.checker.probes import HOSTILE

TRICKY_TITLE = f'He said "hi" \\ {HOSTILE[0]}'  # quotes, a backslash and HTML: all data in JSON


@pytest.fixture
def articles(db):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    now = datetime.datetime.now()
    Article.create(title="Older post", slug="older-post", content="One.", summary="The first one.",
                   published=True, created_at=now - datetime.timedelta(days=2))
    Article.create(title="Newer post", slug="newer-post", content="Two.", summary="The second one.",
                   published=True, created_at=now - datetime.timedelta(days=1))
    Article.create(title="Secret draft", slug="secret-draft", content="Shh.", published=False, created_at=now)
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


def get_list(client):
    try:
        r = client.get("/api/articles", expect_errors=True)
    except TypeError as error:
        pytest.fail("Your app could not turn the articles into JSON "
                    f"({error}). JSON has no dates: send created_at as text with article.created_at.isoformat().",
                    pytrace=False)
    assert r.status_int != 404, "Visiting /api/articles gave a 404 (page not found). Add a route for '/api/articles'."
    assert r.status_int == 200, (
        f"Visiting /api/articles answered {r.status}. Bottle only turns a dict into JSON by itself, not a list: "
        "put the list in a dict, like return {\"articles\": [...]}.")
    data = json_of(r, "/api/articles")
    if isinstance(data, dict):
        lists = [value for value in data.values() if isinstance(value, list)]
        assert lists, "/api/articles should send a list of articles, like {\"articles\": [...]}."
        data = data.get("articles", lists[0])
    assert isinstance(data, list), "/api/articles should send a list of articles, like {\"articles\": [...]}."
    assert all(isinstance(item, dict) for item in data), "Each article in the list should be a JSON object (a dict)."
    return data


def test_lists_published_articles(articles, client):
    """/api/articles lists the published articles"""
    items = get_list(client)
    titles = [item.get("title") for item in items]
    assert "Secret draft" not in titles, "/api/articles showed an unpublished article. List only published_articles()."
    assert sorted(t for t in titles if t) == ["Newer post", "Older post"], (
        f"/api/articles should list the two published articles by their \"title\", but it listed {titles}.")
    assert titles == ["Newer post", "Older post"], "List the newest article first, like the /blog/ page does."


def test_each_article_has_its_fields(articles, client):
    """Each article has title, slug, summary and created_at"""
    items = get_list(client)
    item = next((i for i in items if i.get("title") == "Newer post"), None)
    assert item is not None, "/api/articles should include the article 'Newer post' as an object with a title."
    for key, expected in (("slug", "newer-post"), ("summary", "The second one.")):
        assert item.get(key) == expected, f"Each article should have \"{key}\": for 'Newer post' it should be {expected!r}."
    created = item.get("created_at")
    assert isinstance(created, str), "Each article should have \"created_at\" as text, made with article.created_at.isoformat()."
    try:
        when = datetime.datetime.fromisoformat(created)
    except ValueError:
        pytest.fail(f"created_at should be a date in ISO form like 2024-05-01T09:30:00, not {created!r}. "
                    "Use article.created_at.isoformat().", pytrace=False)
    stored = articles.get(articles.slug == "newer-post").created_at
    assert abs(when.replace(tzinfo=None) - stored) <= datetime.timedelta(days=1), (
        f"created_at for 'Newer post' says {created}, but the article was written on {stored:%Y-%m-%d}: "
        "send the article's own created_at.")


def test_titles_stay_data(articles, client):
    """Quotes and HTML in a title arrive as data"""
    articles.create(title=TRICKY_TITLE, slug="tricky", content="Tricky.", published=True)
    titles = [item.get("title") for item in get_list(client)]
    assert TRICKY_TITLE in titles, (
        f"An article titled {TRICKY_TITLE!r} came out of /api/articles as {titles}. Let Bottle (or json.dumps) "
        "turn the text into JSON: it keeps quotes, backslashes and < > exactly as they were.")

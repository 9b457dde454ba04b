import datetime
import json

import pytest


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
    assert "json" in r.content_type, (
        f"/api/articles answered with the type {r.content_type!r}, not JSON. Return a dict, and Bottle sends JSON.")
    data = json.loads(r.text)
    if isinstance(data, dict):
        lists = [value for value in data.values() if isinstance(value, list)]
        assert lists, "/api/articles should send a list of articles, like {\"articles\": [...]}."
        data = data.get("articles", lists[0])
    assert isinstance(data, list), "/api/articles should send a list of articles, like {\"articles\": [...]}."
    return data


def test_lists_published_articles(articles, client):
    """/api/articles lists the published articles"""
    items = get_list(client)
    assert all(isinstance(item, dict) for item in items), "Each article in the list should be a JSON object (a dict)."
    titles = [item.get("title") for item in items]
    assert "Secret draft" not in titles, "/api/articles showed an unpublished article. List only published_articles()."
    assert sorted(t for t in titles if t) == ["Newer post", "Older post"], (
        f"/api/articles should list the two published articles, but it listed {titles}.")
    assert titles == ["Newer post", "Older post"], "List the newest article first, like the /blog/ page does."


def test_each_article_has_its_fields(articles, client):
    """Each article has title, slug, summary and created_at"""
    items = get_list(client)
    assert items, "/api/articles sent an empty list, but there are published articles."
    item = next((i for i in items if isinstance(i, dict) and i.get("title") == "Newer post"), None)
    assert item is not None, "/api/articles should include the article 'Newer post' as an object with a title."
    for key, expected in (("slug", "newer-post"), ("summary", "The second one.")):
        assert item.get(key) == expected, f"Each article should have \"{key}\": for 'Newer post' it should be {expected!r}."
    created = item.get("created_at")
    assert isinstance(created, str), "Each article should have \"created_at\" as text, made with article.created_at.isoformat()."
    try:
        datetime.datetime.fromisoformat(created)
    except ValueError:
        pytest.fail(f"created_at should be a date in ISO form like 2024-05-01T09:30:00, not {created!r}. "
                    "Use article.created_at.isoformat().", pytrace=False)

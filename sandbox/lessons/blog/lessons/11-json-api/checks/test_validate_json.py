import json

import pytest


@pytest.fixture
def Article(db):
    model = db.models.get("Article")
    if model is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    return model


def check_400(r, what, field=None):
    assert r.status_int != 201, f"POST /api/articles with {what} still created an article. Check the data first and answer 400."
    assert r.status_int == 400, f"POST /api/articles with {what} answered {r.status}; it should answer 400 Bad Request."
    assert "json" in r.content_type, (
        f"POST /api/articles with {what} answered 400 with an HTML page. An API should answer with JSON: "
        "read the body with json.loads(request.body.read()) and return {\"errors\": {...}} yourself.")
    if field:
        assert field in r.text.lower(), (
            f"The 400 answer for {what} should say what is wrong with \"{field}\", like {{\"errors\": {{\"{field}\": \"...\"}}}}.")


def test_missing_title(Article, client):
    """An article without a title is refused"""
    r = client.post_json("/api/articles", {"content": "No title here."}, expect_errors=True)
    check_400(r, "no title", "title")
    assert Article.select().count() == 0, "An article without a title was saved anyway."


def test_missing_content(Article, client):
    """An article without content is refused"""
    r = client.post_json("/api/articles", {"title": "Empty", "content": "   "}, expect_errors=True)
    check_400(r, "no content", "content")
    assert Article.select().count() == 0, "An article without content was saved anyway."


def test_broken_json(Article, client):
    """Broken JSON gets a JSON error"""
    r = client.post("/api/articles", '{"title": "Oops", ', content_type="application/json", expect_errors=True)
    check_400(r, "broken JSON")
    assert isinstance(json.loads(r.text), dict), "The 400 answer for broken JSON should be a JSON object, like {\"errors\": {...}}."


def test_good_article_still_works(Article, client):
    """A good article is still created"""
    r = client.post_json("/api/articles", {"title": "Fine", "content": "All good."}, expect_errors=True)
    assert r.status_int == 201, f"POST /api/articles with a title and content answered {r.status} instead of 201."

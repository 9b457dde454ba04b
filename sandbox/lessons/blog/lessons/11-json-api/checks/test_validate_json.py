import json

import pytest

REFUSED = (400, 422)  # 400 Bad Request, or 422 Unprocessable Content as some APIs answer


@pytest.fixture
def Article(db):
    model = db.models.get("Article")
    if model is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    return model


def send(client, what, body=None, raw=None):
    try:
        if raw is not None:
            return client.post("/api/articles", raw, content_type="application/json", expect_errors=True)
        return client.post_json("/api/articles", body, expect_errors=True)
    except (NameError, ImportError):
        raise  # a slip in the code, not in the data: the learner sees it with its line
    except Exception as error:
        pytest.fail(f"POST /api/articles with {what} crashed your app ({type(error).__name__}: {error}). "
                    "Check the data before you use it, and answer 400 with the errors in JSON.", pytrace=False)


def check_refused(r, what, field=None):
    assert r.status_int != 201, f"POST /api/articles with {what} still created an article. Check the data first and answer 400."
    assert r.status_int in REFUSED, (
        f"POST /api/articles with {what} answered {r.status}; it should answer 400 Bad Request, so the client "
        "knows the data was refused.")
    media = (r.content_type or "").split(";")[0].strip().lower()
    assert "json" in media, (
        f"POST /api/articles with {what} answered {r.status_int} with an HTML page. An API should answer with JSON: "
        "read the body with json.loads(request.body.read()) and return {\"errors\": {...}} yourself.")
    try:
        data = json.loads(r.text)
    except ValueError:
        pytest.fail(f"The {r.status_int} answer for {what} is not valid JSON: return a dict like "
                    "{\"errors\": {...}}.", pytrace=False)
    assert isinstance(data, dict), f"The {r.status_int} answer for {what} should be a JSON object, like {{\"errors\": {{...}}}}."
    if field:
        assert field in json.dumps(data).lower(), (
            f"The {r.status_int} answer for {what} should say what is wrong with \"{field}\", "
            f"like {{\"errors\": {{\"{field}\": \"...\"}}}}.")


def test_missing_title(Article, client):
    """An article without a title is refused"""
    check_refused(send(client, "no title", {"content": "No title here."}), "no title", "title")
    check_refused(send(client, "a blank title", {"title": "   ", "content": "Blank."}), "a blank title", "title")
    assert Article.select().count() == 0, "An article without a title was saved anyway."


def test_missing_content(Article, client):
    """An article without content is refused"""
    check_refused(send(client, "no content", {"title": "Empty", "content": "   "}), "no content", "content")
    assert Article.select().count() == 0, "An article without content was saved anyway."


def test_broken_json(Article, client):
    """Broken JSON gets a JSON error"""
    check_refused(send(client, "broken JSON", raw='{"title": "Oops", '), "broken JSON")
    assert Article.select().count() == 0, "Broken JSON saved an article anyway."


def test_not_an_object(Article, client):
    """JSON that is not an object is refused"""
    for body, what in (([1, 2], "a JSON list"), ("a title", "a JSON text"), (None, "JSON null")):
        check_refused(send(client, what, raw=json.dumps(body)), what)
    assert Article.select().count() == 0, "JSON that is not an object saved an article anyway."


def test_good_article_still_works(Article, client):
    """A good article is still created"""
    r = send(client, "a title and content", {"title": "Fine", "content": "All good."})
    assert r.status_int == 201, f"POST /api/articles with a title and content answered {r.status} instead of 201."
    assert Article.get_or_none(Article.title == "Fine") is not None, "POST /api/articles answered 201 but saved nothing."

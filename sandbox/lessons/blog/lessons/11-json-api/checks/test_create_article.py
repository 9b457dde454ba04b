import json
from urllib.parse import urlparse

import pytest


@pytest.fixture
def Article(db):
    model = db.models.get("Article")
    if model is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    return model


def test_post_creates_an_article(Article, client):
    """POST /api/articles creates an article"""
    body = {"title": "Sent as JSON", "content": "Made by a program.", "published": True}
    try:
        r = client.post_json("/api/articles", body, expect_errors=True)
    except TypeError as error:
        pytest.fail(f"Your app could not turn the new article into JSON ({error}). "
                    "Reuse the same dict you send from /api/articles/<slug>.", pytrace=False)
    assert r.status_int not in (404, 405), (
        f"POST /api/articles answered {r.status}. Add a route for POST requests: @app.post(\"/api/articles\").")
    saved = Article.get_or_none(Article.title == "Sent as JSON")
    assert saved is not None, "POST /api/articles did not save an article with the title it was sent."
    assert saved.content == "Made by a program.", "The new article should get the \"content\" that was posted."
    assert r.status_int == 201, (
        f"POST /api/articles answered {r.status}, but making something new should answer 201 Created. "
        "Set response.status = 201.")
    location = r.headers.get("Location")
    assert location, ("The 201 answer should say where the new article lives, with a Location header: "
                      "response.set_header(\"Location\", f\"/api/articles/{article.slug}\").")
    path = urlparse(location).path
    assert path == f"/api/articles/{saved.slug}", (
        f"The Location header should be /api/articles/{saved.slug}, not {location!r}.")
    follow = client.get(path, expect_errors=True)
    assert follow.status_int == 200 and json.loads(follow.text).get("title") == "Sent as JSON", (
        "Visiting the Location of the new (published) article should show it.")

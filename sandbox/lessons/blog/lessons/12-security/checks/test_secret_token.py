import json

import pytest

TOKEN = "check-token-7f3a9c"
ARTICLE = {"title": "Posted with a token", "content": "Hello.", "published": True}


@pytest.fixture
def Article(db):
    model = db.models.get("Article")
    if model is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    return model


@pytest.fixture
def api(request, monkeypatch, Article):
    """The learner's app, imported after API_TOKEN is set in the environment."""
    monkeypatch.setenv("API_TOKEN", TOKEN)
    return request.getfixturevalue("client")


def post(client, headers=None):
    return client.post_json("/api/articles", ARTICLE, headers=headers or {}, expect_errors=True)


def test_no_token_is_refused(api, Article):
    """Writing without a token is refused"""
    r = post(api)
    assert r.status_int == 401, (
        f"POST /api/articles without a token answered {r.status}. Anyone could write on your blog: "
        "answer 401 unless the Authorization header holds the right token.")
    assert "json" in r.content_type and isinstance(json.loads(r.text), dict), (
        "The 401 answer should be JSON too, like {\"error\": \"...\"}.")
    r = post(api, {"Authorization": "Bearer wrong-token"})
    assert r.status_int == 401, f"POST /api/articles with a wrong token answered {r.status} instead of 401."
    assert Article.select().count() == 0, "An article was saved without the right token."


def test_token_from_environment(api, Article):
    """The token comes from the API_TOKEN environment variable"""
    r = post(api, {"Authorization": f"Bearer {TOKEN}"})
    assert r.status_int == 201, (
        f"With API_TOKEN={TOKEN} in the environment and the header 'Authorization: Bearer {TOKEN}', "
        f"POST /api/articles answered {r.status}: your app did not accept the token from the API_TOKEN "
        "environment variable. Read it with os.environ.get(\"API_TOKEN\") instead of writing it in your code.")


def test_no_token_configured_means_no_writes(monkeypatch, request, Article):
    """Without API_TOKEN set, nobody can write"""
    monkeypatch.delenv("API_TOKEN", raising=False)
    client = request.getfixturevalue("client")
    for header in ("Bearer ", "Bearer", "Bearer None"):
        r = post(client, {"Authorization": header})
        assert r.status_int in (401, 403), (
            f"With no API_TOKEN in the environment, a POST with 'Authorization: {header}' answered {r.status}. "
            "When the token isn't set, refuse every write.")

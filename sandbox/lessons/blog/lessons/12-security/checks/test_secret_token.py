import ast
import json
import secrets

import pytest

TOKEN = "check-" + secrets.token_hex(8)  # a token no learner file can contain
ARTICLE = {"title": "Posted with a token", "content": "Hello.", "published": True}
GUESSES = ["dev-secret", "secret", "changeme", "", "None", "null", "token", "admin", "password", "test",
           "let-me-in", "api-token", "API_TOKEN"]


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


def source_strings(workspace):
    """Every text written in quotes in the learner's Python files: a token written in the code is among them."""
    found = set()
    for path in sorted(workspace.rglob("*.py")):
        if "tests" in path.relative_to(workspace).parts[:-1]:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) <= 200:
                word = node.value.strip()
                if word.isascii() and word.isprintable():  # what an HTTP header can carry
                    found.add(word)
    return found


def guessed_headers(workspace):
    """(header, whether its token is written in the learner's code): common guesses and every quoted text."""
    written = {word for word in source_strings(workspace) if word}
    headers = {None: False, "Bearer": False, "Bearer wrong-token": False}
    for word in [*GUESSES, *sorted(written)]:
        for header in (f"Bearer {word}", word):
            headers.setdefault(header, word in written)
    return list(headers.items())


def post(client, header):
    headers = {} if header is None else {"Authorization": header}
    return client.post_json("/api/articles", ARTICLE, headers=headers, expect_errors=True)


def shown(header):
    return "no Authorization header" if header is None else f"the header 'Authorization: {header}'"


def check_refused(client, db, headers, setting, configured):
    for number, (header, in_code) in enumerate(headers):
        r = post(client, header)
        refused = r.status_int in (401, 403)
        # Counting rows after every request would double the time: count after the first few and
        # after a suspicious answer, and at the end (then once more, one by one, to name the header).
        saved = db.Article.select().count() if not refused or number < 3 else 0
        if refused and not saved:
            assert "json" in r.content_type and isinstance(json.loads(r.text or "null"), dict), (
                f"The {r.status_int} answer to a POST without the right token should be JSON too, "
                "like {\"error\": \"...\"}.")
            continue
        fail_for(header, in_code, r, saved, setting, configured)
    if db.Article.select().count():
        for header, in_code in headers:
            before = db.Article.select().count()
            r = post(client, header)
            if db.Article.select().count() > before:
                fail_for(header, in_code, r, True, setting, configured)


def fail_for(header, in_code, r, saved, setting, configured):
    if not saved and r.status_int < 300:
        advice = "Answer 401 (set response.status = 401) when the token is wrong, so the client knows nothing was written."
    elif in_code:
        advice = ("That token is written in your code, where anyone who reads it finds it: take the token only "
                  "from the API_TOKEN environment variable.")
    elif not configured:
        advice = "When API_TOKEN is not set (or is empty), refuse every write."
    else:
        advice = ("Only the exact token from the API_TOKEN environment variable may write: compare the whole "
                  "header with f\"Bearer {token}\".")
    pytest.fail(f"With {setting}, a POST to /api/articles with {shown(header)} answered {r.status}"
                + (" and saved the article. " if saved else ". ") + advice, pytrace=False)


@pytest.mark.independent
def test_wrong_token_is_refused(api, db, workspace):
    """Writing without the right token is refused"""
    near = [(header, False) for header in (f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:6]}")]
    check_refused(api, db, [*guessed_headers(workspace), *near], f"API_TOKEN={TOKEN} in the environment", True)


def test_token_from_environment(api, Article, restart):
    """The token comes from the API_TOKEN environment variable"""
    r = post(api, f"Bearer {TOKEN}")
    assert r.status_int == 201, (
        f"With API_TOKEN={TOKEN} in the environment and the header 'Authorization: Bearer {TOKEN}', "
        f"POST /api/articles answered {r.status}: your app did not accept the token from the API_TOKEN "
        "environment variable. Read it with os.environ.get(\"API_TOKEN\") instead of writing it in your code.")
    saved = Article.get_or_none(Article.title == ARTICLE["title"])
    assert saved is not None, "POST /api/articles with the right token answered 201 but saved no article."
    r = restart().get(f"/api/articles/{saved.slug}", expect_errors=True)
    assert r.status_int == 200, (
        f"After your app restarted, /api/articles/{saved.slug} answered {r.status}: the article posted with the "
        "token was not kept in the database file.")


@pytest.mark.independent
def test_no_token_configured_means_no_writes(monkeypatch, request, Article, db, workspace, restart):
    """Without API_TOKEN set, nobody can write"""
    monkeypatch.delenv("API_TOKEN", raising=False)
    client = request.getfixturevalue("client")
    check_refused(client, db, guessed_headers(workspace), "no API_TOKEN in the environment", False)
    monkeypatch.setenv("API_TOKEN", "")
    check_refused(restart(), db, guessed_headers(workspace), "API_TOKEN set to an empty text", False)

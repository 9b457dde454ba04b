import threading
import time

import pytest

TOKEN = "queue-check-token"
WORDS = " ".join(f"word{i}" for i in range(1, 41))


@pytest.fixture
def setup(db, request, monkeypatch):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    monkeypatch.setenv("API_TOKEN", TOKEN)
    client = request.getfixturevalue("client")
    updates = []
    database = Article._meta.database
    original = database.execute_sql

    def watching(sql, *args, **kwargs):
        if sql.lstrip().upper().startswith("UPDATE") and "summary" in sql.lower():
            updates.append(threading.get_ident())
        return original(sql, *args, **kwargs)

    monkeypatch.setattr(database, "execute_sql", watching)
    return Article, client, updates


def test_summary_written_in_the_background(setup):
    """A background job writes the summary"""
    Article, client, updates = setup
    r = client.post_json("/api/articles", {"title": "Long read", "content": WORDS, "published": True},
                         headers={"Authorization": f"Bearer {TOKEN}"}, expect_errors=True)
    assert r.status_int == 201, f"POST /api/articles answered {r.status} instead of 201 Created."
    summary = ""
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        article = Article.get_or_none(Article.title == "Long read")
        summary = article.summary if article else ""
        if summary:
            break
        time.sleep(0.05)
    assert summary, (
        "The new article never got a summary. After creating it, call enqueue(write_summary, article.id), "
        "and check that tasks.py starts its worker thread.")
    assert summary.startswith("word1 word2"), (
        f"The summary should start with the first words of the content, but it is {summary[:60]!r}.")
    here = threading.get_ident()
    assert any(ident != here for ident in updates), (
        "The summary was written while the request was still being answered, so the visitor had to wait. "
        "Hand the work to the queue with enqueue(write_summary, article.id) and let the worker thread do it.")

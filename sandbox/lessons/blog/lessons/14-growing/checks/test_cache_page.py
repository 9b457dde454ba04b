import time

import pytest


@pytest.fixture
def clock(monkeypatch):
    """A clock the check can move forward: time.time() and time.monotonic() plus `ahead` seconds."""
    state = {"ahead": 0.0}
    real_time, real_monotonic = time.time, time.monotonic
    monkeypatch.setattr(time, "time", lambda: real_time() + state["ahead"])
    monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + state["ahead"])
    return state


@pytest.fixture
def site(clock, db, request, monkeypatch):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    client = request.getfixturevalue("client")  # imported after the clock is in place
    queries = []
    database = Article._meta.database
    original = database.execute_sql

    def counting(sql, *args, **kwargs):
        queries.append(sql)
        return original(sql, *args, **kwargs)

    monkeypatch.setattr(database, "execute_sql", counting)
    return Article, client, queries


def article_selects(queries):
    return [q for q in queries if q.lstrip().upper().startswith("SELECT") and "article" in q.lower()]


def test_second_visit_uses_the_cache(site):
    """A second visit to /blog/ doesn't query the database"""
    Article, client, queries = site
    Article.create(title="Cached post", slug="cached-post", content="Hi.", published=True)
    first = client.get("/blog/", expect_errors=True)
    assert first.status_int == 200, f"Visiting /blog/ answered {first.status} instead of the list of articles."
    assert "Cached post" in first.text, "The /blog/ page should still list the published articles."
    queries.clear()
    second = client.get("/blog/", expect_errors=True)
    assert second.status_int == 200, f"Visiting /blog/ a second time answered {second.status}."
    assert "Cached post" in second.text, "The second visit to /blog/ should show the same list of articles."
    selects = article_selects(queries)
    assert not selects, (
        f"The second visit to /blog/ still asked the database ({len(selects)} queries). Keep the rendered page "
        "in a dict with the time it expires, and send the stored HTML while it is fresh.")


def test_cache_expires(site, clock):
    """The cached list expires"""
    Article, client, queries = site
    Article.create(title="First post", slug="first-post", content="Hi.", published=True)
    assert client.get("/blog/", expect_errors=True).status_int == 200, "Visiting /blog/ should show the list of articles."
    Article.create(title="Later post", slug="later-post", content="Hello again.", published=True)
    clock["ahead"] += 3600
    r = client.get("/blog/", expect_errors=True)
    assert "Later post" in r.text, (
        "A new article was still not on /blog/ an hour later: the cache never expires. Store the time each entry "
        "expires, and render the page again once time.monotonic() is past it.")

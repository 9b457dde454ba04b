import datetime
import sqlite3
import time

import pytest
from sandbox.checker.probes import HOSTILE, assert_escaped, visible_text

TOKEN = "cache-check-token"


@pytest.fixture
def clock(monkeypatch):
    """A clock the check can move forward: `ahead` seconds are added to every clock Python offers."""
    state = {"ahead": 0.0}
    for name in ("time", "monotonic", "perf_counter"):
        real = getattr(time, name)
        monkeypatch.setattr(time, name, lambda real=real: real() + state["ahead"])
    for name in ("time_ns", "monotonic_ns", "perf_counter_ns"):
        real = getattr(time, name)
        monkeypatch.setattr(time, name, lambda real=real: real() + int(state["ahead"] * 1_000_000_000))
    real_datetime = datetime.datetime

    class MovedDatetime(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return real_datetime.now(tz) + datetime.timedelta(seconds=state["ahead"])

        @classmethod
        def utcnow(cls):
            return real_datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(seconds=state["ahead"])

        @classmethod
        def today(cls):
            return cls.now()

    sqlite3.register_adapter(MovedDatetime, lambda value: value.isoformat(" "))
    monkeypatch.setattr(datetime, "datetime", MovedDatetime)
    return state


@pytest.fixture
def site(clock, db, request, monkeypatch):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    monkeypatch.setenv("API_TOKEN", TOKEN)
    client = request.getfixturevalue("client")  # imported after the clock and the token are in place
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


def visit(client, path, why=""):
    r = client.get(path, expect_errors=True)
    assert r.status_int == 200, f"Visiting {path}{why} answered {r.status} instead of the page."
    return r


def test_second_visit_uses_the_cache(site):
    """A second visit to /blog/ doesn't query the database"""
    Article, client, queries = site
    Article.create(title="Cached post", slug="cached-post", content="Hi.", published=True)
    first = visit(client, "/blog/")
    assert "Cached post" in visible_text(first.text), "The /blog/ page should still list the published articles."
    queries.clear()
    second = visit(client, "/blog/", " a second time")
    assert "Cached post" in visible_text(second.text), "The second visit to /blog/ should show the same list of articles."
    selects = article_selects(queries)
    assert not selects, (
        f"The second visit to /blog/ still asked the database ({len(selects)} "
        f"{'query' if len(selects) == 1 else 'queries'}). Keep the rendered page "
        "in a dict with the time it expires, and send the stored HTML while it is fresh.")


def test_pages_keep_their_own_cache(site):
    """Each page keeps its own cached copy"""
    Article, client, queries = site
    Article.create(title="Cached post", slug="cached-post", content="Hi.", summary="A summary.", published=True)
    pages = {}
    for path in ("/about", "/", "/blog/", "/", "/about", "/blog/"):
        text = visit(client, path).text
        assert pages.setdefault(path, text) == text, (
            f"{path} showed something else on a later visit, after other pages were visited.")
    for path in ("/about", "/"):
        assert pages[path] != pages["/blog/"], (
            f"/blog/ showed the same page as {path}: give every page its own key in the cache, like \"blog_list\".")


def test_cache_expires(site, clock):
    """The cached list expires"""
    Article, client, queries = site
    Article.create(title="First post", slug="first-post", content="Hi.", published=True)
    visit(client, "/blog/")
    Article.create(title="Later post", slug="later-post", content="Hello again.", published=True)
    clock["ahead"] += 3600
    r = visit(client, "/blog/", " an hour later")
    assert "Later post" in visible_text(r.text), (
        "A new article was still not on /blog/ an hour later: the cache never expires. Store the time each entry "
        "expires, and render the page again once time.monotonic() is past it.")


def write_with_the_form(client, title):
    page = visit(client, "/blog/new")
    form = next((f for f in page.forms.values() if "title" in f.fields), None)
    assert form is not None, "The page /blog/new should still have the form with a title field."
    form["title"] = title
    form["content"] = "Written with the form."
    if "published" in form.fields:
        form["published"] = True
    r = form.submit(expect_errors=True)
    assert r.status_int in (200, 201, 302, 303), f"Sending the form on /blog/new answered {r.status}."


def test_new_article_shows_at_once(site):
    """A new article shows on /blog/ at once"""
    Article, client, queries = site
    Article.create(title="First post", slug="first-post", content="Hi.", published=True)
    visit(client, "/blog/")
    r = client.post_json("/api/articles", {"title": "Posted by API", "content": "New.", "published": True},
                         headers={"Authorization": f"Bearer {TOKEN}"}, expect_errors=True)
    assert r.status_int == 201, f"POST /api/articles with the right token answered {r.status} instead of 201 Created."
    assert "Posted by API" in visible_text(visit(client, "/blog/").text), (
        "An article created through the API was not on /blog/ right after: the old page came from the cache. "
        "Call _cache.clear() after Article.create(...) in the API route.")
    write_with_the_form(client, "Written in the form")
    assert "Written in the form" in visible_text(visit(client, "/blog/").text), (
        "An article written with the form was not on /blog/ right after: the old page came from the cache. "
        "Call _cache.clear() after Article.create(...) in the form's route.")


@pytest.mark.independent
def test_cached_page_escapes(site):
    """The cached list shows titles as text"""
    Article, client, queries = site
    for number, payload in enumerate(HOSTILE):
        Article.create(title=f"Post {payload}", slug=f"post-{number}", content="Hi.", published=True)
    for visit_number in ("first", "second"):
        html = visit(client, "/blog/").text
        for payload in HOSTILE:
            assert_escaped(html, payload, f"the {visit_number} visit to /blog/, in an article's title")


@pytest.mark.independent
def test_api_still_needs_the_token(site):
    """Writing through the API still needs the token"""
    Article, client, queries = site
    for headers in ({}, {"Authorization": "Bearer wrong-token"}):
        r = client.post_json("/api/articles", {"title": "No token", "content": "Sneaky.", "published": True},
                             headers=headers, expect_errors=True)
        assert r.status_int in (401, 403) and Article.select().count() == 0, (
            f"A POST to /api/articles {'without a token' if not headers else 'with a wrong token'} answered "
            f"{r.status}. Keep the token check at the start of the API route: only the API_TOKEN may write.")

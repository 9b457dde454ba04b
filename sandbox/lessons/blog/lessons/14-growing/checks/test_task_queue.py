import os
import sys
import threading
import time

import pytest
from sandbox.checker.probes import HOSTILE, assert_escaped

TOKEN = "queue-check-token"
WORDS = " ".join(f"word{i}" for i in range(1, 81))
PATIENCE = 3.0  # seconds a job may take to run in the background
HOLD = 5.0  # at most, seconds a background job is held back while the request that made it is being answered


class Jobs:
    """Watches the database for summaries being written: on which thread, and whether the request waited."""

    def __init__(self, request_thread):
        self.request_thread = request_thread
        self.answered = threading.Event()
        self.threads = []  # the thread of each summary write
        self.waited = False  # a request did not answer until its job was done

    def seen(self):
        here = threading.get_ident()
        self.threads.append(here)
        if here == self.request_thread:
            return
        # Hold the background job until its request has answered. A request that waits for the
        # job instead (a thread it joins, a future's result) sits in a threading wait meanwhile:
        # seen for half a second, that is the visitor waiting. A merely slow machine is never blamed.
        since, deadline = None, time.monotonic() + HOLD
        while not self.answered.wait(0.02) and time.monotonic() < deadline:
            if not self.request_is_waiting():
                since = None
            elif since is None:
                since = time.monotonic()
            elif time.monotonic() - since > 0.5:
                self.waited = True
                return

    def request_is_waiting(self):
        frame = sys._current_frames().get(self.request_thread)
        while frame is not None:
            file = frame.f_code.co_filename
            if file.endswith(("threading.py", "queue.py")) or f"concurrent{os.sep}futures" in file:
                return True
            frame = frame.f_back
        return False


@pytest.fixture
def setup(db, request, monkeypatch):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    monkeypatch.setenv("API_TOKEN", TOKEN)
    client = request.getfixturevalue("client")
    jobs = Jobs(threading.get_ident())
    database = Article._meta.database
    original = database.execute_sql

    def watching(sql, *args, **kwargs):
        if sql.lstrip().upper().startswith("UPDATE") and "summary" in sql.lower():
            jobs.seen()
        return original(sql, *args, **kwargs)

    monkeypatch.setattr(database, "execute_sql", watching)
    yield Article, client, jobs
    jobs.answered.set()  # never leave a worker held


def post(client, jobs, title, content=WORDS):
    jobs.answered.clear()
    try:
        r = client.post_json("/api/articles", {"title": title, "content": content, "published": True},
                             headers={"Authorization": f"Bearer {TOKEN}"}, expect_errors=True)
    finally:
        jobs.answered.set()
    assert r.status_int == 201, f"POST /api/articles answered {r.status} instead of 201 Created."
    return r


def summaries(Article, titles):
    """The summaries of the articles with these titles, once all are written (or time is up)."""
    found = {}
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        found = {a.title: a.summary for a in Article.select().where(Article.title.in_(titles))}
        if len(found) == len(titles) and all(found.values()):
            break
        time.sleep(0.05)
    return found


def test_summary_written_in_the_background(setup):
    """A background job writes the summary"""
    Article, client, jobs = setup
    post(client, jobs, "Long read")
    summary = summaries(Article, ["Long read"]).get("Long read")
    assert summary, (
        "The new article never got a summary. After creating it, call enqueue(write_summary, article.id), "
        "and check that tasks.py starts its worker thread.")
    assert summary.startswith("word1 word2"), (
        f"The summary should start with the first words of the content, but it is {summary[:60]!r}.")
    assert "word80" not in summary, (
        "The summary holds the whole content: it should be only its first words (30 of them).")
    assert any(thread != jobs.request_thread for thread in jobs.threads), (
        "The summary was written while the request was still being answered, so the visitor had to wait. "
        "Hand the work to the queue with enqueue(write_summary, article.id) and let the worker thread do it.")
    assert not jobs.waited, (
        "The summary was written on another thread, but the request waited for it to finish before answering "
        "(a thread that is joined, say). Put the job on the queue and answer at once; the worker runs it later.")


def test_every_job_runs(setup):
    """The worker keeps taking jobs"""
    Article, client, jobs = setup
    titles = ["First of three", "Second of three", "Third of three"]
    for title in titles:
        post(client, jobs, title)
    found = summaries(Article, titles)
    done = [title for title in titles if found.get(title)]
    assert len(done) == len(titles), (
        f"Only {len(done)} of 3 new articles got a summary. The worker should take job after job from the queue, "
        "in a while True: loop, and one failing job must not stop it.")


def test_form_articles_get_a_summary(setup):
    """Articles written with the form get a summary too"""
    Article, client, jobs = setup
    page = client.get("/blog/new", expect_errors=True)
    form = next((f for f in page.forms.values() if "title" in f.fields), None) if page.status_int == 200 else None
    assert form is not None, "The page /blog/new should still show the form for a new article."
    form["title"] = "From the form"
    form["content"] = WORDS
    if "published" in form.fields:
        form["published"] = True
    jobs.answered.clear()
    try:
        r = form.submit(expect_errors=True)
    finally:
        jobs.answered.set()
    assert r.status_int in (200, 201, 302, 303), f"Sending the form on /blog/new answered {r.status}."
    assert summaries(Article, ["From the form"]).get("From the form"), (
        "An article written with the form never got a summary. Call enqueue(write_summary, article.id) after "
        "Article.create(...) in the form's route too.")


def test_summaries_are_text(setup):
    """Summaries are shown as text"""
    Article, client, jobs = setup
    titles = []
    for number, payload in enumerate(HOSTILE):
        titles.append(f"Hostile {number}")
        post(client, jobs, titles[-1], f"{payload} and a few more words.")
    summaries(Article, titles)
    html = client.get("/", expect_errors=True).text
    for payload in HOSTILE:
        assert_escaped(html, payload, "the home page, in an article's summary")


@pytest.mark.independent
def test_api_still_needs_the_token(setup):
    """Writing through the API still needs the token"""
    Article, client, jobs = setup
    for headers in ({}, {"Authorization": "Bearer wrong-token"}):
        r = client.post_json("/api/articles", {"title": "No token", "content": WORDS, "published": True},
                             headers=headers, expect_errors=True)
        assert r.status_int in (401, 403) and Article.select().count() == 0, (
            f"A POST to /api/articles {'without a token' if not headers else 'with a wrong token'} answered "
            f"{r.status}. Keep the token check at the start of the API route: only the API_TOKEN may write.")

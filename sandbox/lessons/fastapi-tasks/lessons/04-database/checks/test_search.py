"""Checks for the "Search the titles" step."""

from urllib.parse import quote

import pytest
from sandbox.checker.probes import SQL_ATTACKS

from taskdb import ask, database, json_of, listed, titles  # noqa: F401 (database is a fixture)

ROWS = [
    (1, "Buy milk", 0, 2),
    (2, "Buy bread", 0, 3),
    (3, "Milk the cow", 1, 1),
    (4, "Call mum", 0, 3),
    (5, "Fix Bob's bike", 0, 4),
]


def search(client, words, extra=""):
    return titles(listed(client, f"q={quote(words)}" + extra))


def test_search_finds_words_in_titles(database, client):
    """?q= finds the tasks whose title contains the words"""
    database.seed(ROWS)
    got = search(client, "milk")
    assert got == ["Buy milk", "Milk the cow"], (
        f"GET /tasks?q=milk listed {got} instead of [\"Buy milk\", \"Milk the cow\"]: find the word anywhere in "
        "the title, whatever its capitals, with title LIKE ? and the value f\"%{q}%\".")
    assert search(client, "zebra") == [], "GET /tasks?q=zebra should list nothing: no title has that word."
    assert len(listed(client, "limit=100")) == len(ROWS), "GET /tasks without ?q= should still list every task."


def test_search_works_with_the_other_filters(database, client):
    """?q= works together with ?done= and ?limit="""
    database.seed(ROWS)
    got = search(client, "milk", "&done=false")
    assert got == ["Buy milk"], (
        f"GET /tasks?q=milk&done=false listed {got} instead of [\"Buy milk\"]: apply both filters together, "
        "WHERE done = ? AND title LIKE ?.")
    got = search(client, "buy", "&limit=1")
    assert got == ["Buy milk"], f"GET /tasks?q=buy&limit=1 listed {got} instead of [\"Buy milk\"]."


def test_quotes_are_just_text(database, client):
    """Searching for Bob's finds Bob's bike"""
    database.seed(ROWS)
    got = search(client, "Bob's")
    assert got == ["Fix Bob's bike"], (
        f"GET /tasks?q=Bob's listed {got} instead of [\"Fix Bob's bike\"]. Pass the search words to the database "
        "with a ? placeholder, so a quote stays a quote.")


@pytest.mark.independent
def test_search_words_cannot_change_the_sql(database, client):
    """Search words that look like SQL cannot undo the done filter"""
    database.seed(ROWS)
    plain = [t["title"] for t in listed(client, "done=false&limit=100&q=i") if t.get("done") is not False]
    assert not plain, (
        f"GET /tasks?done=false&q=i listed the finished task {plain[0]!r}: apply both filters together, "
        "WHERE done = ? AND title LIKE ?.")
    for attack in SQL_ATTACKS:
        r = ask(client, "GET", f"/tasks?done=false&limit=100&q={quote(attack)}")
        assert r.status_int in (200, 422), (
            f"Searching for {attack!r} answered {r.status_int}: the words were pasted into the SQL. "
            "Use a ? placeholder for the search words.")
        if r.status_int == 200:
            finished = [t["title"] for t in json_of(r, "GET /tasks?q=...") if t.get("done") is not False]
            assert not finished, (
                f"GET /tasks?done=false with the search {attack!r} listed the finished task {finished[0]!r}: the "
                "search words were pasted into the SQL and changed it. Use a ? placeholder for the search words.")

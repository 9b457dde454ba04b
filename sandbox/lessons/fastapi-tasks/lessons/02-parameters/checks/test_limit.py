"""Checks for the "No more than you asked for" step."""

import json

from taskapi import done_and_open, ids, json_of


def listed(client, query):
    r = client.get(f"/tasks?{query}", status="*")
    assert r.status_int == 200, f"GET /tasks?{query} answered {r.status_int} instead of 200 OK."
    return json_of(r, f"GET /tasks?{query}")


def named(detail, field):
    """Whether a 422 answer's detail points at ``field``."""
    if isinstance(detail, list):
        return any(isinstance(e, dict) and field in [str(p) for p in e.get("loc", [])] for e in detail)
    return field in json.dumps(detail)


def test_limit_cuts_the_list(client):
    """?limit=2 lists the first two tasks"""
    finished, unfinished = done_and_open(client)
    everything = sorted(finished + unfinished, key=lambda t: t["id"])
    got = listed(client, "limit=2")
    assert isinstance(got, list) and len(got) == 2, (
        f"GET /tasks?limit=2 listed {len(got) if isinstance(got, list) else got} task(s) instead of 2. Take a "
        "parameter limit and return tasks[:limit].")
    first = ids(listed(client, "limit=100"))[:2]
    assert ids(got) == first, f"GET /tasks?limit=2 listed {ids(got)}, not the first two tasks, {first}."
    assert len(listed(client, "limit=100")) == len(everything), (
        "GET /tasks?limit=100 should list every task: allow limits up to 100.")


def test_limit_has_a_default_of_ten(client):
    """Without ?limit, at most ten tasks"""
    got = listed(client, "")
    assert isinstance(got, list) and 1 <= len(got) <= 10, (
        f"GET /tasks without ?limit= listed {len(got) if isinstance(got, list) else got} tasks: give limit the "
        "default 10, so a client that does not say gets a sensible amount.")


def test_limit_is_applied_after_the_filter(client):
    """?done=false&limit=... counts only unfinished tasks"""
    _, unfinished = done_and_open(client)
    want = len(unfinished)
    got = listed(client, f"done=false&limit={want}")
    assert ids(got) == ids(unfinished), (
        f"GET /tasks?done=false&limit={want} listed {ids(got)}, but there are {want} unfinished tasks: "
        f"{ids(unfinished)}. Filter first, then cut the list to the limit.")


def test_limits_out_of_range_are_refused(client):
    """?limit=0 and ?limit=101 are refused with 422"""
    for query, why in (("limit=0", "at least 1 (ge=1)"), ("limit=101", "at most 100 (le=100)")):
        r = client.get(f"/tasks?{query}", status="*")
        assert r.status_int == 422, (
            f"GET /tasks?{query} answered {r.status_int}, but the limit must be {why}. Let FastAPI refuse it: "
            "limit: int = Query(default=10, ge=1, le=100).")
        assert named(json_of(r, f"GET /tasks?{query}").get("detail"), "limit"), (
            f"The 422 answer to ?{query} should say the problem is the limit.")

"""What the checks of this lesson share: reading JSON answers and the list of tasks (no tests here)."""

import json

import pytest


def json_of(response, what):
    """The JSON an answer carries; fails kindly when it is not JSON."""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        pytest.fail(f"{what} answered with the type {media or 'none'!r}, not application/json. "
                    "Return a dict or a list and FastAPI sends it as JSON.", pytrace=False)
    return json.loads(response.text)


def all_tasks(client):
    """Every task, as GET /tasks lists them (asking for up to 100 once the list can be limited)."""
    r = client.get("/tasks?limit=100", status="*")
    if r.status_int == 404:
        pytest.fail("GET /tasks answered 404 Not Found: add an endpoint with @app.get(\"/tasks\").", pytrace=False)
    if r.status_int != 200:
        pytest.fail(f"GET /tasks answered {r.status_int} instead of 200 OK.", pytrace=False)
    tasks = json_of(r, "GET /tasks")
    if not isinstance(tasks, list):
        pytest.fail(f"GET /tasks answered {r.text[:80]}, which is not a JSON list. "
                    "Return the list itself (return TASKS): a client expects [ {...}, {...} ].", pytrace=False)
    for task in tasks:
        if not isinstance(task, dict) or not {"id", "title", "done"} <= set(task):
            pytest.fail(f"GET /tasks lists {json.dumps(task)[:100]}, but each task should be an object with "
                        "an \"id\", a \"title\" and \"done\".", pytrace=False)
    return tasks


def done_and_open(client):
    """The tasks, split into (finished, not finished); fails when the list lacks either kind."""
    tasks = all_tasks(client)
    finished = [t for t in tasks if t["done"] is True]
    unfinished = [t for t in tasks if t["done"] is False]
    if not finished or not unfinished:
        hidden = client.get("/tasks?done=" + ("true" if not finished else "false"), status="*")
        if hidden.status_int == 200 and isinstance(json_of(hidden, "GET /tasks?done=..."), list) and json.loads(hidden.text):
            pytest.fail("GET /tasks without ?done= leaves out some tasks that ?done= finds. Give the parameter "
                        "the default None (done: bool | None = None) and only filter when it is not None.",
                        pytrace=False)
        pytest.fail("The checks need at least one finished task (\"done\": True) and one unfinished one "
                    "(\"done\": False) in TASKS: put the three tasks of the first step back.", pytrace=False)
    return finished, unfinished


def ids(tasks):
    return [task["id"] for task in tasks]

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


def named(detail, field):
    """Whether a 422 answer's detail points at ``field`` (FastAPI's list of errors, or a text of one's own)."""
    if isinstance(detail, list):
        return any(isinstance(e, dict) and field in [str(p) for p in e.get("loc", [])] for e in detail)
    return field in json.dumps(detail)


def send(client, method, path, body):
    """The answer to a request with a JSON body (POST, PATCH...), whatever its status."""
    call = {"POST": client.post_json, "PATCH": client.patch_json, "PUT": client.put_json}[method]
    return call(path, body, status="*")


def create(client, body):
    """POST /tasks with ``body``: the new task, once the answer is checked to be 201 with an id."""
    r = send(client, "POST", "/tasks", body)
    if r.status_int == 405:
        pytest.fail("POST /tasks answered 405 Method Not Allowed: /tasks only answers GET so far. "
                    "Add an endpoint with @app.post(\"/tasks\").", pytrace=False)
    if r.status_int not in (200, 201):
        pytest.fail(f"POST /tasks with {json.dumps(body)} answered {r.status_int}: {r.text[:200]}", pytrace=False)
    task = json_of(r, "POST /tasks")
    if not isinstance(task, dict) or not isinstance(task.get("id"), int):
        pytest.fail(f"POST /tasks answered {r.text[:100]}: answer the new task, with the \"id\" it was given.",
                    pytrace=False)
    return task

"""Checks for the "One task by its id" step."""

import json

import pytest

from taskapi import all_tasks, json_of


def test_each_task_has_its_own_address(client):
    """GET /tasks/{id} answers that task"""
    for task in all_tasks(client):
        path = f"/tasks/{task['id']}"
        r = client.get(path, status="*")
        assert not (r.status_int == 404 and r.text == '{"detail":"Not Found"}'), (
            f"GET {path} answered 404 Not Found: no endpoint answers that path yet. "
            "Add one with @app.get(\"/tasks/{task_id}\").")
        assert r.status_int != 404, (
            f"GET {path} answered 404, but task {task['id']} is in the list. The id in the address arrives as "
            "text, \"1\", which never equals the number 1: declare it as a number, def get_task(task_id: int).")
        assert r.status_int == 200, f"GET {path} answered {r.status_int} instead of 200 OK."
        found = json_of(r, f"GET {path}")
        assert found == task, (
            f"GET {path} answered {json.dumps(found)[:120]} instead of the task with id {task['id']}: "
            f"{json.dumps(task)[:120]}. Look for the task whose \"id\" equals task_id.")


def test_missing_task_is_a_404(client):
    """A task that does not exist answers 404 Not Found"""
    missing = max([t["id"] for t in all_tasks(client)], default=0) + 1000
    r = client.get(f"/tasks/{missing}", status="*")
    assert r.status_int == 404, (
        f"GET /tasks/{missing} answered {r.status_int} with {r.text[:60]}, but there is no such task: it should "
        "answer 404 Not Found, so a client knows. raise HTTPException(status_code=404, detail=\"Task not found\") "
        "(return ..., 404 is Flask's way: FastAPI sends the pair as a JSON list with 200).")
    body = json_of(r, f"GET /tasks/{missing}")
    assert isinstance(body, dict) and body.get("detail"), (
        f"The 404 answer is {r.text[:80]}: give it a detail that says what went wrong, "
        "HTTPException(status_code=404, detail=\"Task not found\").")


def test_id_must_be_a_number(client):
    """/tasks/abc is refused with 422"""
    r = client.get("/tasks/abc", status="*")
    assert r.status_int == 422, (
        f"GET /tasks/abc answered {r.status_int}, but abc is not an id. Declare the parameter as a number, "
        "task_id: int, and FastAPI refuses text with 422 Unprocessable Content by itself.")

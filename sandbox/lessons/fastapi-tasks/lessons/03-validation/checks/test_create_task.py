"""Checks for the "Make a task with POST" step."""

import json

from taskapi import all_tasks, create, ids, json_of, named, send

NEW = {"title": "Buy oat milk"}


def test_post_makes_a_task(client):
    """POST /tasks makes a task and answers 201 Created"""
    before = ids(all_tasks(client))
    r = send(client, "POST", "/tasks", NEW)
    assert r.status_int != 405, (
        "POST /tasks answered 405 Method Not Allowed: /tasks only answers GET so far. "
        "Add an endpoint with @app.post(\"/tasks\").")
    assert r.status_int in (200, 201), f"POST /tasks with {json.dumps(NEW)} answered {r.status_int}: {r.text[:200]}"
    task = json_of(r, "POST /tasks")
    assert isinstance(task, dict) and isinstance(task.get("id"), int), (
        f"POST /tasks answered {r.text[:100]}: answer the new task, with the \"id\" it was given.")
    assert r.status_int == 201, (
        f"POST /tasks answered {r.status_int}, but making something new should answer 201 Created. "
        "Say so in the decorator: @app.post(\"/tasks\", status_code=201).")
    assert task.get("title") == NEW["title"], (
        f"POST /tasks with the title {NEW['title']!r} answered {json.dumps(task)[:120]}: answer the new task, "
        "with the title it was sent.")
    assert task["id"] not in before, (
        f"The new task got the id {task['id']}, which already belongs to another task ({before}). "
        "Give it one more than the highest id so far.")


def test_a_task_without_a_title_is_refused(client):
    """A task without a title is refused with 422"""
    before = len(all_tasks(client))
    for body in ({}, {"done": True}, {"title": "Fix the bike", "done": "perhaps"}):
        r = send(client, "POST", "/tasks", body)
        assert r.status_int == 422, (
            f"POST /tasks with {json.dumps(body)} answered {r.status_int}, but that is not a valid task: it should "
            "answer 422 with what is wrong. Declare the body as a Pydantic model, class TaskIn(BaseModel): with "
            "title: str and done: bool = False, and take task: TaskIn.")
        field = "done" if "title" in body else "title"
        assert named(json_of(r, "POST /tasks").get("detail"), field), (
            f"The 422 answer to {json.dumps(body)} should name the {field} field in its detail.")
    assert len(all_tasks(client)) == before, "A refused task was added to the list anyway."


def test_missing_fields_get_their_defaults(client):
    """A task sent with a title only is not done, with priority 3"""
    task = create(client, NEW)
    assert task.get("done") is False, (
        f"A task sent without \"done\" came back with \"done\": {json.dumps(task.get('done'))}. "
        "Give the field a default in the model: done: bool = False.")
    assert task.get("priority") == 3, (
        f"A task sent without \"priority\" came back with \"priority\": {json.dumps(task.get('priority'))}. "
        "Give it the default 3 in the model: priority: int = 3.")


def test_the_new_task_is_kept(client):
    """The new task can be fetched and is in the list"""
    sent = {"title": "Plan the trip", "done": True, "priority": 1}
    task = create(client, sent)
    for field, value in sent.items():
        assert task.get(field) == value, (
            f"A task sent with \"{field}\": {json.dumps(value)} came back with {json.dumps(task.get(field))}.")
    r = client.get(f"/tasks/{task['id']}", status="*")
    assert r.status_int == 200, (
        f"POST /tasks answered a task with the id {task['id']}, but GET /tasks/{task['id']} answered "
        f"{r.status_int}: the new task was not kept. Append it to TASKS.")
    assert json_of(r, f"GET /tasks/{task['id']}") == task, (
        f"GET /tasks/{task['id']} answered another task than the one POST /tasks made.")
    assert task["id"] in ids(all_tasks(client)), "The new task is not in GET /tasks."


def test_each_new_task_gets_its_own_id(client):
    """Two new tasks get two different ids"""
    first, second = create(client, {"title": "Read a book"}), create(client, {"title": "Return the book"})
    assert first["id"] != second["id"], (
        f"Two new tasks both got the id {first['id']}: give each one more than the highest id so far.")

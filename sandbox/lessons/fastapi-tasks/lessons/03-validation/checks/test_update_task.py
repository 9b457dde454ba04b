"""Checks for the "Change a task with PATCH" step."""

import json

from taskapi import all_tasks, create, json_of, named, send


def patch(client, task_id, body):
    r = send(client, "PATCH", f"/tasks/{task_id}", body)
    assert r.status_int != 405, (
        f"PATCH /tasks/{task_id} answered 405 Method Not Allowed: add an endpoint with @app.patch(\"/tasks/{{task_id}}\").")
    return r


def test_patch_changes_one_field(client):
    """PATCH changes only the fields it is sent"""
    task = create(client, {"title": "Paint the fence", "priority": 2})
    r = patch(client, task["id"], {"done": True})
    assert r.status_int == 200, f"PATCH /tasks/{task['id']} with {{\"done\": true}} answered {r.status_int}: {r.text[:160]}"
    changed = json_of(r, f"PATCH /tasks/{task['id']}")
    assert isinstance(changed, dict) and changed.get("done") is True, (
        f"PATCH /tasks/{task['id']} with {{\"done\": true}} answered {r.text[:120]}: answer the changed task, "
        "with \"done\": true.")
    assert changed.get("title") == "Paint the fence" and changed.get("priority") == 2, (
        f"After PATCH with {{\"done\": true}}, the task is {json.dumps(changed)[:160]}: it should have kept its title "
        "and priority. Change only the fields the client sent: changes.model_dump(exclude_unset=True).")
    assert changed.get("id") == task["id"], "The changed task should keep its id."


def test_changes_are_kept(client):
    """The change shows in GET, and later changes keep earlier ones"""
    task = create(client, {"title": "Paint the fence", "priority": 2})
    patch(client, task["id"], {"done": True})
    patch(client, task["id"], {"title": "Paint the gate"})
    r = client.get(f"/tasks/{task['id']}", status="*")
    now = json_of(r, f"GET /tasks/{task['id']}")
    assert now.get("title") == "Paint the gate", (
        f"After PATCH /tasks/{task['id']} with a new title, GET shows {json.dumps(now)[:120]}: change the task "
        "in TASKS itself (task.update(...)), not a copy.")
    assert now.get("done") is True and now.get("priority") == 2, (
        f"After two PATCH requests, the task is {json.dumps(now)[:160]}: the second one (a new title) should not "
        "undo the first (\"done\": true). Change only the fields the client sent.")


def test_patch_checks_the_fields(client):
    """A bad value is refused with 422 and changes nothing"""
    task = create(client, {"title": "Paint the fence", "priority": 2})
    for body, field in (({"priority": 9}, "priority"), ({"title": ""}, "title"), ({"done": "perhaps"}, "done")):
        r = patch(client, task["id"], body)
        assert r.status_int == 422, (
            f"PATCH /tasks/{task['id']} with {json.dumps(body)} answered {r.status_int}: it should be refused with "
            f"422 like a new task would. Describe the changes with a model whose fields are optional, with the same "
            "rules: title: str | None = Field(default=None, min_length=1, max_length=200), and so on.")
        assert named(json_of(r, "PATCH").get("detail"), field), f"The 422 answer should name the {field} field."
    now = json_of(client.get(f"/tasks/{task['id']}", status="*"), "GET")
    assert now.get("priority") == 2 and now.get("title") == "Paint the fence", "A refused change was made anyway."


def test_patch_of_a_missing_task_is_a_404(client):
    """Changing a task that does not exist answers 404"""
    missing = max([t["id"] for t in all_tasks(client)], default=0) + 1000
    r = patch(client, missing, {"done": True})
    assert r.status_int == 404, (
        f"PATCH /tasks/{missing} answered {r.status_int}, but there is no such task: answer 404, as GET does. "
        "Find the task with find_task(task_id), which raises the 404 for you.")

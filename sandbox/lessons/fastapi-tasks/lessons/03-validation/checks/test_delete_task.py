"""Checks for the "Delete a task" step."""

from taskapi import all_tasks, create, ids


def test_delete_answers_204(client):
    """DELETE /tasks/{id} answers 204 No Content"""
    task = create(client, {"title": "Throw out the old sofa"})
    r = client.delete(f"/tasks/{task['id']}", status="*")
    assert r.status_int != 405, (
        f"DELETE /tasks/{task['id']} answered 405 Method Not Allowed: add an endpoint with "
        "@app.delete(\"/tasks/{task_id}\").")
    assert r.status_int == 204, (
        f"DELETE /tasks/{task['id']} answered {r.status_int}, but a deletion has nothing to send back: it should "
        "answer 204 No Content. @app.delete(\"/tasks/{task_id}\", status_code=204).")
    assert not r.body, f"A 204 answer has no body, but this one has {r.text[:60]!r}."


def test_deleted_task_is_gone(client):
    """The task is gone afterwards, and the others are still there"""
    keep = ids(all_tasks(client))
    task = create(client, {"title": "Throw out the old sofa"})
    client.delete(f"/tasks/{task['id']}", status="*")
    r = client.get(f"/tasks/{task['id']}", status="*")
    assert r.status_int == 404, (
        f"After DELETE /tasks/{task['id']}, GET /tasks/{task['id']} still answered {r.status_int}: remove the task "
        "from TASKS itself, TASKS.remove(task).")
    assert ids(all_tasks(client)) == keep, (
        f"After deleting one task, GET /tasks lists {ids(all_tasks(client))} instead of {keep}: delete only the "
        "task with that id.")


def test_deleting_a_missing_task_is_a_404(client):
    """Deleting a task that does not exist answers 404"""
    missing = max(ids(all_tasks(client)), default=0) + 1000
    r = client.delete(f"/tasks/{missing}", status="*")
    assert r.status_int == 404, (
        f"DELETE /tasks/{missing} answered {r.status_int}, but a task that does not exist should answer 404: "
        "then a client knows its list was out of date. Find the task first with find_task(task_id).")

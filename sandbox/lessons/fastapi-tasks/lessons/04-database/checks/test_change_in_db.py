"""Checks for the "Change and delete in the database" step."""

import json

from taskdb import ROWS, ask, database, json_of, restarted  # noqa: F401 (database is a fixture)


def others(database, task_id):
    return [row for row in database.rows() if row[0] != task_id]


def test_patch_is_saved(database, client):
    """PATCH changes the task in the database"""
    r = ask(client, "PATCH", "/tasks/13", {"done": True})
    assert r.status_int != 404, (
        "PATCH /tasks/13 answered 404, but task 13 is in the database: find it there. Give find_task the "
        "connection, find_task(db, task_id), and let it run SELECT * FROM tasks WHERE id = ?.")
    assert r.status_int == 200, f"PATCH /tasks/13 answered {r.status_int}: {r.text[:200]}"
    answered = json_of(r, "PATCH /tasks/13")
    assert answered.get("done") is True and answered.get("title") == "Buy birthday candles", (
        f"PATCH /tasks/13 with {{\"done\": true}} answered {json.dumps(answered)[:160]}: answer the changed task, "
        "with done true.")
    assert database.row(13) == (13, "Buy birthday candles", 1, 3), (
        f"After PATCH /tasks/13 with {{\"done\": true}}, the database holds {database.row(13)}: the change was not "
        "saved in the database. Run UPDATE tasks SET ... WHERE id = ?, then db.commit().")
    assert others(database, 13) == [row for row in ROWS if row[0] != 13], (
        "PATCH /tasks/13 changed other tasks too: an UPDATE needs WHERE id = ?, or it changes every row.")


def test_delete_removes_the_row(database, client):
    """DELETE removes the task from the database"""
    r = ask(client, "DELETE", "/tasks/17")
    assert r.status_int == 204, (
        f"DELETE /tasks/17 answered {r.status_int}, but task 17 is in the database: delete it there and "
        "answer 204.")
    assert database.row(17) is None, (
        "After DELETE /tasks/17 the task is still in the database: run DELETE FROM tasks WHERE id = ?, "
        "then db.commit().")
    assert others(database, 17) == [row for row in ROWS if row[0] != 17], "DELETE /tasks/17 removed other tasks too."
    assert ask(client, "GET", "/tasks/17").status_int == 404, "After DELETE /tasks/17, GET /tasks/17 should answer 404."


def test_missing_tasks_are_404(database, client):
    """PATCH and DELETE of a missing task answer 404"""
    for method, body in (("PATCH", {"done": True}), ("DELETE", None)):
        r = ask(client, method, "/tasks/16", body)
        assert r.status_int == 404, (
            f"{method} /tasks/16 answered {r.status_int}, but there is no task 16: look it up with "
            "find_task(db, task_id) first, which answers 404.")
    assert database.rows() == ROWS, "Changing or deleting a missing task changed the database."


def test_changes_survive_a_restart(database, client, learner):
    """A new task can be changed, and the change survives a restart"""
    r = ask(client, "POST", "/tasks", {"title": "Wash the car"})
    assert r.status_int == 201, f"POST /tasks answered {r.status_int}: {r.text[:160]}"
    new = json_of(r, "POST /tasks")["id"]
    ask(client, "PATCH", f"/tasks/{new}", {"title": "Wash the car and the bike", "priority": 5})
    ask(client, "DELETE", "/tasks/11")
    fresh = restarted(learner)
    got = json_of(ask(fresh, "GET", f"/tasks/{new}"), "GET")
    assert got.get("title") == "Wash the car and the bike" and got.get("priority") == 5, (
        f"After a restart, the changed task is {json.dumps(got)[:160]}: save changes in the database, not in TASKS.")
    assert ask(fresh, "GET", "/tasks/11").status_int == 404, "After a restart, the deleted task 11 came back."

"""Checks for the "Save new tasks in the database" step."""

import json

from taskdb import ROWS, ask, database, json_of, restarted  # noqa: F401 (database is a fixture)

TRICKY = ["Fix Bob's bike", 'Buy "proper" coffee', "Tidy up'); DELETE FROM tasks; --", "' OR '1'='1"]


def post(client, body):
    r = ask(client, "POST", "/tasks", body)
    assert r.status_int == 201, f"POST /tasks with {json.dumps(body)} answered {r.status_int}: {r.text[:200]}"
    return json_of(r, "POST /tasks")


def test_a_new_task_is_saved(database, client):
    """POST /tasks saves the task in the database"""
    task = post(client, {"title": "Clean the windows", "priority": 2})
    saved = [row for row in database.rows() if row[1] == "Clean the windows"]
    assert saved, (
        "POST /tasks answered 201, but the new task is not in the database. Insert it with "
        "db.execute(\"INSERT INTO tasks (title, done, priority) VALUES (?, ?, ?)\", ...), then call db.commit(): "
        "without it the row is thrown away when the connection closes.")
    assert saved[0][2:] == (0, 2), f"The new task was saved as {saved[0]}: it should be unfinished, with priority 2."
    assert task.get("id") == saved[0][0], (
        f"POST /tasks answered the id {task.get('id')}, but the database gave the new task the id {saved[0][0]}: "
        "answer the id the INSERT made, cursor.lastrowid.")
    assert task.get("done") is False and task.get("title") == "Clean the windows", (
        f"POST /tasks answered {json.dumps(task)[:160]}: answer the new task as it was saved.")
    assert [row for row in database.rows() if row[1] != "Clean the windows"] == ROWS, (
        "Making a new task changed the other tasks in the database.")


def test_new_task_survives_a_restart(database, client, learner):
    """The new task is still there after a restart"""
    task = post(client, {"title": "Clean the windows"})
    again = ask(restarted(learner), "GET", f"/tasks/{task['id']}")
    assert again.status_int == 200 and json_of(again, "GET").get("title") == "Clean the windows", (
        f"After your app restarted, GET /tasks/{task['id']} answered {again.status_int}: the new task was lost. "
        "Save it in the database and call db.commit().")


def test_titles_are_saved_exactly(database, client):
    """Titles with quotes and SQL in them are saved as they are"""
    for title in TRICKY:
        task = post(client, {"title": title})
        saved = database.row(task["id"])
        assert saved is not None and saved[1] == title, (
            f"POST /tasks with the title {title!r} saved {saved[1] if saved else 'nothing'!r}. Pass the values "
            "separately from the SQL, with ? placeholders, so quotes stay text.")
    assert [row for row in database.rows() if row[1] not in TRICKY] == ROWS, (
        "Posting titles with SQL in them changed the other tasks: that SQL ran! Use ? placeholders.")

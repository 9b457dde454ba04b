"""Checks for the "Read the tasks from the database" step."""

import json

from taskdb import ROWS, ask, database, json_of, listed, titles  # noqa: F401 (database is a fixture)

WANT = [row[1] for row in ROWS]


def test_the_list_comes_from_the_database(database, client):
    """GET /tasks lists the tasks in the database"""
    got = titles(listed(client, "limit=100"))
    assert got == WANT, (
        f"GET /tasks listed {got}, but the database holds {WANT}. Read the tasks from the connection get_db "
        "gives you: take db: sqlite3.Connection = Depends(get_db) and run db.execute(\"SELECT * FROM tasks ...\").")


def test_done_is_true_or_false(database, client):
    """Each task's done is true or false, as before"""
    for task in listed(client, "limit=100"):
        assert isinstance(task.get("done"), bool), (
            f"GET /tasks lists {json.dumps(task)[:120]}: done should be true or false, but SQLite stores them as 1 "
            "and 0. Declare what the endpoint answers, @app.get(\"/tasks\", response_model=list[Task]), and "
            "FastAPI turns them back into true and false.")
        assert set(task) >= {"id", "title", "done", "priority"}, (
            f"GET /tasks lists {json.dumps(task)[:120]}: each task should have its id, title, done and priority.")


def test_filter_and_limit_still_work(database, client):
    """?done= and ?limit= still work"""
    finished = [row[1] for row in ROWS if row[2]]
    unfinished = [row[1] for row in ROWS if not row[2]]
    got = titles(listed(client, "done=true&limit=100"))
    assert got == finished, (
        f"GET /tasks?done=true listed {got} instead of the finished tasks, {finished}: keep the done filter, "
        "now in the SQL: WHERE done = ?.")
    got = titles(listed(client, "done=false&limit=2"))
    assert got == unfinished[:2], (
        f"GET /tasks?done=false&limit=2 listed {got} instead of {unfinished[:2]}. Filter in the SQL, before the "
        "limit: SELECT * FROM tasks WHERE done = ? ORDER BY id LIMIT ?.")
    database.seed([(n, f"Task number {n}", 0, 3) for n in range(1, 13)])
    got = listed(client)
    assert len(got) == 10, f"GET /tasks without ?limit= listed {len(got)} of 12 tasks, instead of the first 10."


def test_one_task_comes_from_the_database(database, client):
    """GET /tasks/{id} answers the task in the database, 404 when there is none"""
    wanted = {"id": 17, "title": "Oil the squeaky door", "done": False, "priority": 4}
    r = ask(client, "GET", "/tasks/17")
    assert r.status_int == 200, (
        f"GET /tasks/17 answered {r.status_int}, but the database holds task 17. Look it up there: "
        "db.execute(\"SELECT * FROM tasks WHERE id = ?\", (task_id,)).fetchone().")
    got = json_of(r, "GET /tasks/17")
    assert got == wanted, f"GET /tasks/17 answered {json.dumps(got)[:160]} instead of {json.dumps(wanted)}."
    r = ask(client, "GET", "/tasks/16")
    assert r.status_int == 404, (
        f"GET /tasks/16 answered {r.status_int}, but the database has no task 16: answer 404 when fetchone() "
        "gives None.")

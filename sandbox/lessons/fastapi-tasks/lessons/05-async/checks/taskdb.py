"""What the checks of this lesson share (no tests here): the check's own database, requests that
report a crash in words, reading JSON answers, and the stand-in email service's outbox.

The ``database`` fixture sends every SQLite file the learner's code opens to one temporary file of
the check's, so their own tasks.db is never touched, and lets the check put rows in it and read
them back. The table is the one database.py makes."""

import json
import os
import sqlite3

import pytest

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 3
)
"""

# Rows the checks start from: ids that the old TASKS list does not use, and a gap (no 14, 15, 16).
ROWS = [
    (11, "Sweep the yard", 0, 2),
    (12, "Pay the rent", 1, 1),
    (13, "Buy birthday candles", 0, 3),
    (17, "Oil the squeaky door", 0, 4),
    (18, "Renew the library card", 1, 5),
]


class TaskDatabase:
    """The check's side of the temporary database."""

    def __init__(self, path, connect):
        self.path, self._connect = path, connect

    def run(self, sql, values=()):
        connection = self._connect(self.path)
        try:
            with connection:
                return connection.execute(sql, values).fetchall()
        finally:
            connection.close()

    def seed(self, rows=ROWS):
        self.run("DELETE FROM tasks")
        for row in rows:
            self.run("INSERT INTO tasks (id, title, done, priority) VALUES (?, ?, ?, ?)", row)

    def rows(self):
        """Every row, as (id, title, done, priority), by id."""
        return self.run("SELECT id, title, done, priority FROM tasks ORDER BY id")

    def row(self, task_id):
        found = self.run("SELECT id, title, done, priority FROM tasks WHERE id = ?", (task_id,))
        return found[0] if found else None


@pytest.fixture
def database(tmp_path, monkeypatch):
    """The check's temporary database, holding ROWS; ask for it before ``client``."""
    path = tmp_path / "tasks.db"
    real_connect = sqlite3.connect

    def connect(name, *args, **kwargs):
        text = os.fspath(name) if not isinstance(name, bytes) else name.decode()
        if text in ("", ":memory:") or text.startswith("file::memory:") or "mode=memory" in text:
            return real_connect(name, *args, **kwargs)
        kwargs.pop("uri", None)
        return real_connect(str(path), *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    db = TaskDatabase(path, real_connect)
    db.run(SCHEMA)
    db.seed()
    return db


def restarted(learner):
    """A client on a freshly imported copy of the learner's app, as after stopping and starting it."""
    learner.restart()
    return learner.client_for(learner.app())


def ask(client, method, path, body=None):
    """The answer to a request, whatever its status; a crash in the learner's code becomes a failure in words."""
    try:
        if body is not None:
            call = {"POST": client.post_json, "PATCH": client.patch_json, "PUT": client.put_json}[method]
            return call(path, body, status="*")
        return {"GET": client.get, "DELETE": client.delete}[method](path, status="*")
    except sqlite3.Error as error:
        shown = f" with {json.dumps(body)[:80]}" if body is not None else ""
        pytest.fail(f"{method} {path}{shown} crashed in the database: {str(error).rstrip('.')}. Put every value into the SQL with "
                    "a ? placeholder and pass the values separately, db.execute(\"... WHERE id = ?\", (task_id,)); "
                    "never paste them into the SQL text.", pytrace=False)
    except (TypeError, ValueError) as error:
        if "awaitable is required" in str(error) or "unhashable type: 'list'" in str(error):
            pytest.fail(f"{method} {path} crashed: {error}. asyncio.gather takes each coroutine as its own argument, "
                        "not one list of them: put a * in front, asyncio.gather(*coroutines).", pytrace=False)
        if "coroutine" in str(error):
            pytest.fail(f"{method} {path} crashed: {error}. Calling an async function such as send_email(...) only "
                        "makes a coroutine; nothing runs until you await it: message = await send_email(...).",
                        pytrace=False)
        if "NoneType" not in str(error):
            raise
        pytest.fail(f"{method} {path} crashed: {error}. When no row matches, fetchone() gives None: check that a "
                    "row was found, and raise HTTPException(status_code=404, ...) when it was not.", pytrace=False)


def json_of(response, what):
    """The JSON an answer carries; fails kindly when it is not JSON."""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        pytest.fail(f"{what} answered with the type {media or 'none'!r}, not application/json. "
                    "Return a dict or a list and FastAPI sends it as JSON.", pytrace=False)
    return json.loads(response.text)


def listed(client, query=""):
    """GET /tasks?query: the list it answers, checked to be 200 and a list."""
    path = "/tasks" + (f"?{query}" if query else "")
    r = ask(client, "GET", path)
    assert r.status_int == 200, f"GET {path} answered {r.status_int} instead of 200 OK: {r.text[:160]}"
    tasks = json_of(r, f"GET {path}")
    assert isinstance(tasks, list), f"GET {path} answered {r.text[:80]}, which is not a list of tasks."
    return tasks


def titles(tasks):
    return [task.get("title") for task in tasks]


def mailer(learner):
    """The learner's mailer module, as their app imported it: OUTBOX and STATS."""
    learner.app()  # the app imports mailer
    module = learner.load("mailer.py")
    if not isinstance(getattr(module, "OUTBOX", None), list) or not isinstance(getattr(module, "STATS", None), dict):
        pytest.fail("mailer.py has lost its OUTBOX list or its STATS: take it back as the lesson gave it.",
                    pytrace=False)
    return module


EMAIL = "sam@example.org"

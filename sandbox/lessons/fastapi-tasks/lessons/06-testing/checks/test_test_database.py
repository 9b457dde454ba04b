"""Checks for the "A database for the tests" step: the learner's tests leave tasks.db alone."""

from suite import (assert_all_pass, assert_bugs_caught, blank_title_accepted, copy_of, list_always_empty,
                   missing_task_is_null, run_tests, suite_folder)

BUGS = [
    ("GET /tasks always answering an empty list", "a new task shows up in GET /tasks", list_always_empty),
    ("GET /tasks/{id} answering 200 and null for a task that does not exist",
     "a task that does not exist answers 404", missing_task_is_null),
    ("POST /tasks accepting an empty title", "a task with an empty title is refused with 422", blank_title_accepted),
]


def database_files(folder):
    """Every SQLite file in the folder (outside tests/), with its bytes."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*")
            if path.is_file() and path.suffix in (".db", ".sqlite", ".sqlite3") and "tests" not in path.parts}


def test_your_tests_leave_tasks_db_alone(app, workspace, tmp_path):
    """Your tests pass and leave tasks.db as it was"""
    folder = copy_of(suite_folder(workspace), tmp_path, "as-it-is")
    before = database_files(folder)
    results = run_tests(folder, workspace, type(app))
    assert_all_pass(results, 3, "each asking for the client fixture")
    after = database_files(folder)
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    assert not changed, (
        f"Running your tests changed {changed[0]}: they still use the real database. Swap the dependency in a "
        "fixture, app.dependency_overrides[get_db] = test_db, with a test_db() that opens a file in tmp_path, "
        "and let every test take that fixture.")


def test_your_tests_still_catch_bugs(app, workspace, tmp_path):
    """Your tests still catch bugs planted in a copy of your API"""
    assert_bugs_caught(suite_folder(workspace), tmp_path, type(app), BUGS)

"""Checks for the "Test the errors too" step: the learner's tests cover the 404 and the 422."""

from suite import (assert_all_pass, assert_bugs_caught, blank_title_accepted, copy_of, created_with_200,
                   home_page_404, list_always_empty, missing_task_is_null, run_tests, suite_folder)

BUGS = [
    ("GET /tasks/{id} answering 200 and null for a task that does not exist",
     "a task that does not exist answers 404", missing_task_is_null),
    ("POST /tasks accepting an empty title", "a task with an empty title is refused with 422", blank_title_accepted),
    ("GET / answering 404 Not Found", "GET / answers 200 with a message", home_page_404),
    ("POST /tasks answering 200 instead of 201", "POST /tasks answers 201 Created", created_with_200),
    ("GET /tasks always answering an empty list", "a new task shows up in GET /tasks", list_always_empty),
]


def test_your_tests_pass(app, workspace, tmp_path):
    """Your tests run and pass against your API"""
    folder = suite_folder(workspace)
    results = run_tests(copy_of(folder, tmp_path, "as-it-is"), workspace, type(app))
    assert_all_pass(results, 3, "the ones from the last step and the errors")


def test_your_tests_catch_bugs(app, workspace, tmp_path):
    """Your tests catch bugs planted in a copy of your API, errors included"""
    assert_bugs_caught(suite_folder(workspace), tmp_path, type(app), BUGS)

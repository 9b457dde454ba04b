"""Checks for the "Your first tests" step: the learner's tests pass, and catch planted bugs."""

from suite import (assert_all_pass, assert_bugs_caught, copy_of, created_with_200, home_page_404,
                   list_always_empty, run_tests, suite_folder)

BUGS = [
    ("GET / answering 404 Not Found", "GET / answers 200 with a message", home_page_404),
    ("POST /tasks answering 200 instead of 201", "POST /tasks answers 201 Created", created_with_200),
    ("GET /tasks always answering an empty list", "a new task shows up in GET /tasks", list_always_empty),
]


def test_your_tests_pass(app, workspace, tmp_path):
    """Your tests run and pass against your API"""
    folder = suite_folder(workspace)
    results = run_tests(copy_of(folder, tmp_path, "as-it-is"), workspace, type(app))
    assert_all_pass(results, 3, "for example the home page, making a task, and finding it again")


def test_your_tests_catch_bugs(app, workspace, tmp_path):
    """Your tests catch bugs planted in a copy of your API"""
    assert_bugs_caught(suite_folder(workspace), tmp_path, type(app), BUGS)

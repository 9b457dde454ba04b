"""Checks for the "List the tasks" step."""

import json

from taskapi import all_tasks


def test_tasks_are_listed(client):
    """GET /tasks answers a list of tasks"""
    tasks = all_tasks(client)
    assert len(tasks) >= 3, (
        f"GET /tasks lists {len(tasks)} task(s): put at least three tasks in TASKS, as in the example.")


def test_each_task_has_its_fields(client):
    """Each task has a number id, a title and done"""
    tasks = all_tasks(client)
    for task in tasks:
        shown = json.dumps(task)[:100]
        assert isinstance(task["id"], int) and not isinstance(task["id"], bool), (
            f"The task {shown} has the id {task['id']!r}: make ids whole numbers, like \"id\": 1.")
        assert isinstance(task["title"], str) and task["title"].strip(), (
            f"The task {shown} needs a title: some text, like \"title\": \"Water the plants\".")
        assert isinstance(task["done"], bool), (
            f"The task {shown} has \"done\": {json.dumps(task['done'])}: done should be true or false, "
            "written True or False in Python (no quotes).")
    numbers = [task["id"] for task in tasks]
    assert len(set(numbers)) == len(numbers), (
        f"Some tasks share an id ({numbers}): give each task its own id, so a client can ask for exactly one.")


def test_some_done_and_some_not(client):
    """Some tasks are done and some are not"""
    tasks = all_tasks(client)
    assert any(t["done"] for t in tasks) and not all(t["done"] for t in tasks), (
        "Make at least one task finished (\"done\": True) and one unfinished (\"done\": False): "
        "the next steps filter on it.")

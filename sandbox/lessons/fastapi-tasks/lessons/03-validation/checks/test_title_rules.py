"""Checks for the "Rules for the fields" step."""

import json

from taskapi import all_tasks, create, json_of, named, send


def refused(client, body, field, why):
    before = len(all_tasks(client))
    r = send(client, "POST", "/tasks", body)
    shown = json.dumps(body)
    shown = shown if len(shown) < 60 else shown[:40] + "...\"}"
    assert r.status_int == 422, (
        f"POST /tasks with {shown} answered {r.status_int}: {why}. Let Pydantic refuse it with 422, "
        "with Field(...) in the model.")
    assert named(json_of(r, "POST /tasks").get("detail"), field), (
        f"The 422 answer to {shown} should name the {field} field in its detail.")
    assert len(all_tasks(client)) == before, f"POST /tasks with {shown} was refused but added to the list anyway."


def test_titles_need_one_to_200_characters(client):
    """An empty title or one over 200 characters is refused"""
    refused(client, {"title": ""}, "title", "an empty title says nothing, so it must have at least 1 character (min_length=1)")
    refused(client, {"title": "x" * 201}, "title", "a title may be up to 200 characters long (max_length=200)")


def test_priority_goes_from_1_to_5(client):
    """A priority below 1 or above 5 is refused"""
    refused(client, {"title": "Too calm", "priority": 0}, "priority", "the priority must be 1 or more (ge=1)")
    refused(client, {"title": "Too urgent", "priority": 6}, "priority", "the priority must be 5 or less (le=5)")


def test_good_tasks_are_still_accepted(client):
    """Titles of 1 and 200 characters, priorities 1 and 5 are accepted"""
    for body in ({"title": "x", "priority": 1}, {"title": "y" * 200, "priority": 5}, {"title": "Walk the dog"}):
        r = send(client, "POST", "/tasks", body)
        shown = json.dumps(body)
        shown = shown if len(shown) < 60 else shown[:40] + "...\"}"
        assert r.status_int == 201, (
            f"POST /tasks with {shown} answered {r.status_int}, but that is a good task: {r.text[:160]}. "
            "Allow titles of 1 to 200 characters (min_length=1, max_length=200) and priorities from 1 to 5 "
            "(ge=1, le=5).")
    assert create(client, {"title": "Check the rules"}).get("priority") == 3, "The priority's default should stay 3."

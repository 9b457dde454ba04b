"""Checks for the "Your first endpoint" step."""

import json

import pytest


def test_home_answers_get(client):
    """GET / answers"""
    r = client.get("/", status="*")
    assert r.status_int != 404, (
        "GET / answered 404 Not Found: no endpoint answers the path / yet. "
        "Put @app.get(\"/\") on the line above a function.")
    assert r.status_int != 405, (
        "GET / answered 405 Method Not Allowed: an endpoint has the path /, but for another method. "
        "A browser's visit is a GET, so use @app.get(\"/\").")
    assert r.status_int == 200, f"GET / answered {r.status_int} instead of 200 OK."


def test_home_answers_a_json_object(client):
    """The answer is a JSON object with a message"""
    r = client.get("/", status="*")
    media = r.headers.get("content-type", "").split(";")[0].strip().lower()
    assert media == "application/json", (
        f"GET / answered with the type {media or 'none'!r}, not application/json. "
        "Return a dict and FastAPI turns it into JSON for you.")
    data = json.loads(r.text)
    assert isinstance(data, dict), (
        f"GET / answered the JSON {r.text[:80]}, which is not an object. "
        "Return a dict, like {\"message\": \"Welcome to the task API!\"}: an object has named fields a program can read.")
    assert "message" in data, (
        f"GET / answered an object with the fields {sorted(data)}, but no \"message\". "
        "Return {\"message\": \"Welcome to the task API!\"}.")
    assert isinstance(data["message"], str) and "task" in data["message"].lower(), (
        f"The message is {data['message']!r}: make it a sentence with the word task in it, "
        "like \"Welcome to the task API!\".")

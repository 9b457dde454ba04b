"""Checks for the "A page for every name" step."""

import pytest

from sandbox.checker.probes import visible_text


def visit(client, path):
    try:
        return client.get(path, expect_errors=True)
    except TypeError as error:
        pytest.fail(
            f"Bottle could not call your function ({error}). Give it a parameter with the same "
            "name as the part in angle brackets: def hello(name):",
            pytrace=False,
        )


def test_hello_greets_the_name(client):
    """/hello/<name> greets whoever is in the address"""
    for name, path in (("Ada", "/hello/Ada"), ("Grace", "/hello/Grace"), ("Grace Hopper", "/hello/Grace%20Hopper")):
        response = visit(client, path)
        assert response.status_int != 404, (
            f"Visiting {path} gave a 404 (page not found). Write the route as "
            "\"/hello/<name>\": the angle brackets mark the part of the path that changes."
        )
        assert response.status_int == 200, f"Visiting {path} answered {response.status}."
        text = visible_text(response.text)
        assert name.lower() in text.lower(), (
            f"The page at {path} says {text[:60]!r}, without the name {name}. "
            "Put the name parameter into the text you return, for example f\"Hello, {name}!\""
        )


def test_earlier_pages_still_work(client):
    """The home and about pages still work"""
    for path in ("/", "/about"):
        response = client.get(path, expect_errors=True)
        assert response.status_int == 200, f"Visiting {path} answered {response.status}: it worked in the last step."

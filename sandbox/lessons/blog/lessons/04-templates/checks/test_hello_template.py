"""Checks for the "Your first template" step: /hello/<name> renders views/hello.tpl."""

import pytest
from bottle import TemplateError


def visit(client, path, label=None):
    """GET path, turning the usual template slips into plain advice."""
    label = label or path
    try:
        response = client.get(path, expect_errors=True)
    except TemplateError as error:
        pytest.fail(
            f"Visiting {label}: Bottle could not use a template ({error}). "
            "Keep hello.tpl in the folder named views, next to app.py, and render it with template(\"hello\", name=name).",
            pytrace=False,
        )
    except NameError as error:
        missing = getattr(error, "name", None) or str(error)
        pytest.fail(
            f"A template uses the name '{missing}', but nobody gave it a value. Pass every "
            "variable the template needs to template(), like template(\"hello\", name=name).",
            pytrace=False,
        )
    if response.status_int == 500 and "not found" in response.text and "Template" in response.text:
        pytest.fail(
            f"Visiting {label}: Bottle could not find the template. Keep hello.tpl in the folder "
            "named views, next to app.py, and render it with template(\"hello\", name=name).",
            pytrace=False,
        )
    return response


def test_template_file_exists(workspace):
    """views/hello.tpl exists"""
    assert (workspace / "views" / "hello.tpl").is_file(), (
        "There is no views/hello.tpl yet. In the Files panel, press New file and type views/hello.tpl: "
        "that makes the views folder next to app.py and the file inside it."
    )


def test_hello_page_comes_from_the_template(client):
    """/hello/Ada shows a heading with the name"""
    response = visit(client, "/hello/Ada")
    assert response.status_int == 200, f"Visiting /hello/Ada answered {response.status}."
    assert "Ada" in response.text, (
        "The page at /hello/Ada does not show the name Ada. "
        "Put {{name}} in views/hello.tpl and pass it with template(\"hello\", name=name)."
    )
    assert "<h1" in response.text.lower(), (
        "The page at /hello/Ada has no <h1> heading yet. Render views/hello.tpl, which holds "
        "<h1>Hello, {{name}}!</h1>, with return template(\"hello\", name=name)."
    )


def test_hostile_name_is_escaped(client):
    """A <script> in the address is shown as text, not run"""
    response = visit(client, "/hello/%3Cscript%3E", "/hello/<script>")
    assert response.status_int == 200, f"Visiting /hello/<script> answered {response.status}."
    assert "<script>" not in response.text.lower(), (
        "Visiting /hello/<script> put a real <script> tag into your page: anyone could make "
        "your site run their code. Show the name with {{name}} in the template, not {{!name}}, "
        "so Bottle escapes it."
    )
    assert "&lt;script&gt;" in response.text, (
        "Visiting /hello/<script> should show the text <script> on the page (escaped as "
        "&lt;script&gt;). Show the name with {{name}} in views/hello.tpl."
    )

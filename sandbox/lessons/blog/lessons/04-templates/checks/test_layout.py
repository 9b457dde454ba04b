"""Checks for the "One layout for every page" step: index and hello share views/layout.tpl."""

import re

import pytest
from bottle import TemplateError

from sandbox.checker.explain import raised_in_template

PAGES = [("/", "index.tpl", "Home"), ("/hello/Ada", "hello.tpl", "Hello")]


def visit(client, path, label=None):
    """GET path, turning the usual template slips into plain advice."""
    label = label or path
    try:
        response = client.get(path, expect_errors=True)
    except TemplateError as error:
        pytest.fail(
            f"Visiting {label}: Bottle could not use a template ({error}). "
            "Keep layout.tpl in the views folder and write its name without .tpl: % rebase('layout', title='...').",
            pytrace=False,
        )
    except NameError as error:
        if not raised_in_template(error):
            raise  # a name missing from the Python code (say, an import): the checker explains it
        missing = getattr(error, "name", None) or str(error)
        if missing == "title":
            advice = "Pass the layout its title in the rebase line, like % rebase('layout', title='Hello')."
        else:
            advice = "Pass every variable a template needs, like template(\"hello\", name=name)."
        pytest.fail(
            f"Visiting {label}: a template uses the name '{missing}', but nobody gave it a value. " + advice,
            pytrace=False,
        )
    if response.status_int == 500 and "not found" in response.text and "Template" in response.text:
        pytest.fail(
            f"Visiting {label}: Bottle could not find a template. Keep layout.tpl in the views "
            "folder and write its name without .tpl: % rebase('layout', title='...').",
            pytrace=False,
        )
    assert response.status_int == 200, f"Visiting {label} answered {response.status}."
    return response


def title_of(page):
    found = re.search(r"<title[^>]*>(.*?)</title>", page, re.IGNORECASE | re.DOTALL)
    return found.group(1).strip() if found else None


def test_layout_file_exists(workspace):
    """views/layout.tpl exists"""
    assert (workspace / "views" / "layout.tpl").is_file(), (
        "There is no views/layout.tpl yet. Create it with the page's outer HTML, and "
        "{{!base}} where each page's own content goes."
    )


def test_pages_use_the_layout(client):
    """Every page is wrapped in the layout"""
    for path, template, title in PAGES:
        page = visit(client, path).text
        assert "<html" in page.lower(), (
            f"The page at {path} is not wrapped in the layout yet. Make % rebase('layout', "
            f"title='{title}') the first line of views/{template}."
        )
        assert not re.search(r"&lt;(h1|ul|li|p)\b", page), (
            f"The page at {path} shows its own HTML as text (&lt;h1&gt; and so on). Write "
            "{{!base}} in views/layout.tpl: the ! tells Bottle that base is HTML made by your own template."
        )


def test_each_page_has_its_own_title(client):
    """Each page passes its own title to the layout"""
    titles = {}
    for path, template, title in PAGES:
        page = visit(client, path).text
        if "<html" not in page.lower():
            return  # "Every page is wrapped in the layout" explains what to do first
        found = title_of(page)
        assert found, (
            f"The page at {path} has no <title>. Put <title>{{{{title}}}}</title> inside "
            "<head> in views/layout.tpl."
        )
        titles[path] = found
    assert titles["/"] != titles["/hello/Ada"], (
        f"Both pages have the title {titles['/']!r}. Use {{{{title}}}} in the layout, and give "
        "each page its own: title='Home' in index.tpl, title='Hello' in hello.tpl."
    )


def test_names_are_still_escaped(client):
    """A <script> in the address is still shown as text"""
    page = visit(client, "/hello/%3Cscript%3E", "/hello/<script>").text
    if "&amp;lt;script" in page:
        return  # escaped twice: {{base}} without the !, explained by "Every page is wrapped in the layout"
    assert "&lt;script&gt;" in page, (
        "With the layout, /hello/<script> is not escaped any more. Keep {{name}} (without !) "
        "in views/hello.tpl: only the layout's {{!base}} needs the !."
    )

"""Checks for the "Your first template" step: /hello/<name> is rendered from a template file, and
the name from the address is escaped.

Any template file Bottle can find passes (any folder on its TEMPLATE_PATH, any name, @view or
template()), with any markup: the checks watch which template ran and what a visitor sees.
"""

from pathlib import Path
from urllib.parse import quote

import bottle
import pytest

from sandbox.checker.probes import HOSTILE, assert_escaped, visible_text

ADVICE = "Keep hello.tpl in the views folder next to app.py, and render it with template(\"hello\", name=name)."
NAME_ADVICE = {"*": "Pass every variable the template needs to template(), like template(\"hello\", name=name)."}
# Hostile names that fit in one part of an address (a / would end the <name> part).
NAMES = [text for text in HOSTILE if "/" not in text] + ["<script>alert('xss7q')", "<svg onload=alert('xss7q')>"]


class Templates:
    """Watches Bottle's templates while the app answers: which template files ran for a page (the
    page's own at depth 0, a layout or an include deeper) and the variables the page's own got.
    ``swap`` hands the page's own template other values for variables it was given."""

    def __init__(self, monkeypatch):
        self.runs = []  # (depth, file name or None for a template written in Python, variables)
        self.swap = {}
        original = bottle.SimpleTemplate.execute
        depth = [0]

        def execute(template, stdout, variables):
            if depth[0] == 0 and self.swap:
                variables = {**variables, **{k: v for k, v in self.swap.items() if k in variables}}
            self.runs.append((depth[0], template.filename, variables))
            depth[0] += 1
            try:
                return original(template, stdout, variables)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(bottle.SimpleTemplate, "execute", execute)

    def page(self):
        """(file name, variables) of the page's own template in the last request, or None."""
        tops = [run for run in self.runs if run[0] == 0]
        return tops[-1][1:] if tops else None

    def files(self):
        return {run[1] for run in self.runs if run[1]}


def shown(path):
    """A template file's path as the learner sees it, like views/hello.tpl."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def visit(client, path, label, advice):
    """GET path; the usual template slips become one sentence naming the file, the name or the line."""
    try:
        response = client.get(path, expect_errors=True)
    except bottle.TemplateError as error:
        folders = dict.fromkeys("the lesson folder" if shown(f) == "." else shown(f).rstrip("/") + "/"
                                for f in bottle.TEMPLATE_PATH)
        failure = (f"Visiting {label}: Bottle could not use a template ({error}). It looks for template files in "
                   f"{' and '.join(folders) or 'no folder'}, by their name without .tpl. {advice}")
    except (NameError, SyntaxError) as error:
        where = template_of(error)
        if where is None:
            raise  # a slip in the Python code itself: the checker explains it
        if isinstance(error, SyntaxError):
            failure = (f"{shown(where)} line {error.lineno}: Bottle could not read this template line as Python "
                       f"({error.msg}). Lines starting with % hold Python: % for ...: opens a loop, % end closes it.")
        else:
            missing = getattr(error, "name", None) or str(error)
            failure = (f"Visiting {label}: {shown(where)} uses the name '{missing}', but nobody gave it a value. "
                       + NAME_ADVICE.get(missing, NAME_ADVICE.get("*", advice)))
    else:
        if response.status_int == 500 and "Template" in response.text and "not found" in response.text:
            pytest.fail(f"Visiting {label}: Bottle could not find a template. {advice}", pytrace=False)
        assert response.status_int == 200, f"Visiting {label} answered {response.status}."
        return response
    pytest.fail(failure, pytrace=False)  # outside the except: this sentence is the one to show


def template_of(error):
    """The template file (or '<string>') an error happened in, or None when it came from Python code."""
    if isinstance(error, SyntaxError):
        return error.filename if error.filename and not error.filename.endswith(".py") else None
    tb = error.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    name = tb.tb_frame.f_code.co_filename
    return None if name.endswith(".py") else name


def test_hello_page_greets_the_name(client):
    """/hello/<name> still greets whoever is in the address"""
    for name in ("Ada", "Grace"):
        page = visible_text(visit(client, f"/hello/{name}", f"/hello/{name}", ADVICE).text)
        assert name in page, (
            f"The page at /hello/{name} says {page[:60]!r}, without the name {name}. "
            "Put {{name}} in views/hello.tpl and pass it with template(\"hello\", name=name)."
        )


def test_hello_page_comes_from_a_template_file(client, monkeypatch):
    """The /hello page is made from a template file"""
    templates = Templates(monkeypatch)
    visit(client, "/hello/Ada", "/hello/Ada", ADVICE)
    page = templates.page()
    assert page is not None, (
        "The page at /hello/Ada is still written in Python, not made from a template. In the Files panel, "
        "press New file and type views/hello.tpl, write the HTML there with {{name}} in it, and make the "
        "route return template(\"hello\", name=name)."
    )
    assert page[0], (
        "The page at /hello/Ada comes from a template written inside your Python code. Move that HTML into its "
        "own file, views/hello.tpl, and give template() the file's name: template(\"hello\", name=name)."
    )


def test_names_from_the_address_are_shown_as_text(client):
    """A <script> in the address is shown as text, not run"""
    for name in NAMES:
        label = f"/hello/{name}"
        response = visit(client, "/hello/" + quote(name, safe=""), label, ADVICE)
        assert_escaped(response.text, name, f"the page at {label}, in the name from the address")
        assert name in visible_text(response.text), (
            f"Visiting {label} should show the name {name!r} as text on the page. Show it with {{{{name}}}} in "
            "views/hello.tpl."
        )

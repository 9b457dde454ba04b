"""Checks for the "One layout for every page" step: the home and hello pages share one layout.

Any way of sharing passes: % rebase into a layout of any name, or % include of a shared header
and footer. The checks watch which template files each page ran, and what a visitor sees.
"""

import copy
import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import bottle
import pytest

from sandbox.checker.probes import HOSTILE, assert_escaped, visible_text

ADVICE = "Keep layout.tpl in the views folder and name it without .tpl: % rebase('layout', title='...')."
NAME_ADVICE = {
    "*": "Pass every variable a template needs, like template(\"hello\", name=name).",
    "title": "Pass the layout its title in the rebase line, like % rebase('layout', title='Hello').",
    "base": ("Only % rebase fills in base: start each page's template with % rebase('layout', title='...') "
             "instead of including the layout."),
}
PAGES = [("/", "Home"), ("/hello/Ada", "Hello")]
NAMES = [text for text in HOSTILE if "/" not in text] + ["<script>alert('xss7q')", "<svg onload=alert('xss7q')>"]
TAG_AS_TEXT = re.compile(r"</?(h[1-6]|ul|ol|li|p|strong|em|div|main|section|article|a)\b[^<>]*>", re.IGNORECASE)


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


def texts_of(item):
    """The pieces of text an article holds: a dict's values, a tuple's items, an object's attributes."""
    if isinstance(item, str):
        return [item]
    if isinstance(item, dict):
        values = item.values()
    elif isinstance(item, tuple):
        values = item
    else:
        values = vars(item).values() if hasattr(item, "__dict__") else []
    return [value for value in values if isinstance(value, str) and value.strip()]


def like(item, text):
    """An article shaped like ``item`` whose every piece of text is ``text(field)``."""
    if isinstance(item, str):
        return text("text")
    if isinstance(item, dict):
        return {k: text(k) if isinstance(v, str) else v for k, v in item.items()}
    if hasattr(item, "_replace"):
        return item._replace(**{k: text(k) for k, v in item._asdict().items() if isinstance(v, str)})
    if isinstance(item, tuple):
        return tuple(text(i) if isinstance(v, str) else v for i, v in enumerate(item))
    if dataclasses.is_dataclass(item):
        return dataclasses.replace(item, **{k: text(k) for k, v in vars(item).items() if isinstance(v, str)})
    made = copy.copy(item)
    for key, value in vars(item).items():
        if isinstance(value, str):
            setattr(made, key, text(key))
    return made


def article_list(variables, page):
    """(name, articles) of the list the page's template was given and shows on the page, or None."""
    for name, value in variables.items():
        is_list = isinstance(value, (list, tuple)) and value and all(texts_of(item) for item in value)
        if is_list and any(text in page for item in value for text in texts_of(item)):
            return name, value
    return None


def unbalanced(html):
    """The tags the page closes more often than it opens (a loop that ends in the wrong place)."""
    counter = _TagCounter()
    counter.feed(html)
    return [tag for tag, closed in counter.closed.items() if closed > counter.opened.get(tag, 0)]


class _TagCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.opened, self.closed = {}, {}

    def handle_starttag(self, tag, attrs):
        self.opened[tag] = self.opened.get(tag, 0) + 1

    def handle_endtag(self, tag):
        self.closed[tag] = self.closed.get(tag, 0) + 1


class _Title(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside, self.parts = False, []

    def handle_starttag(self, tag, attrs):
        self.inside = self.inside or tag == "title"

    def handle_endtag(self, tag):
        if tag == "title":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.parts.append(data)


def title_of(html):
    """The page's <title> text as a browser tab shows it ('' when it has none)."""
    parser = _Title()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def page_files(client, templates, path):
    """(the page's own template file, the other template files it ran) for the page at path."""
    templates.runs.clear()
    response = visit(client, path, path, ADVICE)
    made = templates.page()
    assert made is not None and made[0], (
        f"The page at {path} is no longer made from a template file. Keep rendering its template, like "
        "template(\"hello\", name=name)."
    )
    return response, made[0], templates.files() - {made[0]}


def test_pages_share_one_layout(client, monkeypatch):
    """Every page is wrapped in the same layout"""
    templates = Templates(monkeypatch)
    shared = None
    for path, title in PAGES:
        _, own, others = page_files(client, templates, path)
        assert others, (
            f"The page at {path} is not wrapped in the layout yet. Make % rebase('layout', title='{title}') the "
            f"first line of {shown(own)}."
        )
        shared = others if shared is None else shared & others
    assert shared, (
        "The home page and the hello page use different layouts. Give both the same one: "
        "% rebase('layout', title='...') as the first line of each page's template."
    )


def test_pages_show_their_html_as_html(client):
    """The layout shows each page's content as HTML"""
    for path, title in PAGES:
        text = visible_text(visit(client, path, path, ADVICE).text)
        found = TAG_AS_TEXT.search(text)
        assert not found, (
            f"The page at {path} shows its own HTML as text ({found.group(0)} appears on the page). Write "
            "{{!base}} in views/layout.tpl: the ! tells Bottle that base is HTML made by your own template."
        )


def test_each_page_has_its_own_title(client):
    """Each page passes its own title to the layout"""
    titles = {}
    for path, title in PAGES:
        titles[path] = title_of(visit(client, path, path, ADVICE).text)
        assert titles[path], (
            f"The page at {path} has no title for the browser tab. Put <title>{{{{title}}}}</title> inside "
            "<head> in views/layout.tpl."
        )
    assert titles["/"] != titles["/hello/Ada"], (
        f"Both pages have the title {titles['/']!r}. Use {{{{title}}}} in the layout, and give "
        "each page its own: title='Home' in index.tpl, title='Hello' in hello.tpl."
    )


def test_visitor_and_article_text_is_shown_as_text(client, monkeypatch):
    """Names and article text that hold HTML are still shown as text"""
    for name in NAMES:
        label = f"/hello/{name}"
        response = visit(client, "/hello/" + quote(name, safe=""), label, ADVICE)
        assert_escaped(response.text, name, f"the page at {label}, in the name from the address")
    templates = Templates(monkeypatch)
    page = visit(client, "/", "/", ADVICE)
    found = article_list(templates.page()[1], visible_text(page.text))
    assert found is not None, "The home page should still list your articles from the ARTICLES list."
    name, articles = found
    for text in HOSTILE:
        templates.swap = {name: [like(articles[0], lambda key, text=text: text)]}
        assert_escaped(visit(client, "/", "/", ADVICE).text, text, "the home page, in an article's text")

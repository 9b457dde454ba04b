"""Checks for the "A list with a loop" step: the home page's template loops over a list of articles.

The checks watch the template the home page renders and the list it is given (any variable name,
any file name, dicts, tuples or objects), hand it other articles, and look at what a visitor sees.
"""

import copy
import dataclasses
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import bottle
import pytest

from sandbox.checker.probes import HOSTILE, assert_escaped, visible_text

ADVICE = ("Keep index.tpl in the views folder, next to app.py, and render it with "
          "template(\"index\", articles=ARTICLES).")
NAME_ADVICE = {"*": "Pass every variable the template needs to template(), like template(\"index\", articles=ARTICLES)."}
ADDED = "Added by the check"
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


def the_articles(client, templates):
    """(the variable's name, the articles, the page's visible text) of the list the home page's template shows."""
    page = visit(client, "/", "/", ADVICE)
    made = templates.page()
    assert made is not None, (
        "The home page is not made from a template yet. Render views/index.tpl in home(): "
        "return template(\"index\", articles=ARTICLES)."
    )
    text = visible_text(page.text)
    found = article_list(made[1], text)
    assert found is not None, (
        "The home page's template shows no list of articles it was given. Keep the ARTICLES list in app.py, pass "
        "it to the template with template(\"index\", articles=ARTICLES), and loop over it in views/index.tpl."
    )
    return (*found, text)


def home_with(client, templates, name, articles):
    """The home page, with the template given ``articles`` in place of the learner's own list."""
    templates.swap = {name: articles}
    try:
        return visit(client, "/", "/", ADVICE).text
    finally:
        templates.swap = {}


def test_home_lists_the_articles(client, monkeypatch):
    """The home page lists your articles"""
    templates = Templates(monkeypatch)
    _, articles, page = the_articles(client, templates)
    for article in articles:
        title = texts_of(article)[0]
        assert title in page, (
            f"The home page does not show the article {title!r} yet. Loop over all the articles in "
            "views/index.tpl with % for article in articles: ... % end."
        )


def test_list_follows_the_data(client, monkeypatch):
    """A new article appears without touching the template"""
    templates = Templates(monkeypatch)
    name, articles, _ = the_articles(client, templates)
    others = [like(articles[0], lambda key, n=n: f"{ADDED} {n} ({key})") for n in (1, 2, 3)]
    page = visible_text(home_with(client, templates, name, others))
    shown_count = sum(texts_of(article)[0] in page for article in others)
    assert shown_count == 3, (
        f"The check gave the home page's template three other articles, but the page did not show them "
        f"({shown_count} of 3 appeared). Write the list in views/index.tpl with a % for loop over {name}, "
        "not by hand."
    )


def test_loop_repeats_only_the_articles(client, monkeypatch):
    """The loop repeats only the list items"""
    templates = Templates(monkeypatch)
    name, articles, _ = the_articles(client, templates)
    others = [like(articles[0], lambda key, n=n: f"{ADDED} {n} ({key})") for n in (1, 2, 3)]
    extra = unbalanced(home_with(client, templates, name, others))
    assert not extra, (
        f"With three articles, the home page closes </{extra[0]}> more often than it opens it: part of the page "
        f"after the loop is repeated for every article. End the loop in views/index.tpl with a line % end, just "
        f"before </{extra[0]}>."
    )


def test_article_text_is_shown_as_text(client, monkeypatch):
    """Article text that holds HTML is shown as text"""
    templates = Templates(monkeypatch)
    name, articles, _ = the_articles(client, templates)
    for text in HOSTILE:
        page = home_with(client, templates, name, [like(articles[0], lambda key, text=text: text)])
        assert_escaped(page, text, "the home page, in an article's text")


@pytest.mark.independent
def test_names_from_the_address_are_still_shown_as_text(client):
    """A <script> in the address is still shown as text"""
    for name in NAMES:
        label = f"/hello/{name}"
        response = visit(client, "/hello/" + quote(name, safe=""), label, ADVICE)
        assert_escaped(response.text, name, f"the page at {label}, in the name from the address")

"""/blog/new shows a form that a browser would post to /blog/new, and the header links to it."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest


class Links(HTMLParser):
    """Every <a href> of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href") is not None:
            self.hrefs.append(dict(attrs)["href"])


def visit(client, path):
    try:
        return client.get(path, expect_errors=True)
    except Exception as error:
        pytest.fail(f"Visiting {path} crashed with {type(error).__name__}: {error}", pytrace=False)


def kinds(form):
    """Each named field of ``form`` with its kind: text, textarea, checkbox, hidden, submit..."""
    found = {}
    for name, fields in form.fields.items():
        for field in fields:
            kind = "textarea" if field.tag == "textarea" else (field.attrs.get("type") or "text").lower()
            found.setdefault(name, set()).add(kind)
    return found


@pytest.fixture
def form(db, client):
    response = visit(client, "/blog/new")
    assert response.status_int == 200, (
        f"Visiting /blog/new answered {response.status}. Add a route for '/blog/new' that shows a form."
    )
    forms = list(response.forms.values())
    assert forms, "The page /blog/new has no <form> yet. Put one in views/blog_form.tpl."
    posting = [form for form in forms if (form.method or "GET").upper() == "POST"]
    assert posting, (
        'The form would be sent with GET, which puts everything in the address and is meant for reading. '
        'Send it with method="post": <form method="post" action="/blog/new">.'
    )
    return posting[0]


def test_new_article_form(form):
    """/blog/new shows a form that posts to /blog/new"""
    target = urlsplit(urljoin("http://localhost/blog/new", form.action or "")).path
    assert target == "/blog/new", (
        f'The form sends its data to {target}; it should go to /blog/new: action="/blog/new".'
    )


def test_form_fields(form):
    """The form has a title, the content, a publish box and a button"""
    fields = kinds(form)
    assert "title" in fields, 'The form needs a field for the title named title, like <input name="title">.'
    assert "content" in fields, 'The form needs a field for the text named content, like <textarea name="content"></textarea>.'
    assert any("checkbox" in found for found in fields.values()), (
        'The form needs a box to tick for publishing, like <label><input type="checkbox" name="published"> Publish now</label>.'
    )
    buttons = [tag for tag in form.html.find_all(["button", "input"])
               if (tag.get("type") or ("submit" if tag.name == "button" else "text")).lower() in ("submit", "image")]
    assert buttons, 'The form needs a button to send it: <button type="submit">Save</button>.'


def test_header_links_to_the_form(db, client):
    """Every page links to the form"""
    for path in ("/", "/blog/"):
        response = visit(client, path)
        parser = Links()
        parser.feed(response.text)
        targets = {urlsplit(urljoin("http://localhost" + path, href)).path for href in parser.hrefs}
        assert "/blog/new" in targets, (
            f"The page {path} has no link to /blog/new yet. Add one to the header in views/layout.tpl: "
            '<a href="/blog/new">Write</a>.'
        )

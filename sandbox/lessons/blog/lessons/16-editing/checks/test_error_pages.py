"""Checks for "Friendly error pages": 404 and 500 answers are pages of the blog, and never show a traceback.

"Uses the layout" means: the links that the home page and /blog/ share (the layout's header) are on the
error page too. For the 500 page the check adds a route that raises to the learner's app and asks for it
with Bottle's catchall on, as on a real server, with DEBUG off.
"""

from html.parser import HTMLParser
from urllib.parse import quote

import pytest
import webtest

from sandbox.checker.probes import HOSTILE, assert_escaped, visible_text

SECRET = "disk-quota-9f3e"  # the words in the crash, which no visitor may see
CRASH = "/check-crash-7b1d"


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = set()

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.update(value for name, value in attrs if name == "href" and value)


def links(html):
    parser = Links()
    parser.feed(html)
    return parser.hrefs


@pytest.fixture
def site(db, request, monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    client = request.getfixturevalue("client")  # no articles: the links both pages share are the layout's
    layout = links(client.get("/").text) & links(client.get("/blog/").text)
    assert layout, "The home page and /blog/ should both use the layout, with the links in its header."
    return client, layout


def uses_layout(html, layout):
    return layout <= links(html)


def test_not_found_page(site):
    """An unknown address gets a 404 page in the blog's layout"""
    client, layout = site
    for path in ("/no-such-page", "/blog/no-such-article/"):
        r = client.get(path, expect_errors=True)
        assert r.status_int == 404, (
            f"{path} answered {r.status}. An error page must keep the status 404, so that browsers and search "
            "engines know the page is not there: return the page from @app.error(404), don't redirect.")
        assert "html" in r.content_type and uses_layout(r.text, layout), (
            f"The 404 page for {path} is not a page of your blog: it lacks the layout's links "
            f"({', '.join(sorted(layout))}). Add @app.error(404) and render a template that starts with "
            "% rebase('layout', title=...).")


def test_error_page_shows_the_address_as_text(site):
    """The 404 page shows a typed address as text"""
    client, _ = site
    for payload in HOSTILE:
        r = client.get("/" + quote(payload, safe=""), expect_errors=True)
        assert_escaped(r.text, payload, "the 404 page, in the address that was asked for")


def test_server_error_page(site, app):
    """A crash gets a friendly 500 page, without the error's details"""
    _, layout = site

    def crash():
        raise RuntimeError(f"Cannot write the file: {SECRET}")

    app.route(CRASH, callback=crash)
    app.catchall = True  # as on a real server: Bottle turns the exception into a 500 answer
    served = webtest.TestApp(app)
    r = served.get(CRASH, expect_errors=True, extra_environ={"wsgi.errors": _Quiet()})
    text = r.text
    assert r.status_int == 500, (
        f"A page whose route crashed answered {r.status}. The error page must keep the status 500: return the "
        "page from @app.error(500).")
    assert SECRET not in text and "Traceback" not in text and "RuntimeError" not in text, (
        "When a route crashed, the page showed the error's details to the visitor. They help an attacker and "
        "scare everyone else: show a friendly message, and leave error.exception and error.traceback to the "
        "server's log.")
    assert "html" in r.content_type and uses_layout(text, layout) and visible_text(text), (
        "The 500 page is not a page of your blog: it lacks the layout's links "
        f"({', '.join(sorted(layout))}). Add @app.error(500) and render a template with % rebase('layout', ...).")


class _Quiet:
    """Where Bottle writes the crash's traceback (the server's log); the check keeps it out of its output."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass

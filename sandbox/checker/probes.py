"""Probes pack authors call from checks to test what a visitor sees and what an attacker can do.

Checks import them: ``from sandbox.checker.probes import visible_text, assert_escaped, HOSTILE``.
They look at behaviour, never at how the learner wrote it, so every correct solution passes.

- ``visible_text(html)``: the page's text as a browser shows it (entities decoded, no tags,
  no script or style content), whitespace collapsed.
- ``HOSTILE``: texts that become markup or script when a page prints them without escaping.
- ``injected(html, payload)``: what markup the payload created in the page, if any.
- ``assert_escaped(html, payload, where)``: the payload is shown as text, never as markup.
- ``SQL_ATTACKS``: search words that change an SQL query built by pasting them into its text,
  with single quotes, double quotes, comments and wildcards.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser

__all__ = ["HOSTILE", "SQL_ATTACKS", "assert_escaped", "escaping_advice", "injected", "visible_text"]

MARK = "xss7q"  # a word no page contains by chance; every hostile text carries it

HOSTILE = [
    f"<script>alert('{MARK}')</script>",
    f'"><img src=x onerror="alert(\'{MARK}\')">',
    f"' onmouseover='alert(\"{MARK}\")' x='",
    f"<b>{MARK}</b>",
    f"</textarea></title><svg onload=alert('{MARK}')>",
]

SQL_ATTACKS = [
    "' OR '1'='1",
    '" OR "1"="1',
    "' OR 1=1 --",
    '" OR 1=1 --',
    "%' OR 1=1 --",
    '%" OR 1=1 --',
    "%') OR 1=1 --",
    '%") OR 1=1 --',
    "x%' OR published = 0 OR title LIKE '",
    'x%" OR published = 0 OR title LIKE "',
    "' UNION SELECT 1, 2, 3, 4, 5, 6, 7 --",
    "%",
    "_",
    "\\",
]


class _Page(HTMLParser):
    """Collects the visible text, and every element and attribute that carries ``MARK``."""

    HIDDEN = {"script", "style", "template", "title", "head"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.marked: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._element(tag, attrs)
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "base", "col", "embed"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._element(tag, attrs)

    def _element(self, tag, attrs):
        for name, value in attrs:
            if MARK in name or (name.startswith("on") and MARK in (value or "")):
                self.marked.append(f"<{tag} {name}=...>")

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        inside = set(self.stack)
        if "script" in inside and MARK in data:
            self.marked.append("<script>")
        if MARK in data and "b" in inside and data.strip() == MARK:
            self.marked.append("<b>")
        if not inside & self.HIDDEN:
            self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def visible_text(html: str) -> str:
    """The text a visitor reads on the page ``html`` (a str), whitespace collapsed to single spaces."""
    return re.sub(r"\s+", " ", "".join(_parse(html).text)).strip()


def injected(html: str, payload: str) -> list[str]:
    """The markup that ``payload`` (one of ``HOSTILE``) made in ``html``: [] when it stayed text.

    Each item names an element or attribute, like ``"<script>"`` or ``"<img onerror=...>"``.
    """
    return list(_parse(html).marked) if MARK in payload else []


ESCAPING_ADVICE = {  # how each template language escapes, and how a learner turns it off by mistake
    "django": "Show stored and visitor text with {{ ... }} in a template, which escapes it, never with |safe, "
              "mark_safe() or {% autoescape off %}, nor by building HTML with + or f-strings in Python.",
    "jinja2": "Show stored and visitor text with {{ ... }} in a template, which escapes it, never with |safe or "
              "Markup(), nor by building HTML with + or f-strings in Python (markupsafe's escape() if you must).",
    "bottle": "Show stored and visitor text with {{...}}, which escapes it, never with {{!...}} "
              "or by building HTML with + or f-strings in Python.",
}


def escaping_advice() -> str:
    """How to escape in the template language the learner's app uses (Django, Jinja2, else Bottle's)."""
    for name in ("django", "jinja2"):
        if name in sys.modules:
            return ESCAPING_ADVICE[name]
    return ESCAPING_ADVICE["bottle"]


def assert_escaped(html: str, payload: str, where: str, advice: str | None = None) -> None:
    """Fail, with a sentence for the learner, when ``payload`` became markup in ``html``.

    ``where`` names the page and the data, like ``"the article page, in an article's title"``;
    ``advice`` is what to do instead (default: ``escaping_advice()``, for the learner's framework).
    Raises AssertionError (a failed check).
    """
    made = injected(html, payload)
    assert not made, (
        f"On {where}, the text {payload!r} became real HTML ({', '.join(dict.fromkeys(made))}), so a visitor's "
        f"browser would run it. {advice or escaping_advice()}"
    )

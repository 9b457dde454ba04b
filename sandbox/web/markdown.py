"""Markdown from lesson packs, turned into HTML that is safe to show inside the sandbox.

Raw HTML is off in the parser, fenced code is highlighted by Pygments with CSS classes, and
nh3 cleans the result as a second layer, so a pack can never put active content on a page.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

LINK_REL = "noopener noreferrer external"
URL_SCHEMES = {"http", "https", "mailto"}
_FORMATTER = HtmlFormatter(cssclass="highlight")  # classes only; the sandbox's CSS colours them
_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag in ("div", "span", "pre", "code"):
    _ATTRIBUTES.setdefault(_tag, set()).add("class")


def _fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    return highlight(token.content, lexer, _FORMATTER)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.add_render_rule("fence", _fence)
    return md


_MD = _parser()


def render_markdown(text: str) -> str:
    """HTML for a step's Markdown; nothing in ``text`` can run script or load a foreign page."""
    html = _MD.render(text)
    # No style attributes at all (the page's CSP forbids inline styles; table alignment is lost).
    return nh3.clean(html, attributes=_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=LINK_REL)


def highlight_css() -> str:
    """The Pygments stylesheets for ``.highlight`` blocks: a light one, and a dark one for the dark theme."""
    dark = HtmlFormatter(cssclass="highlight", style="github-dark")
    return _FORMATTER.get_style_defs(".highlight") + "\n" + dark.get_style_defs('[data-theme="dark"] .highlight')

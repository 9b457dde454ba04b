"""Markdown from lesson packs, turned into HTML that is safe to show inside the sandbox.

Raw HTML is off in the parser, fenced code is highlighted by Pygments with CSS classes, and
nh3 cleans the result as a second layer, so a pack can never put active content on a page.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
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


def _image(self, tokens, idx, options, env) -> str:
    """An image whose address the page's ``image_url`` (in ``env``) may turn into the pack's own."""
    to_url = (env or {}).get("image_url")
    if to_url is not None:
        tokens[idx].attrSet("src", to_url(tokens[idx].attrGet("src") or ""))
    return RendererHTML.image(self, tokens, idx, options, env)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.add_render_rule("fence", _fence)
    md.add_render_rule("image", _image)
    return md


_MD = _parser()


def render_markdown(text: str, image_url=None) -> str:
    """HTML for a step's Markdown; nothing in ``text`` can run script or load a foreign page.

    ``image_url(src) -> address`` rewrites each image's address (a lesson's images come from its pack).
    """
    html = _MD.render(text, {"image_url": image_url})
    # No style attributes at all (the page's CSP forbids inline styles; table alignment is lost).
    return nh3.clean(html, attributes=_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=LINK_REL)


LIGHT_CODE_BG, DARK_CODE_BG = "#f2f4f8", "#262a33"  # --code-bg of static/css/app.css's two themes
COLOR_DECLARATION = re.compile(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b")


def highlight_css() -> str:
    """The Pygments stylesheets for ``.highlight`` blocks: a light one, and a dark one for the dark
    theme, each on the page's own code background and with every colour readable on it (WCAG AA)."""
    return (_style_css("xcode", ".highlight", LIGHT_CODE_BG) + "\n"
            + _style_css("github-dark", '[data-theme="dark"] .highlight', DARK_CODE_BG))


def _style_css(style: str, selector: str, background: str) -> str:
    css = HtmlFormatter(cssclass="highlight", style=style, nobackground=True).get_style_defs(selector)
    return COLOR_DECLARATION.sub(lambda m: "color: " + readable(m.group(1), background), css)


def readable(color: str, background: str, ratio: float = 4.5) -> str:
    """``color``, moved towards black or white until its contrast with ``background`` is at least
    ``ratio`` (WCAG 2.1's contrast ratio, https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio)."""
    target = (255, 255, 255) if _luminance(_rgb(background)) < 0.18 else (0, 0, 0)
    rgb = _rgb(color)
    for _ in range(20):
        if _contrast(rgb, _rgb(background)) >= ratio:
            break
        rgb = tuple(round(c + (t - c) * 0.12) for c, t in zip(rgb, target))
    return "#%02x%02x%02x" % rgb


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    if len(color) == 3:
        color = "".join(c * 2 for c in color)
    return tuple(int(color[i:i + 2], 16) for i in (0, 2, 4))


def _luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a, b) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)

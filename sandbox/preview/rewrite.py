"""The learner's own URLs, moved under the preview proxy's mount (classroom mode).

A learner's app believes it is served at the root of its own origin (``http://localhost:PORT/``):
its pages link to ``/static/style.css``, its forms post to ``/login``, its redirects say
``Location: http://localhost:PORT/blog/``. Behind the sandbox's proxy it lives at ``MOUNT/...``
(``/user/alice/preview/KEY``), so ``Rebase`` puts the mount in front of every root-relative URL
and of every absolute URL to the app's own origin, in HTML attributes, ``<style>`` and CSS, and
in the response headers that carry a URL. Anything else (relative links, other sites, script
text, comments) is left exactly as it was, byte for byte.

HTML is read with the standard library's ``html.parser`` (so text in ``<script>``, ``<style>`` and
comments is never mistaken for a tag); only the raw text of an attribute value is changed, with
the mount inserted before it, so entities and spacing stay as the learner wrote them.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from html import escape
from html.parser import HTMLParser
from urllib.parse import quote

log = logging.getLogger(__name__)

# Attributes whose whole value is one URL, on any element (htmx's request attributes included:
# htmx sends its requests to them, with or without the data- prefix).
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "poster", "background", "cite", "longdesc", "manifest", "xlink:href",
    *(f"{prefix}hx-{verb}" for prefix in ("", "data-") for verb in ("get", "post", "put", "patch", "delete",
                                                                      "push-url", "replace-url")),
})
SRCSET_ATTRIBUTES = frozenset({"srcset", "imagesrcset"})
HTML_TYPES = ("text/html", "application/xhtml+xml")
CSS_TYPES = ("text/css",)
# The start tag's name and each attribute, as Python 3.11's html.parser finds them (tagfind_tolerant,
# attrfind_tolerant), so the raw tag is cut where the parser cut it.
TAG_NAME = re.compile(r"([a-zA-Z][^\t\n\r\f />\x00]*)(?:\s|/(?!>))*")
ATTRIBUTE = re.compile(r"((?<=['\"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*"
                       r"('[^']*'|\"[^\"]*\"|(?!['\"])[^>\s]*))?(?:\s|/(?!>))*")
REFRESH = re.compile(r"(?P<head>\s*\d*(?:\.\d*)?\s*[;,]?\s*(?:url\s*=\s*)?(?P<quote>['\"]?))(?P<url>[^'\"]*)",
                     re.IGNORECASE)
CSS_URL = re.compile(r"(url\(\s*['\"]?)([^'\")\s]+)", re.IGNORECASE)
CSS_IMPORT = re.compile(r"(@import\s*['\"])([^'\"]+)", re.IGNORECASE)
LINK_TARGET = re.compile(r"<([^>]*)>")
SPACE = " \t\n\r\f"


class Rebase:
    """Moves the app's own URLs under ``mount``.

    ``mount``: the proxy's path for the app's root, without the trailing slash
    (``/user/alice/preview/KEY``); ``origins``: the app's own origins as its pages may name them
    (``http://localhost:PORT``, ``http://127.0.0.1:PORT``).
    """

    def __init__(self, mount: str, origins):
        self.mount = quote(mount.rstrip("/"), safe="/%:@!$&'()*+,;=~")
        self.origins = tuple(o.rstrip("/").lower() for o in origins)
        self.mount_html = escape(self.mount, quote=True)

    # --- one URL -------------------------------------------------------------------------

    def url(self, value: str, *, html: bool = False) -> str:
        """``value`` with the mount in front when it names the app's own root or origin, else unchanged.

        ``/blog/?page=2`` -> ``MOUNT/blog/?page=2``; ``http://localhost:PORT`` -> ``MOUNT/``; ``//other/``,
        ``page2``, ``#top``, ``https://example.org/`` stay as they are. ``html``: the value is raw
        attribute text (the mount is written HTML-escaped).
        """
        body = value.lstrip(SPACE)
        lead = value[:len(value) - len(body)]
        mount = self.mount_html if html else self.mount
        if body.startswith("/") and not body.startswith(("//", "/\\")):
            return lead + mount + body
        lowered = body.lower()
        for origin in self.origins:
            for form in (origin, origin.split(":", 1)[1]):  # http://host:port and //host:port
                if lowered.startswith(form) and (len(body) == len(form) or body[len(form)] in "/?#"):
                    rest = body[len(form):]
                    return lead + mount + (rest if rest.startswith("/") else "/" + rest)
        return value

    def refresh(self, value: str, *, html: bool = False) -> str:
        """A ``Refresh`` header or ``<meta http-equiv=refresh>`` content: ``5; url=/next``."""
        found = REFRESH.match(value)
        if not found or not found.group("url"):
            return value
        return found.group("head") + self.url(found.group("url"), html=html) + value[found.end("url"):]

    def srcset(self, value: str, *, html: bool = False) -> str:
        """Each image candidate's URL in a ``srcset``: ``/a.png 1x, /b.png 2x``."""
        out, i = [], 0
        while i < len(value):
            start = i
            while i < len(value) and (value[i] in SPACE or value[i] == ","):
                i += 1
            out.append(value[start:i])
            start = i
            while i < len(value) and value[i] not in SPACE:
                i += 1
            address = value[start:i]
            trailing = len(address) - len(address.rstrip(","))
            out.append(self.url(address[:len(address) - trailing], html=html) + address[len(address) - trailing:])
            if trailing:
                continue
            start, depth = i, 0  # the descriptors, up to a comma outside parentheses
            while i < len(value) and not (value[i] == "," and depth == 0):
                depth += {"(": 1, ")": -1}.get(value[i], 0)
                i += 1
            out.append(value[start:i])
        return "".join(out)

    def css(self, text: str, *, html: bool = False) -> str:
        """``url(...)`` and ``@import "..."`` in a style sheet or a style attribute."""
        text = CSS_URL.sub(lambda m: m.group(1) + self.url(m.group(2), html=html), text)
        return CSS_IMPORT.sub(lambda m: m.group(1) + self.url(m.group(2), html=html), text)

    def link(self, value: str) -> str:
        """A ``Link`` header: ``</style.css>; rel=preload``."""
        return LINK_TARGET.sub(lambda m: "<" + self.url(m.group(1)) + ">", value)

    def htmx_location(self, value: str) -> str:
        """htmx's ``HX-Location``: a path, or JSON whose ``path`` is one."""
        if not value.lstrip().startswith("{"):
            return self.url(value)
        try:
            data = json.loads(value)
        except ValueError:
            return value
        if isinstance(data, dict) and isinstance(data.get("path"), str):
            data["path"] = self.url(data["path"])
            return json.dumps(data)
        return value

    # --- bodies --------------------------------------------------------------------------

    def body(self, data: bytes, content_type: str) -> bytes | None:
        """An HTML or CSS body with its URLs moved, or None when this body is not rewritten (another
        type, or a charset in which ASCII is not ASCII, such as UTF-16)."""
        kind, charset = media_type(content_type)
        if kind not in HTML_TYPES + CSS_TYPES or not ascii_compatible(charset, data):
            return None
        # Latin-1 maps every byte to one character and back: the learner's bytes survive untouched,
        # whatever their real encoding, and the ASCII markup around them is read as it is.
        text = data.decode("latin-1")
        text = self.css(text) if kind in CSS_TYPES else self.html(text)
        return text.encode("latin-1")

    def html(self, text: str) -> str:
        """An HTML document or fragment with the app's own URLs moved under the mount."""
        finder = _Finder(text, self)
        try:
            finder.feed(text)
            finder.close()
        except Exception:  # html.parser gives up on nothing, but a page must never be lost
            log.warning("A preview page could not be read as HTML; it is passed on unchanged", exc_info=True)
            return text
        out, last = [], 0
        for start, end, replacement in sorted(finder.edits):
            if start < last:
                continue
            out += [text[last:start], replacement]
            last = end
        return "".join(out) + text[last:]

    def tag(self, raw: str, tag: str, attrs: list) -> str:
        """One raw start tag with its URL-valued attributes rewritten."""
        found = TAG_NAME.match(raw, 1)
        if not found:
            return raw
        refresh = tag == "meta" and any(n == "http-equiv" and (v or "").strip().lower() == "refresh" for n, v in attrs)
        edits, k = [], found.end()
        while k < len(raw):
            found = ATTRIBUTE.match(raw, k)
            if not found or found.end() == k:
                break
            k = found.end()
            if found.group(3) is None:
                continue
            name = found.group(1).lower()
            start, end = found.span(3)
            if raw[start] in "'\"":
                start, end = start + 1, end - 1
            value = raw[start:end]
            if name in URL_ATTRIBUTES or (name == "data" and tag == "object"):
                new = self.url(value, html=True)
            elif name in SRCSET_ATTRIBUTES:
                new = self.srcset(value, html=True)
            elif name == "style":
                new = self.css(value, html=True)
            elif name == "content" and refresh:
                new = self.refresh(value, html=True)
            else:
                continue
            if new != value:
                edits.append((start, end, new))
        for start, end, new in reversed(edits):
            raw = raw[:start] + new + raw[end:]
        return raw


class _Finder(HTMLParser):
    """Notes where each start tag and each ``<style>`` element's text is, and what replaces them."""

    def __init__(self, text: str, rebase: Rebase):
        super().__init__(convert_charrefs=False)
        self.rebase = rebase
        self.text = text
        self.edits: list[tuple[int, int, str]] = []
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.style_from: int | None = None

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text() or ""
        start = self.position()
        if self.text.startswith(raw, start):
            new = self.rebase.tag(raw, tag, attrs)
            if new != raw:
                self.edits.append((start, start + len(raw), new))
            if tag == "style":
                self.style_from = start + len(raw)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.style_from = None

    def handle_endtag(self, tag):
        if tag == "style" and self.style_from is not None:
            end = self.position()
            css = self.text[self.style_from:end]
            new = self.rebase.css(css)
            if new != css:
                self.edits.append((self.style_from, end, new))
            self.style_from = None


def media_type(content_type: str) -> tuple[str, str | None]:
    """``text/html; charset=UTF-8`` -> (``text/html``, ``UTF-8``)."""
    kind, _, params = (content_type or "").partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("'\"") or None
    return kind.strip().lower(), charset


def ascii_compatible(charset: str | None, data: bytes) -> bool:
    """Do ASCII characters appear as ASCII bytes in ``data`` (UTF-8, Latin-1, cp1252... but not
    UTF-16, UTF-32, UTF-7 or EBCDIC)? A body with a UTF-16 or UTF-32 byte order mark never does."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if charset is None:
        return True
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        return False
    if name.startswith(("utf-16", "utf-32", "utf-7", "iso2022")):
        return False
    probe = "<a href='/x?y=1&z'>"
    try:
        return probe.encode(name) == probe.encode("ascii")
    except (UnicodeError, LookupError):
        return False

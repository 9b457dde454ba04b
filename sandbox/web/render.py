"""Rendering pages: SimpleTemplate with absolute lookup paths and the context every page shares."""

from __future__ import annotations

import re
from pathlib import Path

from bottle import template

from sandbox import PRODUCT_NAME, __version__
from sandbox.web.context import url

VIEWS = Path(__file__).resolve().parent.parent / "views"
STATIC = Path(__file__).resolve().parent.parent / "static"
BUNDLE = STATIC / "build"
# One list for every call: Bottle caches compiled templates by (id(lookup), name), so a fresh
# list per call would compile each template again and keep every copy (a memory leak).
LOOKUP = [str(VIEWS)]
# Bottle's template() compiles any name holding "{", "%", "$" or a newline as template source,
# so only plain view names get through to it.
VIEW_NAME = re.compile(r"[a-z][a-z_]*(/[a-z][a-z_]*)?")


def bundle_available() -> bool:
    return all((BUNDLE / name).is_file() for name in ("editor.js", "htmx.js", "terminal.js", "terminal.css"))


def render(name: str, page: dict | None = None, **data) -> str:
    """Render ``views/<name>.tpl`` with ``page`` and ``data``; every template can call ``url(name, **values)``.

    Template names are ours alone: never a string from a pack or a form (ValueError otherwise).
    """
    if not VIEW_NAME.fullmatch(name) or not (VIEWS / f"{name}.tpl").is_file():
        raise ValueError(f"{name!r} is not one of the sandbox's views")
    context = {"product": PRODUCT_NAME, "version": __version__, "bundle": bundle_available(), "url": url}
    context.update(page or {})
    context.update(data)
    return template(name, template_lookup=LOOKUP, **context)

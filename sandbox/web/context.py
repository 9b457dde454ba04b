"""What every page of the web app uses: the launch's settings and services, the current learner,
the page context, URLs built from route names, and whether htmx asked.

Route functions are plain module-level functions; inside a request they reach their app through
Bottle's ``request.app`` (set by ``Bottle._handle``), never through module globals.
"""

from __future__ import annotations

from urllib.parse import quote

from bottle import request

from sandbox.classroom.profiles import current_learner
from sandbox.config import Settings
from sandbox.services import Services
from sandbox.web.security import csrf_token


def settings() -> Settings:
    """This app's Settings."""
    return request.app.config["sandbox.settings"]


def services() -> Services:
    """This app's Services."""
    return request.app.config["sandbox.services"]


def learner_id() -> int:
    """The id of the learner whose profile is active."""
    return current_learner().id


def url(name: str, /, **values) -> str:
    """The path of the route called ``name`` with its wildcards filled from ``values``.

    Values that are not wildcards of the route become the query string; the path starts with the
    request's SCRIPT_NAME, so it stays right when the sandbox is served under a prefix. This is
    Bottle's ``get_url`` without its two ``urljoin`` calls, which cost more than the lesson page's
    whole outline. Raises bottle.RouteBuildError for an unknown name or a missing wildcard.
    """
    router = request.app.router
    # Bottle puts wildcard values into the path as they are: a file or a learner's name with "&", "?",
    # "#" or spaces in it would change the address, so each is percent-encoded (the query already is).
    wildcards = {key for key, _ in router.builder.get(name, ()) if key}
    values = {key: quote(str(value), safe="/") if key in wildcards else value for key, value in values.items()}
    return request.environ.get("SCRIPT_NAME", "").rstrip("/") + router.build(name, **values)


def step_url(pack_id: str, lesson_id: str, step_id: str, action: str = "step") -> str:
    """The URL of a step's page (``action="step"``) or of one of its actions (``"check"``, ``"save"``...)."""
    return url(action, pack_id=pack_id, lesson_id=lesson_id, step_id=step_id)


def is_htmx() -> bool:
    """Was this request made by htmx (so a fragment, not a whole page, is wanted)?"""
    return request.headers.get("HX-Request") == "true"


def csrf() -> str:
    """The CSRF token forms of this launch carry."""
    return csrf_token(settings().token)


def page_context(active: str = "") -> dict:
    """What every full page needs: the learner's look and the CSRF token. Plain data only."""
    learner = current_learner()
    return {
        "learner": {"id": learner.id, "name": learner.name, "theme": learner.theme, "font_size": learner.font_size},
        "csrf": csrf(),
        "active": active,
        "classroom": settings().hub is not None,  # under JupyterHub: one learner, no desktop actions
    }


def back_link() -> str | None:
    """The page a learner came from (``?back=``), when it is one of this app's own paths, else None."""
    back = request.query.getunicode("back", "") or ""
    if back.startswith("/") and not back.startswith("//") and "\\" not in back and len(back) < 400 \
            and all(c.isprintable() for c in back):
        return back
    return None


def whole_number(text: str | None, *, default: int | None = None) -> int | None:
    """``text`` as a non-negative whole number, or ``default`` when it is not one (never raises)."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 18:
        return default
    return int(text)

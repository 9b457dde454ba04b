"""The web app's one error handler: any SandboxError becomes its status, its title and its sentence.

Bottle turns an exception raised in a route (or a hook) into a 500 ``HTTPError`` that keeps the
exception; the handler below answers with the exception's own status instead. Errors Bottle
raises itself (no such route, wrong method) get a plain title and sentence from ``HTTP_TITLES``.
A script asking for JSON gets the title, the sentence and the error's details; an htmx request
gets a fragment, another fetch() caller plain text, everyone else a whole page.
"""

from __future__ import annotations

import json
import logging

from bottle import HTTPError, request, response

from sandbox.errors import SandboxError, all_errors
from sandbox.web.render import render

log = logging.getLogger(__name__)

HTTP_TITLES = {
    400: ("That request was not understood", "Something in it was not valid."),
    403: ("Not allowed", "The sandbox refused this request."),
    404: ("Page not found", "There is no page at this address. Go back home and pick up where you left off."),
    405: ("Not allowed here", "This page cannot be used that way."),
    413: ("Too large", "That upload is bigger than the sandbox accepts."),
    500: ("Something went wrong in the sandbox", "This is the sandbox's fault, not yours. It was written to the "
          "log in the data folder; what you saved before this is kept."),
}


def install(app) -> None:
    """Register ``error_page`` for every status the sandbox's errors and Bottle's own can have."""
    for code in sorted({*HTTP_TITLES, *(cls.status for cls in all_errors())}):
        app.error(code)(error_page)


def error_page(error: HTTPError) -> str:
    """The answer for a failed request, in the form the caller can show."""
    exc = error.exception
    if isinstance(exc, SandboxError):
        response.status = exc.status
        title, message = exc.title, str(exc)
        if exc.status >= 500:
            log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.path, exc)
    else:
        title, message = HTTP_TITLES.get(error.status_code, ("Error", "Something went wrong."))
        if error.status_code >= 500:
            log.error("Unhandled error on %s %s\n%s", request.method, request.path, error.traceback or exc)
    accept = request.headers.get("Accept", "text/html")
    if "application/json" in accept and "text/html" not in accept:
        response.content_type = "application/json"
        details = exc.details() if isinstance(exc, SandboxError) else {}
        return json.dumps({"title": title, "message": message, **details})
    if "text/html" not in accept and not request.headers.get("HX-Request"):
        response.content_type = "text/plain; charset=utf-8"  # fetch() callers show it as it is
        return message
    if request.headers.get("HX-Request"):
        return render("partials/error", title=title, message=message)
    return render("error", title=title, message=message, status=response.status_code)

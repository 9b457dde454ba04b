"""What pages load beside themselves: static files, the code colours, and outside links opened in
the system browser."""

from __future__ import annotations

from urllib.parse import urlsplit

from bottle import HTTPResponse, request, response, static_file

from sandbox.errors import BadRequest, Refused
from sandbox.web import context
from sandbox.web.markdown import highlight_css as code_colours
from sandbox.web.render import STATIC


def static(path):
    return static_file(path, root=str(STATIC))


def highlight_css():
    response.content_type = "text/css"
    return code_colours()


def open_external():
    if context.settings().hub is not None:
        raise Refused("This sandbox runs on your class's server, which has no screen to open a browser on: "
                      "the link opens in a new tab instead.")
    address = request.forms.getunicode("url", "")
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadRequest("Only web addresses (http or https) can be opened.")
    context.services().open_url(address)
    return HTTPResponse(status=204)

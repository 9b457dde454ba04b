"""``create_app(settings, services)``: a fresh, secured WSGI app built from the route table."""

from __future__ import annotations

import logging

from bottle import BaseRequest, Bottle, request

from sandbox.config import Settings
from sandbox.services import Services
from sandbox.web import errors
from sandbox.web.routes import ROUTES
from sandbox.web.hub_login import HubSession, hub_oauth
from sandbox.web.security import SecurityMiddleware

log = logging.getLogger(__name__)


# Requests a page makes by itself (its long poll, status polls, files it loads): not the learner acting.
PASSIVE_ROUTES = frozenset({"events", "preview_status", "static", "highlight_css", "inspector_requests"})


def create_app(settings: Settings, services: Services, *, hub_session=None) -> SecurityMiddleware:
    """The WSGI app for one launch: every route of ``ROUTES`` behind the security middleware.

    The Bottle app inside is ``.app`` (routes, hooks, error pages). Each request opens its own
    database connection on ``services.store`` and closes it afterwards. In classroom mode
    (``settings.hub``) people log in through the Hub: ``hub_session`` (a ``HubSession``; made from
    the environment when None) says who they are, and ``services.activity`` is told of every
    request the learner makes (never the page's own polls). Raises ConfigError when classroom
    mode lacks JupyterHub's package.
    """
    # Bottle parses forms of at most MEMFILE_MAX bytes (100 KB by default), far below the 1 MB a
    # workspace file may hold (3 MB once form-encoded; a Check sends every open file): let it read
    # whatever the server accepted (``max_body_bytes``), so the limit a learner meets is the documented one.
    BaseRequest.MEMFILE_MAX = max(BaseRequest.MEMFILE_MAX, settings.max_body_bytes)
    app = Bottle(catchall=True, autojson=True)
    app.config["sandbox.settings"] = settings
    app.config["sandbox.services"] = services
    app.add_hook("before_request", services.store.connect)
    app.add_hook("after_request", services.store.disconnect)
    for route in ROUTES:
        app.route(route.path, route.method, route.callback, name=route.name)
    errors.install(app)
    if settings.hub is not None:
        if hub_session is None:
            hub_session = HubSession(hub_oauth(), settings.hub.cookie_path)
        if services.activity is not None:
            app.add_hook("after_request", lambda: _active(services))  # Bottle routes after before_request
    return SecurityMiddleware(_errors_to_log(app), settings, bottle_app=app, hub_session=hub_session)


def _active(services: Services) -> None:
    route = request.environ.get("route.handle")
    if route is not None and route.name not in PASSIVE_ROUTES:
        services.activity()


class _LogStream:
    """Stands in for wsgi.errors: Bottle writes tracebacks there, which the error page already logs."""

    def write(self, text):
        if text.strip():
            log.debug("%s", text.rstrip())

    def flush(self):
        pass

    def writelines(self, lines):
        for line in lines:
            self.write(line)


def _errors_to_log(app):
    def wsgi(environ, start_response):
        environ["wsgi.errors"] = _LogStream()
        return app(environ, start_response)

    return wsgi

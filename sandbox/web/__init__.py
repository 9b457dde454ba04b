"""The Bottle app: ``create_app(settings, services)`` builds a fresh, secured WSGI app."""

from __future__ import annotations

import logging

from bottle import Bottle, HTTPError

from sandbox import store
from sandbox.errors import DiskError, PackError, WorkspaceConflict, WorkspaceError
from sandbox.services import Services
from sandbox.web import instructor_page, lessons, packs_page, pages, preview_pages, profiles_page, progress_page
from sandbox.web.security import SecurityMiddleware

log = logging.getLogger(__name__)


def create_app(settings, services: Services | None = None) -> SecurityMiddleware:
    """Return the WSGI app; the Bottle app inside is ``.app`` (routes, hooks, error pages)."""
    services = services or Services()
    app = Bottle(catchall=True, autojson=True)
    app.config["sandbox.settings"] = settings
    app.config["sandbox.services"] = services
    # One database connection per request, closed after it.
    app.add_hook("before_request", store.connect)
    app.add_hook("after_request", store.disconnect)
    app.install(sandbox_errors)
    pages.install(app)
    lessons.install(app)
    packs_page.install(app)
    preview_pages.install(app)
    profiles_page.install(app)
    progress_page.install(app)
    instructor_page.install(app)
    return SecurityMiddleware(_errors_to_log(app), settings, bottle_app=app)


def sandbox_errors(callback):
    """The one place the sandbox's own errors become HTTP answers with a sentence."""

    def wrapper(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except WorkspaceConflict as exc:
            raise HTTPError(409, str(exc)) from None
        except DiskError as exc:
            raise HTTPError(507, str(exc)) from None
        except WorkspaceError as exc:
            raise HTTPError(400, str(exc)) from None
        except PackError as exc:
            raise HTTPError(422, str(exc)) from None

    return wrapper


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

"""The learner's app whatever framework made it, for the checks and the preview.

- WSGI apps (Bottle, Flask, Falcon, Pyramid...) and ASGI apps (FastAPI, Starlette...): ``is_asgi``
  tells them apart; ``client_for`` gives a check WebTest for a WSGI app and, for an ASGI app, the
  WebTest-shaped ``AsgiClient`` of ``sandbox.checker.asgi_client``.
- Django projects: ``django_settings_module`` reads the settings module a project's ``manage.py``
  (or ``wsgi.py``) names; the project itself is set up by ``sandbox.checker.django_project``, the
  ``db`` fixture's database by ``sandbox.checker.django_database``.
- ``ServerGuard``: a server a learner's file starts when it is imported (``app.run()``,
  ``uvicorn.run(app)``, ``waitress.serve(app)``...) is skipped with a line in the console.
- ``warm``: what the warm check worker imports ahead for the frameworks a pack uses.

Only the standard library and bottle are imported here up front: each framework is imported when
a learner's app needs it, from the pack's environment (at the front of ``sys.path``).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.util
import inspect
import io
import re
import sys
import threading
import warnings
from pathlib import Path

from sandbox.checker.asgi_client import AsgiClient, MissingLibrary  # noqa: F401 - MissingLibrary: whichever framework

# --- WSGI or ASGI ---------------------------------------------------------------------------


def is_asgi(app) -> bool:
    """An ASGI app: ``async def app(scope, receive, send)``, or an object whose ``__call__`` is a
    coroutine function (FastAPI, Starlette, Falcon's ``falcon.asgi.App``, Django's ASGIHandler)."""
    if app is None or inspect.isclass(app):
        return False
    if inspect.iscoroutinefunction(app):
        return True
    call = inspect.getattr_static(type(app), "__call__", None)
    return inspect.iscoroutinefunction(call)


def prepare_for_checks(app):
    """Let an exception raised in a learner's route reach the check, so the learner sees their own
    line instead of a bare 500: Bottle's catchall and Flask's exception propagation."""
    import bottle

    if isinstance(app, bottle.Bottle):
        app.catchall = False
    elif "flask" in sys.modules and isinstance(app, sys.modules["flask"].Flask):
        app.config["PROPAGATE_EXCEPTIONS"] = True
    return app


def client_for(app):
    """The test client a check gets for ``app``: WebTest's ``TestApp`` for a WSGI app, an
    ``AsgiClient`` (same shape for the common calls) for an ASGI app."""
    if is_asgi(app):
        return AsgiClient(app)
    import webtest

    return webtest.TestApp(prepare_for_checks(app))


# --- servers a learner's file starts when imported -------------------------------------------

# (module, attribute): what serves forever when a learner's file calls it at import time.
SERVERS = (
    ("bottle", "run"), ("bottle", "Bottle.run"),
    ("waitress", "serve"), ("waitress.server", "BaseWSGIServer.run"), ("waitress.server", "MultiSocketServer.run"),
    ("socketserver", "BaseServer.serve_forever"),  # wsgiref's make_server(...).serve_forever(), Falcon's tutorials
    ("flask.app", "Flask.run"), ("werkzeug.serving", "run_simple"),
    ("uvicorn", "run"), ("uvicorn.server", "Server.run"),
    ("hypercorn.asyncio", "serve"),
)


class ServerGuard:
    """While open, the servers of ``SERVERS`` are replaced by ``skip(module, attribute)`` (which says
    so in the console), in modules imported already and in those the learner's files import later;
    ``close()`` puts the real ones back."""

    def __init__(self, skip, keep_closed=()):
        self.skip = skip
        self.keep_closed = set(keep_closed)  # (module, attribute) left replaced after close()
        self.saved: list[tuple[object, str, object]] = []
        self.pending = {name for name, _ in SERVERS}
        self.finder = _AfterImport(self)
        for name in list(self.pending):
            if name in sys.modules:
                self.patch(name, sys.modules[name])
        sys.meta_path.insert(0, self.finder)

    def patch(self, name: str, module) -> None:
        self.pending.discard(name)
        for module_name, attribute in SERVERS:
            if module_name != name:
                continue
            *path, last = attribute.split(".")
            owner = module
            for part in path:
                owner = getattr(owner, part, None)
            if owner is None or not hasattr(owner, last):
                continue
            real = inspect.getattr_static(owner, last) if inspect.isclass(owner) else getattr(owner, last)
            if getattr(real, "sandbox_skipped", False):
                continue
            replacement = _skipper(self.skip, name, attribute)
            setattr(owner, last, replacement)
            if (module_name, attribute) not in self.keep_closed:
                self.saved.append((owner, last, real))

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self.finder)
        for owner, name, real in reversed(self.saved):
            setattr(owner, name, real)
        self.saved.clear()


def _skipper(skip, module: str, attribute: str):
    def skipped(*args, **kwargs):
        return skip(module, attribute)

    skipped.sandbox_skipped = True
    return skipped


class _AfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of a module the guard waits for, to patch it once loaded."""

    def __init__(self, guard: ServerGuard):
        self.guard = guard
        self.busy = threading.local()

    def find_spec(self, name, path=None, target=None):
        if name not in self.guard.pending or getattr(self.busy, "name", None) == name:
            return None
        self.busy.name = name
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        finally:
            self.busy.name = None
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        spec.loader = _PatchingLoader(spec.loader, lambda module: self.guard.patch(name, module))
        return spec


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader, after):
        self.loader, self.after = loader, after

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        self.after(module)

    def __getattr__(self, name):  # get_resource_reader, is_package...
        return getattr(self.loader, name)


# --- Django projects: which settings ----------------------------------------------------------

SETTINGS_NAMED = re.compile(r"""DJANGO_SETTINGS_MODULE['"]\s*[,\]=:]\s*(?:\w+\s*\(\s*)?f?['"]([\w.]+)['"]""")


def django_settings_module(workspace: Path, app_file: str) -> str | None:
    """The settings module a Django project's app file names (``manage.py``, ``wsgi.py`` or ``asgi.py``
    with ``os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")``); None for another app."""
    path = Path(workspace) / app_file
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    found = SETTINGS_NAMED.search(text)
    return found.group(1) if found else None


# --- what the warm worker imports ahead -------------------------------------------------------

# Beyond a framework's top-level module: what its first request or check imports lazily. Only
# modules that import without a configured project (Django's settings are set up per check).
WARM_MODULES = {
    "flask": ("flask.json.provider", "flask.templating", "werkzeug.test", "werkzeug.routing", "jinja2.ext",
              "encodings.idna"),
    "fastapi": ("fastapi.routing", "fastapi.responses", "fastapi.encoders", "starlette.testclient", "httpx",
                "anyio._backends._asyncio", "anyio.from_thread", "pydantic", "fastapi.openapi.utils", "fastapi.telemetry._runtime"),
    "starlette": ("starlette.testclient", "starlette.routing", "starlette.responses", "httpx",
                  "anyio._backends._asyncio", "anyio.from_thread"),
    "httpx": ("httpx",),
    "falcon": ("falcon.testing",),
    "django": ("django.db.models", "django.forms", "django.template.backends.django", "django.template.loader_tags",
               "django.template.defaulttags", "django.core.handlers.wsgi", "django.urls", "django.views.generic",
               "django.db.backends.sqlite3.base", "django.db.backends.sqlite3.schema",
               "django.db.backends.sqlite3.introspection", "django.db.backends.sqlite3.features",
               "django.db.backends.sqlite3.operations", "django.db.backends.sqlite3.creation",
               "django.db.migrations.executor", "django.db.migrations.autodetector", "django.core.management",
               "django.core.management.commands.migrate", "django.contrib.admin", "django.contrib.admin.sites",
               "django.contrib.admin.options", "django.contrib.staticfiles.handlers", "django.test",
               "django.test.client", "django.test.utils", "django.contrib.sessions.backends.db",
               "django.contrib.messages.storage.fallback", "django.middleware.csrf", "django.core.checks",
               "django.template.context_processors", "django.contrib.auth.hashers", "django.core.servers.basehttp",
               "django.contrib.admin.apps", "django.contrib.auth.apps", "django.contrib.contenttypes.apps",
               "django.contrib.messages.apps", "django.contrib.sessions.apps", "django.contrib.staticfiles.apps",
               "django.contrib.staticfiles.checks", "django.contrib.auth.checks", "django.contrib.contenttypes.checks",
               "django.contrib.sessions.middleware", "django.contrib.messages.middleware",
               "django.contrib.sessions.serializers", "django.contrib.auth.password_validation",
               "django.contrib.auth.tokens", "django.contrib.auth.management", "django.contrib.contenttypes.management",
               "django.db.models.sql.compiler", "django.middleware.clickjacking", "django.middleware.common",
               "django.middleware.security", "django.utils.translation.reloader", "getpass"),
}


def warm(names) -> list[str]:
    """Import the pack's top-level modules ``names`` and what their frameworks load on first use, so every
    check forked from the warm worker starts with them imported. Nothing is configured or left running:
    no Django settings, no app. Returns the modules that could not be imported."""
    failed = []
    for name in dict.fromkeys(names):
        for module in (name, *WARM_MODULES.get(name, ())):
            try:
                with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # a deprecation notice is the check's to show, if anyone's
                    importlib.import_module(module)
            except Exception:  # noqa: BLE001 - a module that needs a configured project is imported per check
                failed.append(module)
    return failed

"""The learner's app whatever framework made it, for the checks and the preview.

- WSGI apps (Bottle, Flask, Falcon, Pyramid...) and ASGI apps (FastAPI, Starlette...): ``is_asgi``
  tells them apart; checks talk to a WSGI app with WebTest and to an ASGI app with ``AsgiClient``,
  a synchronous client with WebTest's shape, built on the pack environment's Starlette and httpx.
- Django projects: ``django_settings_module`` reads the settings module a project's ``manage.py``
  (or ``wsgi.py``) names; ``DjangoProject`` sets the project up once per process, for checks on a
  fresh temporary SQLite database with the learner's migrations applied, for the preview as it is.
- ``ServerGuard``: a server a learner's file starts when it is imported (``app.run()``,
  ``uvicorn.run(app)``, ``waitress.serve(app)``...) is skipped with a line in the console.
- ``warm``: what the warm check worker imports ahead for the frameworks a pack uses.

Only the standard library and bottle are imported here up front: each framework is imported when
a learner's app needs it, from the pack's environment (at the front of ``sys.path``).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import importlib.abc
import importlib.util
import inspect
import io
import json as jsonlib
import os
import re
import shutil
import sys
import tempfile
import threading
import urllib.parse
import warnings
from pathlib import Path

from sandbox.errors import LearnerCodeError

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


# --- a WebTest-shaped client for ASGI apps ---------------------------------------------------

MISSING_CLIENT = ("The checks of this step talk to an ASGI app (FastAPI, Starlette...), which needs the "
                  "{library} library, and this pack's environment does not have it: the pack's author should add "
                  "\"{library}\" to requirements in pack.toml.")


class AsgiResponse:
    """One answer, with the names WebTest's response has: ``status_int``, ``status``, ``text``,
    ``body``, ``json``, ``headers``, ``content_type``, ``location``, ``follow()``."""

    def __init__(self, response, client: AsgiClient, url: str):
        self.raw = response  # the httpx response underneath
        self._client, self.request_url = client, url

    @property
    def status_int(self) -> int:
        return self.raw.status_code

    status_code = status_int

    @property
    def status(self) -> str:
        return f"{self.raw.status_code} {self.raw.reason_phrase}".strip()

    @property
    def text(self) -> str:
        return self.raw.text

    @property
    def body(self) -> bytes:
        return self.raw.content

    content = body

    @property
    def json(self):
        return self.raw.json()

    @property
    def headers(self):
        return self.raw.headers

    @property
    def content_type(self) -> str:
        return self.raw.headers.get("content-type", "").split(";", 1)[0].strip()

    @property
    def charset(self) -> str | None:
        return self.raw.charset_encoding

    @property
    def location(self) -> str | None:
        return self.raw.headers.get("location")

    @property
    def cookies(self) -> dict:
        return dict(self.raw.cookies)

    def follow(self, **kwargs) -> AsgiResponse:
        """The page a redirect points to (as WebTest's ``follow``)."""
        if not 300 <= self.status_int < 400 or not self.location:
            raise AssertionError(f"You can only follow redirect responses (not {self.status})")
        return self._client.get(urllib.parse.urljoin(self.request_url, self.location), **kwargs)

    def mustcontain(self, *strings) -> None:
        for text in strings:
            if text not in self.text:
                raise IndexError(f"Body does not contain string {text!r}")

    def __contains__(self, text) -> bool:
        return text in self.text

    def __str__(self) -> str:
        return f"Response: {self.status}\n{self.text}"

    __repr__ = __str__


class AsgiClient:
    """A synchronous test client on an ASGI app, shaped like WebTest's ``TestApp`` for the calls checks
    make: ``get``, ``post``, ``put``, ``patch``, ``delete``, ``head``, ``options``, ``post_json``,
    ``put_json``, ``patch_json``, ``delete_json``, each with ``status=`` / ``expect_errors=`` as in
    WebTest (without them a 4xx or 5xx answer raises ``webtest.AppError``). Starlette's
    ``TestClient`` does the work: the app's startup (lifespan) runs when the client is made, and an
    exception in a route reaches the check. ``client.raw`` is that TestClient, for anything else."""

    def __init__(self, app, base_url: str = "http://testserver"):
        if importlib.util.find_spec("starlette") is None:
            raise MissingLibrary(MISSING_CLIENT.format(library="starlette"))
        if importlib.util.find_spec("httpx2") is None and importlib.util.find_spec("httpx") is None:
            raise MissingLibrary(MISSING_CLIENT.format(library="httpx"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a newer Starlette prefers httpx2 to httpx: both work
            from starlette.testclient import TestClient

        self.app = app
        self.raw = TestClient(_lifespan_or_not(app), base_url=base_url, raise_server_exceptions=True,
                              follow_redirects=False)
        self._entered = False
        self.raw.__enter__()  # the app's lifespan: startup runs now, shutdown in close()
        self._entered = True

    def close(self) -> None:
        if self._entered:
            self._entered = False
            self.raw.__exit__(None, None, None)

    @property
    def cookies(self) -> dict:
        return dict(self.raw.cookies)

    def set_cookie(self, name: str, value: str) -> None:
        self.raw.cookies.set(name, value)

    def reset(self) -> None:
        self.raw.cookies.clear()

    # the verbs, with WebTest's arguments
    def get(self, url, params=None, headers=None, extra_environ=None, status=None, expect_errors=False, xhr=False):
        return self._do("GET", url, query=params, headers=headers, extra_environ=extra_environ, status=status,
                        expect_errors=expect_errors, xhr=xhr)

    def head(self, url, params=None, headers=None, extra_environ=None, status=None, expect_errors=False, xhr=False):
        return self._do("HEAD", url, query=params, headers=headers, extra_environ=extra_environ, status=status,
                        expect_errors=expect_errors, xhr=xhr)

    def options(self, url, headers=None, extra_environ=None, status=None, expect_errors=False, xhr=False):
        return self._do("OPTIONS", url, headers=headers, extra_environ=extra_environ, status=status,
                        expect_errors=expect_errors, xhr=xhr)

    def post(self, url, params="", **kwargs):
        return self._with_body("POST", url, params, **kwargs)

    def put(self, url, params="", **kwargs):
        return self._with_body("PUT", url, params, **kwargs)

    def patch(self, url, params="", **kwargs):
        return self._with_body("PATCH", url, params, **kwargs)

    def delete(self, url, params="", **kwargs):
        return self._with_body("DELETE", url, params, **kwargs)

    def post_json(self, url, params=None, **kwargs):
        return self._json("POST", url, params, **kwargs)

    def put_json(self, url, params=None, **kwargs):
        return self._json("PUT", url, params, **kwargs)

    def patch_json(self, url, params=None, **kwargs):
        return self._json("PATCH", url, params, **kwargs)

    def delete_json(self, url, params=None, **kwargs):
        return self._json("DELETE", url, params, **kwargs)

    def _json(self, method, url, params, **kwargs):
        body = jsonlib.dumps(params).encode() if params is not None else b""
        return self._with_body(method, url, body, content_type="application/json", **kwargs)

    def _with_body(self, method, url, params="", headers=None, extra_environ=None, status=None,
                   upload_files=None, expect_errors=False, content_type=None, xhr=False):
        headers = dict(headers or {})
        options: dict = {}
        if upload_files:  # WebTest's [(field, filename), (field, filename, content)...]
            options["files"] = [(item[0], (item[1], _bytes(item[2]) if len(item) > 2 else Path(item[1]).read_bytes()))
                                for item in upload_files]
            options["data"] = dict(params) if params else None
        elif isinstance(params, (dict, list, tuple)):  # a form, as a browser sends it
            options["content"] = urllib.parse.urlencode(params, doseq=True).encode()
            headers.setdefault("Content-Type", content_type or "application/x-www-form-urlencoded")
        elif params:
            options["content"] = _bytes(params)
        if content_type and not upload_files:
            headers.setdefault("Content-Type", content_type)
        return self._do(method, url, headers=headers, extra_environ=extra_environ, status=status,
                        expect_errors=expect_errors, xhr=xhr, **options)

    def _do(self, method, url, *, query=None, headers=None, extra_environ=None, status=None,
            expect_errors=False, xhr=False, **options):
        headers = dict(headers or {})
        for key, value in (extra_environ or {}).items():  # WebTest's way to set the Host, say
            if key.startswith("HTTP_"):
                headers.setdefault(key[5:].replace("_", "-").title(), value)
        if xhr:
            headers.setdefault("X-Requested-With", "XMLHttpRequest")
        if query:
            url += ("&" if "?" in url else "?") + (query if isinstance(query, str) else
                                                   urllib.parse.urlencode(query, doseq=True))
        entry = {"path": urllib.parse.urlsplit(url).path or "/", "status": None}
        _record(entry)
        response = AsgiResponse(self.raw.request(method, url, headers=headers, **options), self, url)
        entry["status"] = response.status_int
        _check_status(response, status, expect_errors, url)
        return response


def _lifespan_or_not(app):
    """``app``, answering the lifespan protocol for it when it does not speak it (Django's ASGIHandler
    refuses such a connection), as uvicorn's ``lifespan="auto"`` does; a startup that fails in an app
    that does speak it still fails the check."""

    async def asgi(scope, receive, send):
        if scope.get("type") != "lifespan":
            return await app(scope, receive, send)
        said, heard = [], []

        async def listen():
            message = await receive()
            heard.append(message)
            return message

        async def say(message):
            said.append(message)
            await send(message)

        try:
            await app(scope, listen, say)
        except Exception:
            if said:
                raise
            if not heard:
                await receive()  # lifespan.startup
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown, when the test ends
            await send({"type": "lifespan.shutdown.complete"})

    return asgi


def _bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


class MissingLibrary(LearnerCodeError):
    """The pack's environment lacks a library the sandbox needs for its framework (the pack author's to fix)."""


def _record(entry: dict) -> None:
    """Note the request for the explanations of a 404 (as ``explain.record_responses`` does for WebTest)."""
    explain = sys.modules.get("sandbox.checker.explain")
    if explain is not None:
        explain.RESPONSES.append(entry)


def _check_status(response: AsgiResponse, status, expect_errors: bool, url: str) -> None:
    """WebTest's rule: without ``status`` or ``expect_errors``, only 2xx and 3xx answers are fine."""
    from webtest import AppError

    code = response.status_int
    if status == "*" or (status is None and expect_errors):
        return
    if status is None:
        if 200 <= code < 400:
            return
        raise AppError("Bad response: %s (not 200 OK or 3xx redirect for %s)\n%s", response.status, url,
                       response.text[:2000])
    expected = list(status) if isinstance(status, (list, tuple)) else [status]
    if not any(code == want or str(want) == response.status or str(want) == str(code) for want in expected):
        raise AppError("Bad response: %s (not %s)\n%s", response.status, status if len(expected) > 1 else expected[0],
                       response.text[:2000])


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


# --- Django projects ---------------------------------------------------------------------------

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


def module_file(workspace: Path, dotted: str) -> str:
    """``mysite.settings`` as the workspace file it lives in (``mysite/settings.py``)."""
    base = Path(*dotted.split("."))
    package = Path(workspace) / base / "__init__.py"
    return (base / "__init__.py").as_posix() if package.is_file() else base.with_suffix(".py").as_posix()


def _learner_error(exc: BaseException, workspace: Path, file: str) -> LearnerCodeError:
    from sandbox.checker.explain import explain_import_error

    if isinstance(exc, LearnerCodeError):
        return exc
    message, where, line = explain_import_error(exc, workspace, file)
    error = LearnerCodeError(message, where, line)
    error.__cause__ = exc
    return error


FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"  # what Django advises for tests


class DjangoProject:
    """The learner's Django project, set up once in this process (Django cannot be set up twice).

    For checks (``for_checks``): every database the settings name is a temporary SQLite file, the
    learner's migrations are applied to it once, and each test gets a fresh copy of that migrated
    database (``fresh_database``). Requests get Django's own test set-up (``testserver`` is an
    allowed host, e-mail goes to ``django.core.mail.outbox``). For the preview (``for_preview``):
    the project as the learner wrote it, on their own database.
    """

    current: DjangoProject | None = None

    def __init__(self, workspace: Path, settings_module: str, app_file: str):
        self.workspace, self.settings_module, self.app_file = Path(workspace), settings_module, app_file
        self.settings_file = module_file(self.workspace, settings_module)
        self.folder: Path | None = None
        self.databases: dict[str, tuple[Path, Path]] = {}  # alias -> (the file in use, its migrated copy)
        self.used = False
        self.handler = None
        self.failure: LearnerCodeError | None = None

    # set-up
    @classmethod
    def for_checks(cls, workspace: Path, settings_module: str, app_file: str) -> DjangoProject:
        project = cls.current
        if project is None:
            project = cls.current = cls(workspace, settings_module, app_file)  # set up once, even when it fails
            project._set_up(for_checks=True)
        elif project.workspace != Path(workspace) or project.settings_module != settings_module:
            raise LearnerCodeError("The checks can only load one Django project at a time.", app_file)
        if project.failure is not None:
            raise project.failure
        return project

    @classmethod
    def for_preview(cls, workspace: Path, settings_module: str, app_file: str) -> DjangoProject:
        project = cls.current = cls(workspace, settings_module, app_file)
        project._set_up(for_checks=False)
        return project

    def _set_up(self, for_checks: bool) -> None:
        try:
            self._configure(for_checks)
        except (Exception, SystemExit) as exc:
            self.failure = _learner_error(exc, self.workspace, self.settings_file)
            raise self.failure from exc

    def _configure(self, for_checks: bool) -> None:
        os.environ["DJANGO_SETTINGS_MODULE"] = self.settings_module
        if importlib.util.find_spec("django") is None:
            raise MissingLibrary("This step's app is a Django project, and this pack's environment has no Django: "
                                 "the pack's author should add \"django\" to requirements in pack.toml.")
        import django
        from django.conf import settings

        if str(self.workspace) not in sys.path:
            sys.path.insert(0, str(self.workspace))
        settings.INSTALLED_APPS  # noqa: B018 - imports the learner's settings now, so their errors show here
        if for_checks:
            self._point_at_temporary_files(settings)
            # Hashing a password the secure way takes most of a second; a check's users are its own.
            settings.PASSWORD_HASHERS = [FAST_HASHER, *[h for h in settings.PASSWORD_HASHERS if h != FAST_HASHER]]
        django.setup()
        if for_checks:
            from django.test.utils import setup_test_environment

            setup_test_environment()  # testserver allowed, e-mail kept in django.core.mail.outbox
            self._migrate()

    def _point_at_temporary_files(self, settings) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="sandbox-django-"))
        atexit.register(shutil.rmtree, self.folder, True)
        databases = dict(getattr(settings, "DATABASES", None) or {}) or {"default": {}}
        redirected = {}
        for alias, options in databases.items():
            path = self.folder / f"{alias}.sqlite3"
            self.databases[alias] = (path, self.folder / f"{alias}.migrated.sqlite3")
            options = options if isinstance(options, dict) else {}
            redirected[alias] = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path),
                                 "ATOMIC_REQUESTS": bool(options.get("ATOMIC_REQUESTS", False)),
                                 "TEST": {"NAME": str(path)}}
        settings.DATABASES = redirected
        from django.db import connections
        from django.db.backends.signals import connection_created

        connections.__dict__.pop("settings", None)  # read again from the settings changed above
        connection_created.connect(_quick_sqlite, weak=False, dispatch_uid="sandbox-quick-sqlite")

    def _migrate(self) -> None:
        """Bring each temporary database to the learner's migrations, as ``manage.py migrate`` would.

        Running Django's own apps' twenty-odd migrations one by one takes most of a second, so their
        tables are made straight from their models (what those migrations end in) and recorded as
        applied; the learner's own migrations (and other libraries') then run for real, and the
        post-migrate handlers (content types, permissions) as ``migrate`` runs them."""
        from django.core.management.sql import emit_post_migrate_signal

        for alias in self.databases:
            try:
                self._make_library_tables(alias)
            except Exception:  # noqa: BLE001 - an unusual library: its migrations run one by one instead
                self._close_connections()
                self.databases[alias][0].unlink(missing_ok=True)
            try:
                plan = self._apply_learner_migrations(alias)
                emit_post_migrate_signal(verbosity=0, interactive=False, db=alias, plan=plan)
            except Exception as exc:  # the learner's migrations
                from sandbox.checker.explain import plain_error
                from sandbox.checker.learner import last_learner_frame

                file, line = last_learner_frame(exc.__traceback__, self.workspace)
                where = f" ({file}, line {line})" if file else ""
                raise LearnerCodeError(
                    f"Applying your migrations to a fresh database failed{where}: {plain_error(exc)}. Run python "
                    f"manage.py migrate in the terminal to see it; if a migration is wrong, delete it and run python "
                    f"manage.py makemigrations again.", file or self.app_file, line) from exc
        self._close_connections()
        for path, migrated in self.databases.values():
            if path.exists():
                shutil.copyfile(path, migrated)

    def _learner_apps(self) -> set[str]:
        from django.apps import apps

        root = str(self.workspace) + os.sep
        return {config.label for config in apps.get_app_configs() if str(config.path).startswith(root)}

    def _make_library_tables(self, alias: str) -> None:
        """The tables of Django's own apps (admin, auth, contenttypes, sessions...), from their models;
        other libraries' apps, which may have data migrations, migrate as the learner's do."""
        from django.apps import apps
        from django.db import connections, router
        from django.db.migrations.loader import MigrationLoader
        from django.db.migrations.recorder import MigrationRecorder

        connection = connections[alias]
        loader = MigrationLoader(connection)
        mine = self._learner_apps()
        libraries = {config.label for config in apps.get_app_configs() if config.name.startswith("django.contrib.")
                     and config.label in loader.migrated_apps and config.label not in mine}
        changed = True
        while changed:  # one that depends on a migration of another app (the admin on a custom user model) waits for it
            changed = False
            for app, name in loader.graph.nodes:
                if app in libraries and any(before[0] not in libraries
                                            for before in loader.graph.forwards_plan((app, name))):
                    libraries.discard(app)
                    changed = True
        models = [model for model in apps.get_models() if model._meta.app_label in libraries
                  and model._meta.managed and not model._meta.proxy and router.allow_migrate_model(alias, model)]
        with connection.schema_editor() as editor:
            for model in models:
                editor.create_model(model)  # with its many-to-many tables
        recorder = MigrationRecorder(connection)
        recorder.ensure_schema()
        recorder.migration_qs.bulk_create([recorder.Migration(app=app, name=name) for app, name in loader.graph.nodes
                                           if app in libraries])

    def _apply_learner_migrations(self, alias: str) -> list:
        from django.db import connections
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[alias])
        targets = executor.loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets)
        executor.migrate(targets, plan=plan)
        return plan

    def fresh_database(self) -> None:
        """Give the next test the freshly migrated database (the first test has it already)."""
        if not self.databases:
            return
        from django.core import mail

        mail.outbox = []
        if self.used:
            self._close_connections()
            for path, migrated in self.databases.values():
                if migrated.exists():
                    shutil.copyfile(migrated, path)
        self.used = True

    @staticmethod
    def _close_connections() -> None:
        from django.db import connections

        connections.close_all()

    # the app
    def wsgi_app(self, for_checks: bool = True):
        """The project's WSGI application (``WSGI_APPLICATION``, as ``runserver`` serves it), with static
        files served as ``runserver`` does while ``DEBUG`` is on."""
        from django.conf import settings

        if self.handler is None:
            try:
                if for_checks:
                    self.handler = _check_handler()
                else:
                    from django.core.servers.basehttp import (
                        get_internal_wsgi_application,
                    )

                    self.handler = get_internal_wsgi_application()
            except (Exception, SystemExit) as exc:
                raise _learner_error(exc, self.workspace, self.settings_file) from exc
        app = self.handler
        if settings.DEBUG and "django.contrib.staticfiles" in settings.INSTALLED_APPS:
            from django.contrib.staticfiles.handlers import StaticFilesHandler

            app = StaticFilesHandler(app)
        return app

    def asgi_app(self):
        from django.conf import settings
        from django.core.asgi import get_asgi_application

        app = get_asgi_application()
        if settings.DEBUG and "django.contrib.staticfiles" in settings.INSTALLED_APPS:
            from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

            app = ASGIStaticFilesHandler(app)
        return app

    def restart(self) -> None:
        """As when the learner's server restarts: connections closed, the learner's views, forms and
        URLconfs imported afresh (models, apps and admin stay: Django registers them once)."""
        from django.apps import apps
        from django.urls import clear_url_caches

        self._close_connections()
        kept = {self.settings_module, *(config.name for config in apps.get_app_configs())}
        from sandbox.checker.learner import learner_modules

        for module in learner_modules(self.workspace):
            name = module.__name__
            if name in kept or set(name.split(".")) & {"models", "apps", "admin", "migrations"}:
                continue
            sys.modules.pop(name, None)
        importlib.invalidate_caches()
        clear_url_caches()
        self.handler = None

    def owns(self, model) -> bool:
        file = getattr(sys.modules.get(model.__module__), "__file__", None) or ""
        return file.startswith(str(self.workspace) + os.sep)

    def pending_changes(self) -> list[str]:
        """The learner's model changes no migration holds yet, as ``blog: Create model Post``."""
        try:
            from django.apps import apps
            from django.db.migrations.autodetector import MigrationAutodetector
            from django.db.migrations.loader import MigrationLoader
            # The plain questioner answers without asking or logging; the non-interactive one calls a
            # log it was never given for an auto_now_add or NOT NULL field, the most common change.
            from django.db.migrations.questioner import MigrationQuestioner
            from django.db.migrations.state import ProjectState

            loader = MigrationLoader(None, ignore_no_migrations=True)
            learner_apps = [config.label for config in apps.get_app_configs()
                            if str(config.path).startswith(str(self.workspace) + os.sep)]
            detector = MigrationAutodetector(loader.project_state(), ProjectState.from_apps(apps),
                                             MigrationQuestioner(specified_apps=set(learner_apps), dry_run=True))
            changes = detector.changes(graph=loader.graph, trim_to_apps=set(learner_apps) or None)
        except Exception:  # noqa: BLE001 - only an explanation: never a new failure
            return []
        return [f"{label}: {operation.describe()}" for label, migrations in changes.items() if label in learner_apps
                for migration in migrations for operation in migration.operations]


def _quick_sqlite(sender, connection, **kwargs) -> None:
    """The checks' temporary databases need no crash safety: skipping the disk syncs makes migrating fast."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA journal_mode = MEMORY")


def _check_handler():
    """Django's WSGI handler as its own test client sets it up: CSRF is not enforced (unless a request's
    environ says ``django.enforce_csrf_checks``), and an exception in a view reaches the check."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import got_request_exception

    class CheckHandler(WSGIHandler):
        def __init__(self):
            super().__init__()
            self.errors = threading.local()
            got_request_exception.connect(self._store, weak=False, dispatch_uid=f"sandbox-{id(self)}")

        def _store(self, sender, request=None, **kwargs):
            self.errors.exc = sys.exc_info()[1]

        def get_response(self, request):
            request._dont_enforce_csrf_checks = not request.META.get("django.enforce_csrf_checks", False)
            return super().get_response(request)

        def __call__(self, environ, start_response):
            self.errors.exc = None
            response = super().__call__(environ, start_response)
            error, self.errors.exc = self.errors.exc, None
            if error is not None:
                if hasattr(response, "close"):
                    response.close()
                raise error
            return response

    return CheckHandler()


class DjangoDatabase:
    """The ``db`` fixture for a Django project: ``db.Post`` (or ``db["Post"]``, ``db["blog.Post"]``) is a
    model class of the learner's apps (then of Django's own, like ``db.User``), ``db.database`` the
    connection, on the check's fresh migrated database."""

    in_memory = False

    def __init__(self, project: DjangoProject):
        self.project = project
        self.models: dict[str, type] = {}
        self.reload()

    def reload(self) -> None:
        from django.apps import apps

        found: dict[str, type] = {}
        everything = apps.get_models(include_auto_created=True)
        for model in sorted(everything, key=lambda m: not self.project.owns(m)):  # the learner's first
            found.setdefault(model.__name__, model)
            found.setdefault(f"{model._meta.app_label}.{model.__name__}", model)
        self.models = found

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name):
        models = self.__dict__.get("models", {})
        if name in models:
            return models[name]
        raise LearnerCodeError(
            f"There is no model named {name} yet: the check looked in the apps that INSTALLED_APPS lists in "
            f"{self.project.settings_file} for a class {name.split('.')[-1]}(models.Model):. Add it to an app's "
            f"models.py, and the app to INSTALLED_APPS.", self.project.settings_file)

    @property
    def database(self):
        from django.db import connection

        return connection

    @property
    def databases(self) -> list:
        from django.db import connections

        return [connections[alias] for alias in connections]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            DjangoProject._close_connections()


DATABASE_MISSING_PIECE = re.compile(r"no such table|no such column|has no column named", re.IGNORECASE)


def django_failure_note(exc: BaseException) -> str | None:
    """Why a Django check failed on a missing table or column: models changed after the last migration."""
    project = DjangoProject.current
    text = f"{exc} {exc.__cause__ or ''} {exc.__context__ or ''}"
    if project is None or not project.databases or not DATABASE_MISSING_PIECE.search(text):
        return None
    pending = project.pending_changes()
    if not pending:
        return None
    shown = "; ".join(pending[:3]) + ("..." if len(pending) > 3 else "")
    return (f"Your models changed since your last migration ({shown}), so the database has no place for "
            f"that yet: run python manage.py makemigrations in the terminal (then python manage.py migrate), "
            f"and check again.")


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

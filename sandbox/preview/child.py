"""The preview child's main: serve the learner's app, recording every request.

A WSGI app (Bottle, Flask, a Django project...) is served by Waitress, an ASGI app (FastAPI,
Starlette...) by uvicorn from the pack's own libraries (``--path``, first on sys.path). Started by
``sandbox.preview`` with a clean environment, a listening socket and a records pipe inherited as
file descriptors. It never imports the sandbox's services: only bottle, peewee, waitress and the
checker's limits, all before the workspace is on sys.path.
"""

from __future__ import annotations

import argparse
import contextlib
import contextvars
import importlib.util
import json
import logging
import os
import re
import signal
import socket
import sqlite3
import sys
import threading
import time
import traceback
from html import escape
from pathlib import Path

# Imported before any learner folder is on sys.path, so a learner's bottle.py cannot replace them.
import bottle
import peewee
import waitress

from sandbox.checker import explain, frameworks, limits
from sandbox.checker.learner import error_location, find_app, no_app_message

MAX_QUERIES = 100  # per request, so a query in a loop cannot flood the inspector
MAX_SQL_CHARS = 2000
PARENT_POLL_SECONDS = 0.2


class Recorder:
    """Collects what one request did (queries, templates) and writes one JSON line per request."""

    def __init__(self, fd: int):
        self.fd = fd
        self.lock = threading.Lock()
        self.local = threading.local()
        # The request being served: a context variable, so an ASGI app's sync endpoints (run in a
        # thread pool, which copies the context) note their queries on the right record too.
        self._record: contextvars.ContextVar[dict | None] = contextvars.ContextVar("record", default=None)

    def emit(self, event: dict) -> None:
        data = (json.dumps(event, default=repr) + "\n").encode()
        with self.lock:
            try:
                os.write(self.fd, data)
            except OSError:
                pass  # the sandbox is gone; the parent watch will end us

    @property
    def current(self) -> dict | None:
        return self._record.get()

    def note_query(self, sql, params, started: float, elapsed: float, error: str | None = None) -> None:
        record = self.current
        if record is None or len(record["queries"]) >= MAX_QUERIES:
            return
        record["queries"].append({
            "sql": str(sql)[:MAX_SQL_CHARS], "params": [_plain(p) for p in (params or ())],
            "at_ms": round((started - record["_t0"]) * 1000, 2), "ms": round(elapsed * 1000, 2), "error": error,
        })

    def note_template(self, name: str, started: float, elapsed: float) -> None:
        record = self.current
        if record is not None:
            record["templates"].append({"name": name, "at_ms": round((started - record["_t0"]) * 1000, 2),
                                        "ms": round(elapsed * 1000, 2)})

    def wrap(self, app):
        """The learner's WSGI app, unchanged, but observed."""

        def recorded(environ, start_response):
            started = time.perf_counter()
            record = {"method": environ.get("REQUEST_METHOD", "GET"), "path": environ.get("PATH_INFO", "/"),
                      "query": environ.get("QUERY_STRING", ""), "status": None, "content_type": "",
                      "queries": [], "templates": [], "started_at": time.time(), "_t0": started}
            self._record.set(record)

            def observe(status, headers, exc_info=None):
                record["status"] = int(str(status).split(" ", 1)[0] or 0)
                record["content_type"] = next((v for k, v in headers if k.lower() == "content-type"), "")
                return start_response(status, headers, exc_info)

            try:
                body = app(environ, observe)
            except BaseException:
                record["status"] = 500
                self.finish(record)
                raise
            return _Closing(body, lambda: self.finish(record))

        return recorded

    def wrap_asgi(self, app):
        """The learner's ASGI app, unchanged, but observed: the same records as ``wrap`` writes."""

        async def recorded(scope, receive, send):
            if scope.get("type") != "http":  # lifespan, websockets
                return await app(scope, receive, send)
            started = time.perf_counter()
            record = {"method": scope.get("method", "GET"),
                      # as WSGI's PATH_INFO holds it (UTF-8 bytes read as Latin-1), which shown_path decodes
                      "path": str(scope.get("path") or "/").encode("utf-8", "surrogateescape").decode("latin-1"),
                      "query": bytes(scope.get("query_string") or b"").decode("latin-1"), "status": None,
                      "content_type": "", "queries": [], "templates": [], "started_at": time.time(), "_t0": started}
            token = self._record.set(record)

            async def observe(message):
                if message.get("type") == "http.response.start":
                    record["status"] = int(message.get("status") or 0)
                    record["content_type"] = next((bytes(v).decode("latin-1") for k, v in message.get("headers") or ()
                                                   if bytes(k).lower() == b"content-type"), "")
                await send(message)

            try:
                await app(scope, receive, observe)
            except BaseException:
                record["status"] = record["status"] or 500
                raise
            finally:
                self._record.reset(token)
                self.finish(record)

        return recorded

    def finish(self, record: dict) -> None:
        if self._record.get() is record:
            self._record.set(None)
        record["duration_ms"] = round((time.perf_counter() - record.pop("_t0")) * 1000, 2)
        self.emit({"event": "request", "request": record})


class _Closing:
    """Iterates the learner's response body; the request ends when the server closes it."""

    def __init__(self, body, on_close):
        self.body, self.on_close = body, on_close

    def __iter__(self):
        return iter(self.body)

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.on_close()


def _plain(value):
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)[:200]


def hook_peewee(recorder: Recorder) -> None:
    """Time every query any peewee Database runs, whatever the learner's code looks like."""
    classes = [c for c in vars(peewee).values() if isinstance(c, type) and issubclass(c, peewee.Database)]
    for cls in classes:
        if "execute_sql" in vars(cls):
            cls.execute_sql = _timed_query(vars(cls)["execute_sql"], recorder)


def _timed_query(original, recorder):
    def execute_sql(self, sql, params=None, *args, **kwargs):
        started = time.perf_counter()
        recorder.local.in_peewee = True
        try:
            result = original(self, sql, params, *args, **kwargs)
        except Exception as exc:
            recorder.note_query(sql, params, started, time.perf_counter() - started, error=str(exc))
            raise
        finally:
            recorder.local.in_peewee = False
        recorder.note_query(sql, params, started, time.perf_counter() - started)
        return result

    return execute_sql


def hook_sqlite3(recorder: Recorder) -> None:
    """Record the SQL of apps that use the sqlite3 module directly (as the Bottle tutorial's todo app
    does, and Django's and SQLAlchemy's SQLite backends): every connection gets a trace callback.
    Statements Peewee runs are recorded by its own hook, with their parameters and times, so they
    are not counted twice."""
    original = sqlite3.connect

    def connect(*args, **kwargs):
        connection = original(*args, **kwargs)

        def trace(statement):
            if not getattr(recorder.local, "in_peewee", False):
                now = time.perf_counter()
                recorder.note_query(statement, (), now, 0.0)

        connection.set_trace_callback(trace)
        return connection

    sqlite3.connect = connect
    sqlite3.dbapi2.connect = connect  # what Django's backend calls


def hook_templates(recorder: Recorder) -> None:
    """Learn which template a request rendered (top-level renders only; includes run inside them)."""
    for cls in (bottle.SimpleTemplate, bottle.Jinja2Template, bottle.MakoTemplate, bottle.CheetahTemplate):
        cls.render = _timed_render(vars(cls)["render"], recorder)


def hook_framework_templates(recorder: Recorder) -> None:
    """Jinja2's templates (Flask, Starlette, FastAPI) and Django's, once the learner's app imported them."""
    if "jinja2" in sys.modules:
        template = sys.modules["jinja2"].Template
        template.render = _timed_render(vars(template)["render"], recorder, _jinja2_name)
    if "django.template" in sys.modules:
        with contextlib.suppress(Exception):  # a project whose settings name no template engine
            import django.template.backends.django as backend

            backend.Template.render = _timed_render(vars(backend.Template)["render"], recorder, _django_name)


def _bottle_name(template) -> str:
    name = template.name or (Path(template.filename).name if template.filename else "(inline template)")
    return "(Bottle's own error page)" if str(name).startswith("__") or "\n" in str(name) else str(name)


def _jinja2_name(template) -> str:
    return str(template.name or "(inline template)")


def _django_name(template) -> str:
    inner = getattr(template, "template", None)
    origin = getattr(inner, "origin", None)
    return str(getattr(origin, "template_name", None) or getattr(inner, "name", None) or "(inline template)")


def _timed_render(original, recorder, name_of=_bottle_name):
    def render(self, *args, **kwargs):
        if getattr(recorder.local, "rendering", False):  # Bottle's Jinja2Template renders Jinja2's: one record
            return original(self, *args, **kwargs)
        started = time.perf_counter()
        recorder.local.rendering = True
        try:
            return original(self, *args, **kwargs)
        finally:
            recorder.local.rendering = False
            recorder.note_template(name_of(self), started, time.perf_counter() - started)

    return render


def watch_parent(parent: int, lifeline: int = -1) -> None:
    """Exit as soon as the sandbox is gone, even if it was killed hard (PR_SET_PDEATHSIG backs this up).
    ``lifeline``: a pipe only the sandbox writes to (in a bubblewrap sandbox): its end is the sandbox's."""

    def poll():
        while lifeline >= 0 and os.read(lifeline, 1024):
            pass
        for _ in range(2 if lifeline >= 0 else 0):  # only in a sandbox's own PID namespace: what the app started too
            with contextlib.suppress(OSError):  # nothing else there
                os.kill(-1, signal.SIGKILL)
            time.sleep(PARENT_POLL_SECONDS)
        while lifeline < 0 and os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(0)

    threading.Thread(target=poll, name="parent-watch", daemon=True).start()


SANDBOX_CODE = str(Path(__file__).resolve().parent.parent) + os.sep


def learner_traceback(exc: BaseException) -> str:
    """The traceback as the learner should read it: the preview's own frames left out."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
              if not os.path.abspath(frame.filename).startswith(SANDBOX_CODE)]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)] if frames else []
    return "".join(lines + traceback.format_exception_only(exc))


def describe_import_error(exc: BaseException, workspace: Path, app_file: str = "app.py") -> dict:
    """The learner's error in the same words a check uses (``sandbox.checker.explain``)."""
    file, line = error_location(exc, workspace)
    message, file, line = explain.explain_import_error(exc, workspace, file or app_file)
    note = explain.shadowing_note(workspace)
    return {"message": f"{note} {message}" if note else message, "file": file, "line": line,
            "traceback": explain.trim_sql(learner_traceback(exc))[-8000:]}


def tell_what_the_source_shows(workspace: Path) -> None:
    """Say in the console what will surprise the learner though the app starts: a file named like a
    library (the sandbox uses the real one), a route that cannot answer because of its indentation."""
    notes = [explain.shadowing_note(workspace)]
    for site in explain.sources.route_sites(workspace):
        if site.enclosing or not site.rule.startswith("/"):
            notes.append(explain.not_found_explanation(workspace, [_a_path_for(site.rule)]))
    for note in dict.fromkeys(n for n in notes if n):
        print(f"(Note: {note})", file=sys.stderr, flush=True)


def _a_path_for(rule: str) -> str:
    """A path the rule would answer, for explaining why it does not: wildcards filled with "x"."""
    path = re.sub(r"<[^>]*>", "x", rule)
    return path if path.startswith("/") else "/" + path


def error_app(problem: dict):
    """What the preview frame shows when the learner's app cannot start: the error, where it is."""
    where = f" in {problem['file']}, line {problem['line']}" if problem.get("file") else ""
    body = (
        "<!doctype html><meta charset=utf-8><title>Your app could not start</title>"
        "<style>body{font:15px/1.5 system-ui,sans-serif;margin:1.5rem;color:#222}pre{background:#f4f4f4;"
        "padding:.8rem;overflow:auto}</style>"
        f"<h1>Your app could not start{escape(where)}</h1><p><strong>{escape(problem['message'])}</strong></p>"
        f"<pre>{escape(problem.get('traceback', ''))}</pre><p>Fix it and save: the preview restarts by itself.</p>"
    ).encode()

    def wsgi(environ, start_response):
        start_response("500 Internal Server Error", [("Content-Type", "text/html; charset=utf-8"),
                                                      ("Content-Length", str(len(body)))])
        return [body]

    return wsgi


def repoint_packages(before: list[str], after: list[str]) -> None:
    """Let packages imported before the drop to `nobody` (encodings, email, urllib...) still load
    their submodules: their __path__ is moved onto the /proc/self/fd paths sys.path now uses."""
    moves = [(old, new) for old, new in zip(before, after) if old and old != new]
    for module in list(sys.modules.values()):
        path = getattr(module, "__path__", None)
        if not isinstance(path, list):
            continue
        for i, entry in enumerate(path):
            for old, new in moves:
                if entry == old or entry.startswith(old + os.sep):
                    path[i] = new + entry[len(old):]
                    break


def _skip_run(*args, **kwargs):
    print("(The preview skipped run() in your app: it serves your app itself. Put run(...) under "
          "if __name__ == '__main__': so the file also works when it is imported.)", flush=True)


def _skip_server(*args, **kwargs):
    print("(The preview skipped the server your app starts when it is imported (serve(), run() or serve_forever()): "
          "it serves your app itself. Put that line under if __name__ == '__main__': so the file also works "
          "when it is imported.)", flush=True)


def _skip(module: str, attribute: str) -> None:
    (_skip_run if module == "bottle" else _skip_server)()


# Skipped for good, as before: the preview never needs them. Waitress and uvicorn are the preview's
# own again after the import.
KEEP_SKIPPED = {("bottle", "run"), ("bottle", "Bottle.run"), ("socketserver", "BaseServer.serve_forever"),
                ("flask.app", "Flask.run"), ("werkzeug.serving", "run_simple")}


def load_learner_app(workspace: Path, app_file: str):
    """The learner's app: WSGI or ASGI, or their Django project's (on their own database)."""
    os.chdir(workspace)
    sys.path.insert(0, str(workspace))
    bottle.TEMPLATE_PATH.insert(0, str(workspace / "views") + os.sep)
    # A learner's bare run(), app.run(...), uvicorn.run(app), waitress.serve(app), create_server(app).run()
    # or wsgiref's make_server(...).serve_forever() at import time would serve on the wrong port forever.
    guard = frameworks.ServerGuard(_skip, keep_closed=KEEP_SKIPPED)
    try:
        settings_module = frameworks.django_settings_module(workspace, app_file)
        if settings_module:
            project = frameworks.DjangoProject.for_preview(workspace, settings_module, app_file)
            tell_about_migrations()
            return project.asgi_app() if Path(app_file).name == "asgi.py" else project.wsgi_app(for_checks=False)
        app = find_app(__import__(Path(app_file).stem))
    finally:
        guard.close()
    if app is None:
        raise LookupError(no_app_message(app_file, workspace))
    return app


def tell_about_migrations() -> None:
    """Say in the console, as Django's runserver does, when the database lacks migrations the project has."""
    with contextlib.suppress(Exception):  # only a note: the app starts all the same
        from django.db import DEFAULT_DB_ALIAS, connections
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            apps = sorted({migration.app_label for migration, _ in plan})
            print(f"(Note: your database lacks {len(plan)} migration(s) of {', '.join(apps)}, so pages that use "
                  f"those tables will fail: run python manage.py migrate in the terminal.)", file=sys.stderr,
                  flush=True)


HTMX_BUNDLE = Path(__file__).resolve().parent.parent / "static" / "build" / "htmx.js"
HTMX_PATH = "/static/htmx.min.js"


def lend_htmx(app, folder: Path, bundle: bytes | None):
    """Serve the sandbox's own htmx at /static/htmx.min.js while the learner's folder has none.

    Lessons load htmx from there; on a real site the learner adds the file themselves.
    """
    if bundle is None:
        return app

    if frameworks.is_asgi(app):
        async def asgi(scope, receive, send):
            if (scope.get("type") == "http" and scope.get("path") == HTMX_PATH
                    and not (folder / "static" / "htmx.min.js").is_file()):
                await send({"type": "http.response.start", "status": 200, "headers": [
                    (b"content-type", b"text/javascript; charset=utf-8"), (b"content-length", str(len(bundle)).encode())]})
                await send({"type": "http.response.body", "body": bundle})
                return
            await app(scope, receive, send)

        return asgi

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == HTMX_PATH and not (folder / "static" / "htmx.min.js").is_file():
            start_response("200 OK", [("Content-Type", "text/javascript; charset=utf-8"),
                                      ("Content-Length", str(len(bundle)))])
            return [bundle]
        return app(environ, start_response)

    return wsgi


NO_UVICORN = ("Your app is an ASGI app (FastAPI, Starlette...), which the preview serves with uvicorn, and this "
              "pack's environment does not have it: the pack's author should add \"uvicorn\" to requirements in "
              "pack.toml.")


def serve_asgi(app, listener: socket.socket) -> None:
    """Serve an ASGI app with uvicorn on the socket the sandbox handed us."""
    import uvicorn

    config = uvicorn.Config(app, interface="asgi3", lifespan="auto", loop="asyncio", log_level="warning",
                            access_log=False, server_header=False, timeout_graceful_shutdown=1)
    uvicorn.Server(config).run(sockets=[listener])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--app", default="app.py")
    parser.add_argument("--socket-fd", type=int, required=True)
    parser.add_argument("--records-fd", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--drop-to", default="")  # uid:gid when the sandbox runs as root
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--lifeline-fd", type=int, default=-1)
    parser.add_argument("--path", action="append", default=[])  # a pack's libraries: BOOT put them on sys.path
    args = parser.parse_args(argv)
    owner = tuple(int(x) for x in args.drop_to.split(":")) if args.drop_to else None
    workspace = Path(args.workspace).resolve()
    # As `nobody`, the path to the workspace may not be traversable (a data dir under /root);
    # a descriptor opened now stays usable through /proc/self/fd.
    folder_fd = os.open(workspace, os.O_RDONLY | os.O_DIRECTORY) if owner else None
    before = list(sys.path)
    htmx = HTMX_BUNDLE.read_bytes() if HTMX_BUNDLE.is_file() else None  # read while still readable
    limits.enter_limits(owner, args.memory_mb)  # includes PR_SET_PDEATHSIG, after any uid change
    if owner:
        repoint_packages(before, sys.path)
    if os.getppid() != args.parent:
        os._exit(0)  # the sandbox died before the death signal was armed
    watch_parent(args.parent, args.lifeline_fd)
    folder = workspace if os.access(workspace, os.R_OK | os.X_OK) else Path(f"/proc/self/fd/{folder_fd}")
    recorder = Recorder(args.records_fd)
    hook_peewee(recorder)
    hook_sqlite3(recorder)
    hook_templates(recorder)
    explain.read_templates_kindly()
    try:
        app = lend_htmx(load_learner_app(folder, args.app), folder, htmx)
        hook_framework_templates(recorder)
        if frameworks.is_asgi(app):
            if importlib.util.find_spec("uvicorn") is None:
                raise LookupError(NO_UVICORN)
            app = recorder.wrap_asgi(app)
        else:
            app = recorder.wrap(app)
        recorder.emit({"event": "ready"})
        tell_what_the_source_shows(folder)
    except (Exception, SystemExit) as exc:
        problem = describe_import_error(exc, folder, args.app)
        if isinstance(exc, LookupError):
            problem.update(message=str(exc), file=args.app, line=None, traceback="")
        print(problem["traceback"], problem["message"], sep="\n" if problem["traceback"] else "",
              file=sys.stderr, flush=True)
        recorder.emit({"event": "import_error", **problem})
        app = recorder.wrap(error_app(problem))  # the inspector sees these requests too
    listener = socket.socket(fileno=args.socket_fd)
    sys.stdout.flush()
    if frameworks.is_asgi(app):
        serve_asgi(app, listener)
        return
    # Waitress warns "Task queue depth is N" when a browser opens more connections than it has
    # threads; in the learner's console that reads like their app's fault, so it stays quiet.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    waitress.serve(app, sockets=[listener], threads=4, ident="preview", _quiet=True)


if __name__ == "__main__":
    main()

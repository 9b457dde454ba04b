"""What the preview records of each request the learner's app answers: one JSON line per request.

``Recorder`` writes, for each request, its method, path, status and content type, the SQL it ran and the
templates it rendered, to the records pipe the sandbox reads (the request inspector). ``wrap`` observes
a WSGI app, ``wrap_asgi`` an ASGI app. The hooks time what the learner's code does: Peewee's queries,
the sqlite3 module's statements (Django's and SQLAlchemy's SQLite backends too), Bottle's templates,
and Jinja2's and Django's once the learner's app imported them.

Imported by the preview child before any learner folder is on sys.path.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

import bottle
import peewee

MAX_QUERIES = 100  # per request, so a query in a loop cannot flood the inspector
MAX_SQL_CHARS = 2000


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

            framed = environ.get("HTTP_SEC_FETCH_DEST") == "iframe"

            def observe(status, headers, exc_info=None):
                record["status"] = int(str(status).split(" ", 1)[0] or 0)
                record["content_type"] = next((v for k, v in headers if k.lower() == "content-type"), "")
                return start_response(status, framable(headers) if framed else headers, exc_info)

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
            framed = any(bytes(k).lower() == b"sec-fetch-dest" and bytes(v) == b"iframe" for k, v in scope.get("headers") or ())

            async def observe(message):
                if message.get("type") == "http.response.start":
                    record["status"] = int(message.get("status") or 0)
                    record["content_type"] = next((bytes(v).decode("latin-1") for k, v in message.get("headers") or ()
                                                   if bytes(k).lower() == b"content-type"), "")
                    if framed:
                        pairs = framable([(bytes(k).decode("latin-1"), bytes(v).decode("latin-1"))
                                          for k, v in message.get("headers") or ()])
                        message = {**message, "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]}
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


def framable(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` without what forbids the sandbox's preview pane to show the page in its frame.

    Only for a request the browser makes for a frame (``Sec-Fetch-Dest: iframe``, W3C Fetch Metadata):
    ``X-Frame-Options`` (RFC 7034) is dropped and a Content-Security-Policy loses its
    ``frame-ancestors`` directive (CSP Level 2). Django sends ``X-Frame-Options: DENY`` by default, and
    the course's security lessons add both; opened on its own, the app still sends them as written.
    """
    kept = []
    for name, value in headers:
        lower = name.lower()
        if lower == "x-frame-options":
            continue
        if lower == "content-security-policy":
            value = "; ".join(d.strip() for d in value.split(";")
                              if d.strip() and not d.strip().lower().startswith("frame-ancestors"))
            if not value:
                continue
        kept.append((name, value))
    return kept


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

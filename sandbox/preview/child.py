"""The preview child's main: serve the learner's app, recording every request.

Here: the arguments, the limits and the drop to ``nobody``, loading the learner's app (the page shown
when it cannot start), and serving a WSGI app (Bottle, Flask, a Django project...) with Waitress. An
ASGI app (FastAPI, Starlette...) is served by uvicorn from the pack's own libraries (``--path``, first
on sys.path) and a Django project set up by ``sandbox.preview.serving``; what each request did is
recorded by ``sandbox.preview.recorder``. Started by ``sandbox.preview`` with a clean environment, a
listening socket and a records pipe inherited as file descriptors. It never imports the sandbox's
services: only bottle, peewee, waitress and the checker's limits, all before the workspace is on sys.path.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
from html import escape
from pathlib import Path

# Imported before any learner folder is on sys.path, so a learner's bottle.py cannot replace them.
import bottle
import waitress

from sandbox.checker import explain, frameworks, limits
from sandbox.checker.learner import error_location, find_app, no_app_message
from sandbox.preview.recorder import (
    Recorder,
    hook_framework_templates,
    hook_peewee,
    hook_sqlite3,
    hook_templates,
)
from sandbox.preview.serving import django_app, need_uvicorn, serve_asgi

PARENT_POLL_SECONDS = 0.2


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
            return django_app(workspace, settings_module, app_file)
        app = find_app(__import__(Path(app_file).stem))
    finally:
        guard.close()
    if app is None:
        raise LookupError(no_app_message(app_file, workspace))
    return app


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
            need_uvicorn()
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

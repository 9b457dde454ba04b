"""The learner's code as the check child and the preview child meet it: which web app a module
makes (WSGI or ASGI, whatever the framework), and where in the learner's own files a traceback points.

Both children import this before any workspace is on sys.path, so it only needs bottle.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from pathlib import Path

import bottle

TRACEBACK_FILE = re.compile(r'File "([^"]+)", line (\d+)')


def find_app(module):
    """The web app ``module`` makes: ``app``, else ``application`` (a WSGI or an ASGI callable, from
    any framework), else Bottle's default app when it has routes (module-level ``@route``); None
    when there is none."""
    for name in ("app", "application"):
        found = getattr(module, name, None)
        if isinstance(found, bottle.AppStack):  # `from bottle import app`
            return found()
        if callable(found) and not inspect.ismodule(found) and not inspect.isclass(found):
            return found
    default = bottle.default_app()
    return default if default.routes else None


find_wsgi_app = find_app  # the name it had when only WSGI apps were found

# How the app is made, by the library the app file imports (the first one named wins).
MAKING_AN_APP = (
    ("fastapi", "create one with app = FastAPI()"),
    ("flask", "create one with app = Flask(__name__)"),
    ("starlette", "create one with app = Starlette(routes=[...])"),
    ("falcon", "create one with app = falcon.App()"),
    ("quart", "create one with app = Quart(__name__)"),
    ("pyramid", "make one with app = config.make_wsgi_app()"),
)
IMPORTED = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][\w]*)", re.MULTILINE)


def no_app_message(app_file: str, workspace: Path | None = None) -> str:
    """What to tell a learner whose app file makes no web app yet, in the words of the framework it imports."""
    how = "create one with app = Bottle() (or add routes with @route)"
    try:
        text = (Path(workspace) / app_file).read_text(encoding="utf-8", errors="replace") if workspace else ""
    except OSError:
        text = ""
    imported = {name.lower() for name in IMPORTED.findall(text)}
    found = next((advice for library, advice in MAKING_AN_APP if library in imported), None)
    if found and "bottle" not in imported:
        how = f"{found} (the app is the variable named app, or application)"
    return f"{app_file} does not make a web app yet: {how}."


def relative(filename: str, workspace: Path) -> str | None:
    """``filename`` as a posix path inside ``workspace``, or None when it lies outside."""
    try:
        return Path(filename).resolve().relative_to(Path(workspace).resolve()).as_posix()
    except (ValueError, OSError):
        return None


def last_learner_frame(tb, workspace: Path) -> tuple[str | None, int | None]:
    """(file, line) of the innermost traceback frame inside ``workspace``; (None, None) when none is."""
    found = (None, None)
    while tb is not None:
        file = relative(tb.tb_frame.f_code.co_filename, workspace)
        if file:
            found = (file, tb.tb_lineno)
        tb = tb.tb_next
    return found


def error_location(exc: BaseException, workspace: Path) -> tuple[str | None, int | None]:
    """Where the learner should look for ``exc``: a SyntaxError's own position, else the innermost
    frame of its traceback inside ``workspace``."""
    if isinstance(exc, SyntaxError) and exc.filename and relative(exc.filename, workspace):
        return relative(exc.filename, workspace), exc.lineno
    return last_learner_frame(exc.__traceback__, workspace)


def location_in_output(output: str, workspace: Path) -> tuple[str | None, int | None]:
    """(file, line) of the last learner frame in a traceback printed by a process that crashed."""
    found = (None, None)
    for match in TRACEBACK_FILE.finditer(output):
        rel = relative(match.group(1), workspace)
        if rel:
            found = (rel, int(match.group(2)))
    return found


def learner_modules(workspace: Path) -> list:
    root = str(workspace) + os.sep
    return [m for m in list(sys.modules.values()) if (getattr(m, "__file__", None) or "").startswith(root)]


def purge_learner_modules(workspace: Path, names=()) -> None:
    """Forget modules imported from the workspace, so the learner's latest files are read."""
    import importlib

    for module in learner_modules(workspace):
        sys.modules.pop(module.__name__, None)
    for name in ("app", "models", *names):
        sys.modules.pop(name, None)
    importlib.invalidate_caches()

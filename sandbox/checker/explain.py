"""Plain words for what went wrong in the learner's code: the sentence a failed check or a preview
that cannot start shows, naming the real cause (a missing import, a misspelt name or keyword, a
route indented into another function, a package the sandbox lacks, a file in another encoding...).

Shared by the check child (through the pytest plugin) and the preview child. Both import it before
any workspace is on sys.path, so only the standard library and bottle are imported at the top;
pytest, webtest and peewee are imported where a check needs them.
"""

from __future__ import annotations

import builtins
import difflib
import errno
import importlib
import importlib.util
import keyword
import linecache
import os
import re
import sys
import traceback
from pathlib import Path

import bottle

from sandbox.checker import sources
from sandbox.checker.learner import last_learner_frame, relative
from sandbox.errors import LearnerCodeError
from sandbox.work import encoding as encodings

# Where a missing name is looked for, in this order; the first library that has it is named.
LIBRARIES = ("bottle", "peewee", "playhouse.migrate", "playhouse.shortcuts", "datetime", "functools",
             "pathlib", "html", "urllib.parse", "secrets", "hmac", "hashlib", "json", "os", "re", "time",
             "uuid", "waitress", "collections", "math", "random", "sqlite3")
# Modules a learner imports whole (``import json``); a missing one is named with ``import``.
MODULES = {"os", "sys", "json", "re", "secrets", "hmac", "hashlib", "datetime", "time", "sqlite3", "html",
           "uuid", "math", "random", "pathlib", "functools", "base64", "csv", "logging", "bottle", "peewee",
           "waitress", "itertools", "collections", "textwrap", "urllib", "shutil", "tempfile", "decimal"}
# Real packages a web course meets that the sandbox does not install (import name: what it is).
NOT_INSTALLED = {
    "flask": "Flask", "django": "Django", "fastapi": "FastAPI", "starlette": "Starlette",
    "uvicorn": "Uvicorn", "gunicorn": "Gunicorn", "requests": "Requests", "httpx": "HTTPX",
    "aiohttp": "aiohttp", "jinja2": "Jinja2", "mako": "Mako", "sqlalchemy": "SQLAlchemy",
    "flask_sqlalchemy": "Flask-SQLAlchemy", "pydantic": "Pydantic", "werkzeug": "Werkzeug",
    "tornado": "Tornado", "pyramid": "Pyramid", "falcon": "Falcon", "sanic": "Sanic", "cherrypy": "CherryPy",
    "markdown": "Markdown", "bleach": "Bleach", "bs4": "Beautiful Soup", "lxml": "lxml", "yaml": "PyYAML",
    "dotenv": "python-dotenv", "jwt": "PyJWT", "bcrypt": "bcrypt", "argon2": "argon2-cffi",
    "passlib": "Passlib", "itsdangerous": "itsdangerous", "wtforms": "WTForms", "psycopg2": "psycopg2",
    "psycopg": "psycopg", "pymysql": "PyMySQL", "redis": "redis", "celery": "Celery", "numpy": "NumPy",
    "pandas": "pandas", "PIL": "Pillow", "pymongo": "PyMongo", "marshmallow": "marshmallow",
}
# Libraries the sandbox imports before the learner's folder is on sys.path: a learner's file with
# one of these names is never used.
SANDBOX_LIBRARIES = ("bottle", "peewee", "playhouse", "waitress", "webtest", "webob", "pytest", "_pytest", "pluggy")
ROUTE_RULE_TEXT = re.compile(r"^Bad response: (\d{3})")
SQL_DUMP = re.compile(r"(?::\s*)?\s*SQL:\s.*?(?:\s*Params:\s*\[.*?\])?(?=\.?\s*$|\.\s|\n\S)", re.DOTALL)
RESPONSES: list[dict] = []  # requests the current check made (path and status), for 404 explanations


class TemplateEncodingError(UnicodeError):
    """A template file another editor saved in another encoding (or that is not text at all)."""


def workspace_location(file, line) -> str:
    if not file:
        return ""
    return f"{file} line {line}" if line else file


# --- the learner's code failing to load ---------------------------------------------------


def explain_import_error(exc: BaseException, workspace: Path, filename: str):
    """(message, file, line) for an exception raised while importing a learner file."""
    if isinstance(exc, SyntaxError) and exc.filename:
        file = relative(exc.filename, workspace) or filename
        return explain_syntax_error(exc, workspace, file), file, exc.lineno
    file, line = last_learner_frame(exc.__traceback__, workspace)
    file = file or filename
    return explain_exception(exc, workspace, file, line), file, line


def explain_syntax_error(exc: SyntaxError, workspace: Path, file: str) -> str:
    where = workspace_location(file, exc.lineno)
    text, encoding = encodings.read_text(Path(workspace) / file)
    if text is not None and not encodings.is_utf8(encoding):
        return encodings.not_utf8_sentence(file, encoding)
    line = exc.text if exc.text is not None else linecache.getline(str(Path(workspace) / file), exc.lineno or 0)
    slip = misspelt_keyword(line or "")
    if slip:
        return f"{where}: {slip[0]} is not a Python word; did you mean {slip[1]}?"
    if isinstance(exc, IndentationError):
        return f"{where}: the indentation is off here ({exc.msg}). Line up the spaces at the start of the line."
    if exc.msg.startswith("invalid syntax") and "?" not in exc.msg:
        return f"{where}: Python could not read this line ({exc.msg}). Check for a missing colon or bracket."
    advice = next((words for start, words in SYNTAX_ADVICE if start in exc.msg), "")
    return f"{where}: Python could not read this line ({exc.msg}).{advice}"


# Python's own words for a slip, and what to do about it.
SYNTAX_ADVICE = (
    ("expected ':'", " Add the colon at the end of the line."),
    ("was never closed", " Close the bracket that opens here."),
    ("unterminated string", " Close the string with the same quote it starts with."),
    ("unterminated triple-quoted", " Close the string with the same three quotes it starts with."),
    ("unmatched", " Remove the extra bracket, or add the one that opens it."),
    ("does not match opening parenthesis", " Close each bracket with its own kind: ( ), [ ], { }."),
)


WORD = re.compile(r"[A-Za-z_]\w*")
# Keywords that open a block (the line ends with a colon), and the others.
BLOCK_KEYWORDS = ["def", "class", "if", "elif", "else", "for", "while", "try", "except", "finally", "with", "async"]
LINE_KEYWORDS = [k for k in keyword.kwlist if k not in BLOCK_KEYWORDS and k[0].islower()]


def misspelt_keyword(line: str) -> tuple[str, str] | None:
    """(word, keyword) when a line that Python cannot read starts with a misspelt keyword
    (``retrun "x"``, ``improt os``, ``dfe home():``) or misspells ``import`` after ``from x``."""
    stripped = line.split("#", 1)[0].strip()
    words = WORD.findall(re.sub(r"(['\"]).*?\1", " ", stripped))
    if not words or not stripped.startswith(words[0]):
        return None
    first, rest = words[0], stripped[len(words[0]):]
    block = stripped.endswith(":")
    checks = []
    if re.match(r"\s+[\w\"'(\[{]|\s*:\s*$", rest):
        pool = BLOCK_KEYWORDS if block else LINE_KEYWORDS
        if not block and any(difflib.get_close_matches(w, ["import"], cutoff=0.6) for w in words[2:]):
            pool = ["from"]  # "form bottle import x"
        checks.append((first, pool))
    if first in ("from", *difflib.get_close_matches(first, ["from"], cutoff=0.6)) and len(words) >= 3:
        checks.append((words[2], ["import"]))
    for word, pool in checks:
        if word in keyword.kwlist or hasattr(builtins, word) or len(word) < 2:
            continue
        close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
        if close:
            return word, close[0]
    return None


# --- an exception in the learner's code -----------------------------------------------------


def explain_exception(exc: BaseException, workspace: Path, file=None, line=None) -> str:
    """``"app.py line 9: <what happened and what to do>"`` for any exception from learner code."""
    if file is None:
        file, line = last_learner_frame(exc.__traceback__, workspace)
    where = workspace_location(file, line)
    specific = specific_explanation(exc, workspace, file, line)
    if specific:
        return specific
    prefix = f"{where}: " if where else "The check stopped with an error: "
    return prefix + plain_error(exc)


def specific_explanation(exc: BaseException, workspace: Path, file=None, line=None) -> str | None:
    """A sentence naming the cause, for the kinds of mistakes recognised; None for anything else."""
    if file is None:
        file, line = last_learner_frame(exc.__traceback__, workspace)
    where = workspace_location(file, line)
    code = _source_line(workspace, file, line)
    if isinstance(exc, TemplateEncodingError):
        return str(exc)
    if isinstance(exc, SyntaxError) and exc.filename and relative(exc.filename, workspace):
        return explain_syntax_error(exc, workspace, relative(exc.filename, workspace))
    if isinstance(exc, ModuleNotFoundError):
        return explain_missing_module(exc, workspace, where)
    if isinstance(exc, ImportError) and exc.name and "cannot import name" in str(exc):
        return _explain_missing_name_in_module(exc, where)
    if isinstance(exc, NameError) and not isinstance(exc, UnboundLocalError):
        if raised_in_template(exc):
            return _explain_template_name(exc, where)
        return explain_missing_name(exc, workspace, file, line, code)
    if isinstance(exc, AttributeError):
        return _explain_attribute(exc, workspace, where, code)
    if isinstance(exc, EOFError) and "input(" in code:
        return (f"{where} calls input(), which waits for someone typing at a keyboard, and a web app has none: "
                "read what the visitor sends from the request instead (request.query, request.forms).")
    if isinstance(exc, UnicodeDecodeError):
        return _explain_unreadable_file(exc, workspace, where)
    return None


def plain_error(exc: BaseException) -> str:
    """The exception as Python names it, with any SQL dump it carries cut short."""
    if isinstance(exc, SystemExit):
        return "your file stopped the program (sys.exit or exit()) while it was being loaded."
    text = f"{type(exc).__name__}: {trim_sql(str(exc))}"
    if isinstance(exc, ModuleNotFoundError):
        return text + " — is the name spelled right?"
    if isinstance(exc, NameError):
        return text + " — is it spelled right, and imported?"
    return text


def explain_missing_name(exc: NameError, workspace: Path, file, line, code: str) -> str:
    name = getattr(exc, "name", None) or _quoted(str(exc))
    where = workspace_location(file, line)
    close = suggestion(exc)
    if close:
        return f"{where} uses {name}, which is not defined: did you mean {close}?"
    found = importable(name, code)
    if found:
        sites = sources.import_sites(Path(workspace) / file, name) if file else []
        earlier = [site for site in sites if site.function is None and line and site.line < line]
        if sites and not earlier:
            site = sites[0]
            if site.function:
                return (f"{where} uses {name}, but it is imported only inside the function {site.function}() "
                        f"(line {site.line}), where the rest of the file cannot see it: move the import to the "
                        "top of the file.")
            return (f"{where} uses {name} before line {site.line} imports it: move the import to the top of "
                    "the file.")
        return f"{where} uses {name}, which is never imported: add `{found}`."
    near = _near_importable(name)
    if near:
        return f"{where} uses {name}, which is not defined: did you mean {near[0]} (`{near[1]}`)?"
    return (f"{where} uses the name {name}, which is not defined there: check its spelling, or define it "
            "(a variable, a function or an import) before this line.")


def importable(name: str, code: str = "") -> str | None:
    """The import line that brings ``name`` from the libraries lessons use, or None."""
    if name in MODULES and importlib.util.find_spec(name) is not None:
        attribute = re.search(rf"\b{re.escape(name)}\.(\w+)", code)
        module = importlib.import_module(name)
        if attribute is None or hasattr(module, attribute.group(1)) or _library_of(name) is None:
            return f"import {name}"
    library = _library_of(name)
    return f"from {library} import {name}" if library else None


def _library_of(name: str) -> str | None:
    for library in LIBRARIES:
        try:
            module = importlib.import_module(library)
        except ImportError:
            continue
        if _exports(module, name):
            return library
    return None


def _exports(module, name: str) -> bool:
    if name.startswith("_") or not hasattr(module, name):
        return False
    exported = getattr(module, "__all__", None)
    if exported is not None:
        return name in exported
    value = getattr(module, name)
    if type(value).__name__ == "module" or name in vars(builtins):
        return False
    top = module.__name__.split(".")[0]
    home = getattr(value, "__module__", None) or type(value).__module__ or ""
    return home.split(".")[0].lstrip("_") == top or type(value).__module__.split(".")[0] == top


def _near_importable(name: str) -> tuple[str, str] | None:
    """A library name close to a misspelt ``name`` (``templat`` -> template), with its import."""
    pool = set()
    for library in LIBRARIES[:4]:
        try:
            module = importlib.import_module(library)
        except ImportError:
            continue
        pool |= {n for n in dir(module) if _exports(module, n)}
    close = difflib.get_close_matches(name, sorted(pool | MODULES), n=1, cutoff=0.8)
    return (close[0], importable(close[0])) if close else None


def suggestion(exc: BaseException) -> str | None:
    """Python's own "Did you mean" for a NameError or AttributeError (the traceback module computes
    it on 3.12+); on older Pythons the same idea with difflib over the names in scope."""
    shown = "".join(traceback.TracebackException.from_exception(exc).format_exception_only())
    found = re.search(r"Did you mean:? '?([\w.]+)'?\?", shown)
    if found:
        return found.group(1)
    name = getattr(exc, "name", None)
    if not name:
        return None
    if isinstance(exc, AttributeError):
        obj = getattr(exc, "obj", None)
        pool = [n for n in dir(obj) if not n.startswith("_")] if obj is not None else []
    else:
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        frame = tb.tb_frame if tb is not None else None
        pool = [*vars(builtins)] + ([*frame.f_locals, *frame.f_globals] if frame is not None else [])
        pool = [n for n in pool if not n.startswith("__")]
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
    return close[0] if close and close[0] != name else None


def raised_in_template(exc: BaseException) -> bool:
    """Did ``exc`` come from a Bottle SimpleTemplate's generated code (not from the learner's Python)?"""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    names = tb.tb_frame.f_globals
    return "_printlist" in names and "_escape" in names and "rebase" in names


def _explain_template_name(exc: NameError, where: str) -> str:
    name = getattr(exc, "name", None) or _quoted(str(exc))
    close = suggestion(exc)
    if close and close not in ("include", "rebase", "get", "setdefault", "defined"):
        return f"{where}: the template uses {name}, which it was not given: did you mean {close}?"
    return (f"{where}: the template uses the name {name}, but nobody gave it a value: pass it to the template, "
            f"like template(\"page\", {name}=...).")


def _explain_attribute(exc: AttributeError, workspace: Path, where: str, code: str) -> str | None:
    name, obj = getattr(exc, "name", None), getattr(exc, "obj", None)
    if not name:
        return None
    found = re.search(rf"([\w.\]\)]+)\.{re.escape(name)}\b", code)
    expr = found.group(1) if found else "it"
    module_file = getattr(obj, "__file__", None) if type(obj).__name__ == "module" else None
    if module_file and relative(module_file, workspace):
        own = relative(module_file, workspace)
        return (f"{where} uses {obj.__name__}.{name}, but {obj.__name__} here is your own file {own}, which has "
                f"the same name as Python's {obj.__name__} module: rename your file.")
    if obj is None and "NoneType" in str(exc):
        return (f"{where}: {expr} is None here, so it has no {name}. Check that it was found (or made) "
                "before this line uses it.")
    close = suggestion(exc)
    if close:
        return f"{where}: {expr} has no attribute {name}; did you mean {expr}.{close}?"
    return None


def explain_missing_module(exc: ModuleNotFoundError, workspace: Path, where: str) -> str:
    name = exc.name or _quoted(str(exc))
    top = name.split(".")[0]
    prefix = f"{where}: " if where else ""
    if top in NOT_INSTALLED and importlib.util.find_spec(top) is None:
        return (f"{prefix}{top} is {NOT_INSTALLED[top]}, a real package, but it is not installed in the sandbox, "
                "so this lesson cannot use it. (A later version of lesson packs will let a pack declare the "
                "libraries it needs.)")
    parent, _, last = name.rpartition(".")
    pool = _submodules(parent) if parent else _installed_modules(workspace)
    close = difflib.get_close_matches(last, pool, n=1, cutoff=0.75)
    if close:
        wanted = f"{parent}.{close[0]}" if parent else close[0]
        return f"{prefix}there is no module called {name}: is the name spelled right? Did you mean {wanted}?"
    if not parent:
        return (f"{prefix}there is no module called {name}: no {name}.py in your folder and no library by "
                "that name. Is the name spelled right?")
    return f"{prefix}there is no module called {name}: is the name spelled right?"


def _installed_modules(workspace: Path) -> list[str]:
    import pkgutil

    names = {m.name for m in pkgutil.iter_modules()} | set(sys.stdlib_module_names)
    names |= {p.stem for p in Path(workspace).glob("*.py")}
    return sorted(n for n in names if not n.startswith("_"))


def _submodules(parent: str) -> list[str]:
    import pkgutil

    try:
        module = importlib.import_module(parent)
    except ImportError:
        return []
    return [m.name for m in pkgutil.iter_modules(getattr(module, "__path__", []))]


def _explain_missing_name_in_module(exc: ImportError, where: str) -> str:
    wanted = _quoted(str(exc))
    prefix = f"{where}: " if where else ""
    try:
        module = importlib.import_module(exc.name)
    except ImportError:
        module = None
    pool = [n for n in dir(module) if not n.startswith("_")] if module is not None else []
    close = difflib.get_close_matches(wanted, pool, n=1, cutoff=0.75)
    hint = f" Did you mean {close[0]}?" if close else ""
    return f"{prefix}{exc.name} has nothing called {wanted} to import.{hint}"


def _explain_unreadable_file(exc: UnicodeDecodeError, workspace: Path, where: str) -> str | None:
    prefix = f"{where}: " if where else ""
    return (f"{prefix}a file your code reads is not UTF-8 text ({exc.reason}). If another editor saved it, "
            "convert it to UTF-8 in the file panel.")


def _quoted(text: str) -> str:
    found = re.search(r"'([^']+)'", text)
    return found.group(1) if found else text


def _source_line(workspace: Path, file, line) -> str:
    if not file or not line:
        return ""
    return linecache.getline(str(Path(workspace) / file), line).strip()


# --- a failed check, as the learner reads it ---------------------------------------------------


def describe_failure(exc: BaseException, workspace: Path) -> dict:
    """The learner-facing message, file, line and limit hit for a failed test."""
    import pytest
    import webtest

    file, line = last_learner_frame(exc.__traceback__, workspace)
    info = {"file": file, "line": line, "limited": None}
    # A limit hit while importing the learner's app arrives wrapped in a LearnerCodeError.
    hit = _limit_hit(exc.__cause__ if isinstance(exc, LearnerCodeError) else exc)
    if isinstance(exc, LearnerCodeError):
        info.update(file=exc.file, line=exc.line)
    if hit:
        return {**info, **hit}
    if isinstance(exc, LearnerCodeError):
        return {**info, "message": str(exc)}
    caught = _caught_by_check(exc)
    if caught is not None:
        # The check caught an error from the learner's code and wrote its own sentence around it;
        # a recognised mistake is named instead of the check's general words.
        specific = specific_explanation(caught, workspace)
        if specific:
            file, line = last_learner_frame(caught.__traceback__, workspace)
            return {**info, "file": file, "line": line, "message": specific}
    if isinstance(exc, AssertionError):
        return {**info, "message": trim_sql(_assert_message(exc))}
    if isinstance(exc, webtest.AppError):
        first = str(exc).splitlines()[0].removeprefix("Bad response: ")
        return {**info, "message": f"Your app answered {first}."}
    if isinstance(exc, pytest.fail.Exception):
        return {**info, "message": trim_sql(str(exc))}
    return {**info, "message": explain_exception(exc, workspace, file, line)}


def _caught_by_check(exc: BaseException) -> BaseException | None:
    """The learner's exception a check was handling when it failed (``except X: pytest.fail(...)``)."""
    import pytest

    if isinstance(exc, (AssertionError, pytest.fail.Exception)):
        context = exc.__context__
        if isinstance(context, Exception) and not isinstance(context, (AssertionError, pytest.fail.Exception)):
            return context
    return None


def _limit_hit(exc) -> dict | None:
    if isinstance(exc, MemoryError):
        return {"limited": "memory", "message": "Your code tried to use more memory than a check allows."}
    if isinstance(exc, BlockingIOError) and exc.errno == errno.EAGAIN:
        return {"limited": "processes", "message": "Your code started more processes than a check allows."}
    return None


def _assert_message(exc: AssertionError) -> str:
    text = str(exc)
    if not text:
        return "A check failed."
    # Assertion rewriting appends its own explanation ("assert 404 == 200 ...") to the author's message.
    lines = text.splitlines()
    authored = []
    for line in lines:
        if line.startswith("assert "):
            break
        authored.append(line)
    return "\n".join(authored).strip() or f"A check failed: {lines[0]}"


def format_detail(exc: BaseException, workspace: Path) -> str:
    """The traceback a learner can read under "Details": only the frames in their own files, then
    the exception itself (any SQL dump cut short), with workspace paths made relative."""
    shown = exc
    if isinstance(exc, LearnerCodeError) and exc.__cause__ is not None:
        shown = exc.__cause__
    elif _caught_by_check(exc) is not None:
        shown = _caught_by_check(exc)
    frames = [frame for frame in traceback.extract_tb(shown.__traceback__) if relative(frame.filename, workspace)]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)] if frames else []
    if type(shown).__name__ == "AppError":  # WebTest's: its first line, not the whole error page
        lines.append(f"AppError: {str(shown).splitlines()[0]}\n")
    else:
        lines += traceback.format_exception_only(type(shown), shown)
    text = "".join(lines).replace(str(workspace) + os.sep, "")
    return trim_sql(text).strip() + "\n"


def trim_sql(text: str) -> str:
    """A message without the SQL and parameters Peewee appends to some errors (``SQL: SELECT ...
    Params: [...]``): the learner's own line already says which query it was."""
    if "SQL:" not in text:
        return text
    return SQL_DUMP.sub("", text)


# --- pages that are not found -----------------------------------------------------------------


def record_responses() -> None:
    """Note the path and status of every request a check makes through WebTest (into RESPONSES)."""
    import webtest

    original = webtest.TestApp.do_request
    if getattr(original, "sandbox_recorded", False):
        return

    def do_request(self, req, *args, **kwargs):
        entry = {"path": req.path_info, "status": None}
        RESPONSES.append(entry)
        try:
            response = original(self, req, *args, **kwargs)
        except webtest.AppError as error:
            found = ROUTE_RULE_TEXT.match(str(error))
            entry["status"] = int(found.group(1)) if found else None
            raise
        entry["status"] = response.status_int
        return response

    do_request.sandbox_recorded = True
    webtest.TestApp.do_request = do_request


def not_found_explanation(workspace: Path, paths) -> str | None:
    """Why these paths answered 404, when the learner's source shows it: a route decorated inside
    another function or under ``if __name__ == "__main__":``, or a path without its leading slash
    or with a slash too many at the end. None when nothing in the source explains it."""
    paths = [p for p in dict.fromkeys(paths) if p]
    if not paths:
        return None
    routes = sources.route_sites(workspace)
    for site in routes:
        if site.enclosing and any(_matches(site.rule, path) for path in paths):
            where = workspace_location(site.file, site.line)
            decorator = f"@{site.decorator}(\"{site.rule}\")"
            if site.enclosing == "__main__":
                return (f"{where}: the route for {site.rule} is inside if __name__ == \"__main__\":, which only runs "
                        f"when you start the file yourself, never in the sandbox: move {decorator} and its function "
                        "above that block, to the left margin.")
            return (f"{where}: the route for {site.rule} is inside the function {site.enclosing}(), so it only "
                    f"exists while {site.enclosing}() runs: move {decorator} and its function back to the left margin.")
    for site in routes:
        if site.enclosing:
            continue
        where = workspace_location(site.file, site.line)
        for path in paths:
            if not site.rule.startswith("/") and _matches("/" + site.rule, path):
                return (f"{where}: the route's path \"{site.rule}\" has no slash at the start, so {path} finds no "
                        f"page: write it with the slash at the start, @{site.decorator}(\"/{site.rule}\").")
            if site.rule != "/" and site.rule.endswith("/") and _matches(site.rule.rstrip("/"), path):
                return (f"{where}: the route is for {site.rule}, with a slash at the end, and Bottle treats "
                        f"{path} as another address: write @{site.decorator}(\"{site.rule.rstrip('/')}\").")
    return None


def _matches(rule: str, path: str) -> bool:
    router = bottle.Router()
    try:
        router.add(rule, "GET", None)
        router.match({"PATH_INFO": path, "REQUEST_METHOD": "GET"})
    except Exception:  # noqa: BLE001 - a rule Bottle refuses, or no match (HTTPError 404)
        return False
    return True


# --- files named like the libraries, templates in other encodings ----------------------------------


def shadowing_note(workspace: Path) -> str | None:
    """One sentence when the learner's folder has a file named like a library the sandbox already
    imported (``bottle.py``): the sandbox uses the real one, and the file is silently ignored."""
    found = sources.shadowing_files(workspace, SANDBOX_LIBRARIES, sys.modules)
    if not found:
        return None
    file, library = found[0]
    kind = "the library" if library.split(".")[0] in SANDBOX_LIBRARIES else "a Python module"
    return (f"Your folder has {file}, a file with the same name as {kind} {library}; the sandbox uses the real "
            f"{library}, so rename your file.")


def read_templates_kindly() -> None:
    """Let Bottle's SimpleTemplate read a template saved with a UTF-8 byte order mark as Python does,
    and name the encoding of one another editor saved otherwise (instead of a deprecation warning)."""
    if getattr(bottle.SimpleTemplate, "sandbox_kind", False):
        return
    original = bottle.SimpleTemplate.__dict__["code"].func

    def code(self):
        source = self.source
        if not source and self.filename:
            with open(self.filename, "rb") as handle:
                source = handle.read()
        if isinstance(source, bytes):
            text, encoding = encodings.decode(source)
            if text is None or not encodings.is_utf8(encoding):
                rel = os.path.relpath(self.filename) if self.filename else "A template"
                if text is None:
                    raise TemplateEncodingError(f"{rel} is not a text file, so Bottle cannot use it as a template.")
                raise TemplateEncodingError(encodings.not_utf8_sentence(rel, encoding, "Bottle"))
            source = text
        if isinstance(source, str) and source.startswith("\ufeff"):
            source = source[1:]
        self.source = source
        return original(self)

    bottle.SimpleTemplate.code = bottle.cached_property(code)
    bottle.SimpleTemplate.sandbox_kind = True

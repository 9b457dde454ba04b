"""A beginner's slips, in plain words: a name used without its import, a misspelt name, keyword,
attribute or module, a package the sandbox does not have, a template given no value for a name.
Each function turns one kind of Python error into a sentence that names the cause and the fix.

Python's own suggestions ("Did you mean") are used where it computes them; ``difflib`` stands in
for them on older Pythons and for keywords, which Python does not suggest.
"""

from __future__ import annotations

import builtins
import difflib
import importlib
import importlib.util
import keyword
import linecache
import re
import sys
import traceback
from pathlib import Path

from sandbox.checker import sources
from sandbox.checker.learner import relative
from sandbox.work import encoding as encodings

# Where a missing name is looked for, in this order, and the names each library is asked for (None:
# its ``__all__``). Only names a learner imports by name: a word like ``name`` or ``search`` that is
# also in ``os`` or ``re`` is far more often a variable the learner forgot to set.
LIBRARIES = {
    "bottle": ("Bottle", "route", "get", "post", "put", "delete", "patch", "run", "template", "view",
               "request", "response", "redirect", "abort", "static_file", "HTTPError", "HTTPResponse",
               "TEMPLATE_PATH", "default_app", "hook", "SimpleTemplate", "FormsDict", "jinja2_template"),
    "peewee": None,
    "playhouse.migrate": ("migrate", "SqliteMigrator", "SchemaMigrator"),
    "playhouse.shortcuts": ("model_to_dict", "dict_to_model", "update_model_from_dict"),
    "datetime": ("datetime", "date", "timedelta", "timezone"),
    "functools": ("wraps", "partial", "lru_cache"),
    "pathlib": ("Path",),
    "html": ("escape",),
    "urllib.parse": ("quote", "quote_plus", "unquote", "urlencode", "urlparse", "parse_qs"),
    "secrets": ("token_hex", "token_urlsafe", "token_bytes", "compare_digest"),
    "hashlib": ("sha256", "sha512", "sha1", "md5", "pbkdf2_hmac", "scrypt", "blake2b"),
    "json": ("dumps", "loads"),
    "uuid": ("uuid4",),
    "collections": ("defaultdict", "Counter", "namedtuple", "OrderedDict"),
    "time": ("sleep",),
    "waitress": ("serve",),
}
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


def workspace_location(file, line) -> str:
    if not file:
        return ""
    return f"{file} line {line}" if line else file


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
        close = closest(word, pool, cutoff=0.6)
        if close:
            return word, close
    return None


def explain_missing_name(exc: NameError, workspace: Path, file, line, code: str) -> str:
    name = getattr(exc, "name", None) or _quoted(str(exc))
    where = workspace_location(file, line)
    sites = sources.name_sites(Path(workspace) / file, name) if file else []
    if sites and not any(site.enclosing is None and line and site.line < line for site in sites):
        return _explain_out_of_reach(where, name, sites[0])
    close = suggestion(exc)
    if close:
        return f"{where} uses {name}, which is not defined: did you mean {close}?"
    found = importable(name, code)
    if found:
        return f"{where} uses {name}, which is never imported: add `{found}`."
    if name in ("app", "application"):
        return (f"{where} uses {name}, which is not made yet: add {name} = Bottle() above your routes "
                "(with from bottle import Bottle at the top).")
    near = _near_importable(name)
    if near:
        return f"{where} uses {name}, which is not defined: did you mean {near[0]} (`{near[1]}`)?"
    return (f"{where} uses the name {name}, which is not defined there: check its spelling, or define it "
            "(a variable, a function or an import) before this line.")


def _explain_out_of_reach(where: str, name: str, site) -> str:
    """A name the file does define or import, but where the failing line cannot see it."""
    done = "imports" if site.kind == "import" else "makes"
    if site.enclosing == "__main__":
        return (f"{where} uses {name}, but line {site.line} {done} it under if __name__ == \"__main__\":, which "
                "only runs when you start the file yourself, never in the sandbox: move that line above the block.")
    if site.enclosing:
        return (f"{where} uses {name}, but line {site.line} {done} it inside the function {site.enclosing}(), where "
                "the rest of the file cannot see it: move it to the top level of the file, at the left margin.")
    return f"{where} uses {name} before line {site.line} {done} it: move that line above this one."


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
        if name in _names_of(library):
            return library
    return None


def _names_of(library: str) -> tuple[str, ...]:
    try:
        module = importlib.import_module(library)
    except ImportError:
        return ()
    names = LIBRARIES.get(library) or tuple(getattr(module, "__all__", ()))
    return tuple(n for n in names if hasattr(module, n))


def _near_importable(name: str) -> tuple[str, str] | None:
    """A library name close to a misspelt ``name`` (``templat`` -> template), with its import."""
    pool = {n for library in LIBRARIES for n in _names_of(library)} | MODULES
    close = closest(name, sorted(pool), cutoff=0.8)
    return (close, importable(close)) if close else None


def closest(word: str, pool, cutoff: float) -> str | None:
    """The name in ``pool`` closest to a misspelt ``word``; two letters swapped (abrot, abort) count as
    closer than two letters changed (about), the commonest slip at a keyboard."""
    candidates = difflib.get_close_matches(word, pool, n=5, cutoff=cutoff)
    if not candidates:
        return None
    return max(candidates, key=lambda c: (difflib.SequenceMatcher(None, word, c).ratio()
                                          + (0.1 if sorted(c) == sorted(word) else 0.0), -candidates.index(c)))


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
    close = closest(name, pool, cutoff=0.75)
    return close if close != name else None


def raised_in_template(exc: BaseException) -> bool:
    """Did ``exc`` come from a Bottle SimpleTemplate's generated code (not from the learner's Python)?"""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    names = tb.tb_frame.f_globals
    return "_printlist" in names and "_escape" in names and "rebase" in names


def explain_template_name(exc: NameError, where: str) -> str:
    name = getattr(exc, "name", None) or _quoted(str(exc))
    close = suggestion(exc)
    if close and close not in ("include", "rebase", "get", "setdefault", "defined"):
        return f"{where}: the template uses {name}, which it was not given: did you mean {close}?"
    return (f"{where}: the template uses the name {name}, but nobody gave it a value: pass it to the template, "
            f"like template(\"page\", {name}=...).")


def explain_attribute(exc: AttributeError, workspace: Path, where: str, code: str) -> str | None:
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
    if isinstance(obj, type) and obj.__name__ == name and obj.__module__ == name:
        return (f"{where}: {expr} here is the class {name} (from {name} import {name}), not the module: leave "
                f"out the second {name} ({expr}.now(), say), or import the module instead with import {name}.")
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
    close = closest(last, pool, cutoff=0.75)
    if close:
        wanted = f"{parent}.{close}" if parent else close
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

    module = sys.modules.get(parent)  # a package that is not imported yet is not looked into
    return [m.name for m in pkgutil.iter_modules(getattr(module, "__path__", []))]


def explain_missing_name_in_module(exc: ImportError, where: str) -> str:
    wanted = _quoted(str(exc))
    prefix = f"{where}: " if where else ""
    if "circular import" in str(exc):
        return (f"{prefix}{exc.name}.py and the file that imports it import each other (a circular import), so "
                f"{wanted} is not made yet when it is asked for: move what both need (the database, say) into "
                "a file of its own that imports neither.")
    module = sys.modules.get(exc.name)  # never imported again here: it may be the learner's own file
    pool = [n for n in dir(module) if not n.startswith("_")] if module is not None else []
    close = closest(wanted, pool, cutoff=0.75)
    hint = f" Did you mean {close}?" if close else ""
    return f"{prefix}{exc.name} has nothing called {wanted} to import.{hint}"


# Python's and SQLite's words for a database slip, and what to do about it.
DATABASE_ADVICE = (
    (re.compile(r"no such table: (\w+)"), "There is no table {0} in the database: Peewee names a model's table "
     "after its class in lower case (Article is article), and makes it with db.create_tables([...])."),
    (re.compile(r"no such column: (?:\w+\.)?(\w+)"), "The table has no column {0}: check the field's name, or "
     "add the column with a migration when the model gained a field."),
    (re.compile(r"UNIQUE constraint failed: \w+\.(\w+)"), "Another row already has this {0}, and {0} must be "
     "unique: look for it before saving, and choose another."),
    (re.compile(r"NOT NULL constraint failed: \w+\.(\w+)"), "A row was saved without {0}, which cannot be empty: "
     "give it a value, or the field a default."),
    (re.compile(r"instance matching query does not exist"), "get() found nothing that matches: use get_or_none(), "
     "and answer with a 404 when it gives None."),
    (re.compile(r"^Template '?(.+?)'? not found"), "Bottle looks for templates in the views folder next to your "
     "app, by name without .tpl: template(\"index\") reads views/index.tpl."),
)


def advice_for(exc: BaseException) -> str | None:
    """One sentence on what to do for an error whose own words are clear but not enough (a database
    constraint, a missing template); None when there is nothing to add."""
    text = str(exc)
    for pattern, advice in DATABASE_ADVICE:
        found = pattern.search(text)
        if found:
            return advice.format(*found.groups())
    return None


def explain_unreadable_file(exc: UnicodeDecodeError, workspace: Path, where: str) -> str | None:
    prefix = f"{where}: " if where else ""
    return (f"{prefix}a file your code reads is not UTF-8 text ({exc.reason}). If another editor saved it, "
            "convert it to UTF-8 in the file panel.")


def _quoted(text: str) -> str:
    found = re.search(r"'([^']+)'", text)
    return found.group(1) if found else text


def source_line(workspace: Path, file, line) -> str:
    if not file or not line:
        return ""
    return linecache.getline(str(Path(workspace) / file), line).strip()

"""The pytest plugin pack authors write checks against: workspace, app, client, db, source.

It also turns each test's report into what a learner reads: the assert message, the
learner's file and line, and plain words for errors.
"""

from __future__ import annotations

import errno
import functools
import inspect
import os
import sys
from pathlib import Path

import bottle
import peewee
import pytest
import webtest

from sandbox.checker.learner import find_wsgi_app, last_learner_frame, no_app_message, relative
from sandbox.errors import LearnerCodeError

FIRST_IMPORT_FAILURE = pytest.StashKey[str]()
FIRST_FAILURE_IN_FILE = pytest.StashKey[dict]()  # check file path -> title of its first failed test


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "independent: this test means something even when an earlier test in its file failed")
    config.stash[FIRST_FAILURE_IN_FILE] = {}


def pytest_addoption(parser):
    group = parser.getgroup("sandbox", "Python Web Sandbox checks")
    group.addoption("--sandbox-workspace", default=None, help="the learner's workspace folder (default: cwd)")
    group.addoption("--sandbox-app-module", default="app.py", help="the learner's app file (default: app.py)")


@pytest.fixture
def workspace(request) -> Path:
    """The learner's workspace folder."""
    return _workspace_of(request.config)


@pytest.fixture
def source(workspace):
    """``source('app.py')`` returns the text of a learner file."""

    def read(name: str) -> str:
        path = workspace / name
        if not path.is_file():
            pytest.fail(f"There is no {name} in your workspace yet.", pytrace=False)
        return path.read_text(encoding="utf-8", errors="replace")

    return read


@pytest.fixture
def learner(request, workspace):
    """The learner's modules, imported fresh for this test (lazily, on first use)."""
    modules = LearnerModules(workspace, request.config)
    yield modules
    modules.close()


@pytest.fixture
def app(learner):
    """The learner's WSGI app: ``app``, else ``application``, else Bottle's default app."""
    return learner.wsgi_app()


@pytest.fixture
def client(app):
    """A WebTest client on the learner's app. Pass ``status='*'`` or ``expect_errors=True`` to see 4xx/5xx."""
    if isinstance(app, bottle.Bottle):
        # Let an exception in a learner's route reach the test, so the learner sees their line.
        app.catchall = False
    return webtest.TestApp(app)


@pytest.fixture
def db(learner, tmp_path):
    """The learner's Peewee models bound to a fresh, empty SQLite database."""
    database = LearnerDatabase(learner.models(), tmp_path / "check.sqlite")
    yield database
    database.close()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Tests in a check file build on the ones before them: after a failure, the rest wait.

    A later test passing on top of a failed one would be a green tick that means nothing (a
    page "differs from the home page" because it is a 404), so it shows as not checked yet.
    A test marked ``@pytest.mark.independent`` runs regardless.
    """
    first = item.config.stash.get(FIRST_FAILURE_IN_FILE, {}).get(str(item.path))
    if first and item.get_closest_marker("independent") is None:
        pytest.skip(f"Not checked yet: first fix \u201c{first}\u201d.")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.config.stash.get(FIRST_FAILURE_IN_FILE, {}).setdefault(str(item.path), _title(item))
    report.sandbox_title = _title(item)
    info = {"message": "", "file": None, "line": None, "limited": None}
    if call.excinfo is not None and report.outcome != "skipped":
        workspace = _workspace_of(item.config)
        info.update(describe_failure(call.excinfo.value, workspace))
        info["detail"] = format_detail(call.excinfo.value, workspace)
    elif report.skipped and isinstance(report.longrepr, tuple):
        info["message"] = str(report.longrepr[2]).removeprefix("Skipped: ")
    report.sandbox_info = info
    return report


class LearnerModules:
    """Imports the learner's files with the workspace as cwd and on sys.path."""

    def __init__(self, workspace: Path, config):
        self.workspace = workspace
        self.config = config
        self.app_file = config.getoption("sandbox_app_module") or "app.py"
        self._loaded: dict[str, object] = {}
        self._old_cwd = os.getcwd()
        self._old_template_path = list(bottle.TEMPLATE_PATH)
        self._old_run = bottle.run
        bottle.app.push()  # a fresh default app for module-level @route decorators
        # Each test imports the learner's files afresh; within a test, app.py and the db
        # fixture must share one `models` module, so purge here and never again per load.
        purge_learner_modules(workspace, [Path(self.app_file).stem])
        os.chdir(workspace)
        if str(workspace) not in sys.path:
            sys.path.insert(0, str(workspace))
        bottle.TEMPLATE_PATH.insert(0, str(workspace / "views") + os.sep)
        bottle.TEMPLATES.clear()
        bottle.run = _ignore_run  # a learner's bare run() would otherwise serve forever

    def load(self, filename: str):
        if filename in self._loaded:
            return self._loaded[filename]
        failure = self.config.stash.get(FIRST_IMPORT_FAILURE, None)
        if failure:
            pytest.skip(f"Not checked yet: first fix {failure}.")
        if not (self.workspace / filename).is_file():
            self._fail(f"There is no {filename} in your workspace yet.", filename)
        try:
            module = __import__(Path(filename).stem)
        except (Exception, SystemExit) as exc:
            message, file, line = explain_import_error(exc, self.workspace, filename)
            self._fail(message, file, line, cause=exc)
        self._loaded[filename] = module
        return module

    def _fail(self, message, file, line=None, cause=None):
        where = workspace_location(file, line) or file
        self.config.stash[FIRST_IMPORT_FAILURE] = where
        raise LearnerCodeError(message, file, line) from cause

    def wsgi_app(self):
        app = find_wsgi_app(self.load(self.app_file))
        if app is None:
            self._fail(no_app_message(self.app_file), self.app_file)
        return app

    def models(self) -> dict[str, type]:
        """Model classes defined in the learner's files, by class name."""
        self.load("models.py" if (self.workspace / "models.py").is_file() else self.app_file)
        found = {}
        for module in learner_modules(self.workspace):
            for value in vars(module).values():
                if (
                    inspect.isclass(value)
                    and issubclass(value, peewee.Model)
                    and value is not peewee.Model
                    and sys.modules.get(value.__module__) is module
                ):
                    found[value.__name__] = value
        if not found:
            self._fail("No Peewee models found yet: define a class that extends Model.", self.app_file)
        return found

    def close(self):
        bottle.run = self._old_run
        bottle.TEMPLATE_PATH[:] = self._old_template_path
        bottle.TEMPLATES.clear()
        if len(bottle.app) > 1:
            bottle.app.pop()
        os.chdir(self._old_cwd)


class LearnerDatabase:
    """The learner's models on a temporary database: ``db.models['Article']``, ``db.database``."""

    def __init__(self, models: dict[str, type], path: Path):
        self.models = models
        databases = {id(m._meta.database): m._meta.database for m in models.values()}
        self.databases = [self._rebind(d, path.with_suffix(f".{i}.sqlite"), models) for i, d in enumerate(databases.values())]
        self.database = self.databases[0]
        for database in self.databases:
            tables = [m for m in models.values() if m._meta.database is database and _has_table(m, models)]
            database.create_tables(tables)
            database.close()  # learner hooks commonly call db.connect() per request

    def __getattr__(self, name):
        try:
            return self.__dict__["models"][name]
        except KeyError:
            raise AttributeError(f"No model named {name!r} in the learner's code") from None

    def __getitem__(self, name):
        return self.models[name]

    @staticmethod
    def _rebind(database, path: Path, models):
        # Re-initialise the learner's own database object (``db = SqliteDatabase('blog.db')``)
        # so their code, and ours, use a fresh temporary file instead of their real one.
        if isinstance(database, peewee.DatabaseProxy):
            fresh = peewee.SqliteDatabase(str(path))
            database.initialize(fresh)
            database = fresh
        elif isinstance(database, peewee.SqliteDatabase):
            if not database.is_closed():
                database.close()
            database.init(str(path), timeout=database._timeout, **database.connect_params)
        else:
            fresh = peewee.SqliteDatabase(str(path))
            fresh.bind([m for m in models.values() if m._meta.database is database])
            database = fresh
        # A test that queried the models leaves a connection open; the learner's
        # before_request ``db.connect()`` must not fail because of it.
        database.connect = functools.partial(type(database).connect, database, reuse_if_open=True)
        return database

    def close(self):
        for database in self.databases:
            database.__dict__.pop("connect", None)
            if not database.is_closed():
                database.close()


def _has_table(model, models) -> bool:
    """A base class with no fields of its own (``class BaseModel(Model)``) needs no table."""
    own = set(model._meta.fields) - {"id"}
    is_base = any(other is not model and issubclass(other, model) for other in models.values())
    return bool(own) or not is_base


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


def _workspace_of(config) -> Path:
    chosen = config.getoption("sandbox_workspace") or os.getcwd()
    return Path(chosen).resolve()


def _title(item) -> str:
    doc = inspect.getdoc(getattr(item, "obj", None)) if hasattr(item, "obj") else None
    if doc:
        return doc.strip().splitlines()[0]
    name = getattr(item, "originalname", None) or item.name
    return name.removeprefix("test_").replace("_", " ").strip().capitalize() or item.name


def _ignore_run(*args, **kwargs):
    print("(The check skipped run(): put it under if __name__ == '__main__': to keep your app importable.)")


def workspace_location(file, line) -> str:
    if not file:
        return ""
    return f"{file} line {line}" if line else file


def explain_import_error(exc: BaseException, workspace: Path, filename: str):
    """(message, file, line) for an exception raised while importing a learner file."""
    if isinstance(exc, SyntaxError) and exc.filename:
        file = relative(exc.filename, workspace) or filename
        where = workspace_location(file, exc.lineno)
        if isinstance(exc, IndentationError):
            return (f"{where}: the indentation is off here ({exc.msg}). "
                    "Line up the spaces at the start of the line.", file, exc.lineno)
        return (f"{where}: Python could not read this line ({exc.msg}). "
                "Check for a missing colon or bracket.", file, exc.lineno)
    file, line = last_learner_frame(exc.__traceback__, workspace)
    file = file or filename
    return f"{workspace_location(file, line)}: {_plain_error(exc)}", file, line


def describe_failure(exc: BaseException, workspace: Path) -> dict:
    """The learner-facing message, file, line and limit hit for a failed test."""
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
    if isinstance(exc, AssertionError):
        return {**info, "message": _assert_message(exc)}
    if isinstance(exc, webtest.AppError):
        first = str(exc).splitlines()[0].removeprefix("Bad response: ")
        return {**info, "message": f"Your app answered {first}."}
    if isinstance(exc, pytest.fail.Exception):
        return {**info, "message": str(exc)}
    where = workspace_location(file, line)
    prefix = f"{where}: " if where else "The check stopped with an error: "
    return {**info, "message": prefix + _plain_error(exc)}


def _limit_hit(exc) -> dict | None:
    if isinstance(exc, MemoryError):
        return {"limited": "memory", "message": "Your code tried to use more memory than a check allows."}
    if isinstance(exc, BlockingIOError) and exc.errno == errno.EAGAIN:
        return {"limited": "processes", "message": "Your code started more processes than a check allows."}
    return None


def format_detail(exc: BaseException, workspace: Path) -> str:
    """A plain Python traceback from the check's own code on, with workspace paths made relative."""
    import traceback

    tb = exc.__traceback__
    while tb is not None and any(part in tb.tb_frame.f_code.co_filename for part in ("_pytest", "pluggy")):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    return text.replace(str(workspace) + os.sep, "")


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


def _plain_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ModuleNotFoundError):
        return text + " — is the name spelled right?"
    if isinstance(exc, NameError):
        return text + " — is it spelled right, and imported?"
    if isinstance(exc, SystemExit):
        return "your file stopped the program (sys.exit or exit()) while it was being loaded."
    return text

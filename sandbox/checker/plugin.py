"""The pytest plugin pack authors write checks against: workspace, app, client, db, source.

It also turns each test's report into what a learner reads: the assert message, the
learner's file and line, and plain words for errors.
"""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path

import bottle
import peewee
import pytest
import webtest

from sandbox.checker import explain
from sandbox.checker.explain import describe_failure, explain_import_error, format_detail, workspace_location
from sandbox.checker.learner import find_wsgi_app, no_app_message
from sandbox.errors import LearnerCodeError
from sandbox.work import encoding as encodings

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
        text, encoding = encodings.read_text(path)
        if text is not None and not encodings.is_utf8(encoding):
            pytest.fail(encodings.not_utf8_sentence(name, encoding, "the check"), pytrace=False)
        return path.read_text(encoding="utf-8-sig", errors="replace")  # a byte order mark is not text

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
    """The learner's Peewee models on a fresh, empty temporary SQLite database, tables made."""
    database = LearnerDatabase(learner, tmp_path / "check.sqlite")
    yield database
    database.close()


@pytest.fixture
def restart(learner, db):
    """``restart()``: a new WebTest client on a freshly imported copy of the learner's app and models,
    on the same temporary database as ``db``, so rows written before are still there (a database
    that lives in memory comes back empty). ``db.Article`` is the fresh model afterwards."""

    def again():
        learner.restart()
        db.reload()
        app = learner.wsgi_app()
        if isinstance(app, bottle.Bottle):
            app.catchall = False
        return webtest.TestApp(app)

    return again


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
        info.update(learner_facing(call.excinfo.value, workspace))
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

    @property
    def models_file(self) -> str:
        return "models.py" if (self.workspace / "models.py").is_file() else self.app_file

    def models(self) -> dict[str, type]:
        """The learner's Peewee model classes, by class name, from models.py (else the app file) and
        the files it imports; the app file is imported too when it is what gives a model its
        database (a DatabaseProxy it initialises, ``Model.bind``, ``db.init``)."""
        self.load(self.models_file)
        found = self._defined_models()
        if not found:
            raise LearnerCodeError(
                f"No Peewee models found yet: the check looked in {self.models_file} and the files it imports "
                "for a class that extends Model, like class Article(Model):.", self.models_file)
        if self.models_file != self.app_file and not all(_usable(m._meta.database) for m in found.values()):
            self.load(self.app_file)
            found = self._defined_models()
        return found

    def _defined_models(self) -> dict[str, type]:
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
                    for field in value._meta.manytomany.values():
                        through = field.get_through_model()
                        found.setdefault(through.__name__, through)
        return found

    def restart(self):
        """Forget the imported learner files, as when their app stops: the next load imports them afresh."""
        purge_learner_modules(self.workspace, [Path(self.app_file).stem])
        self._loaded.clear()
        if len(bottle.app) > 1:
            bottle.app.pop()
        bottle.app.push()
        bottle.TEMPLATES.clear()

    def close(self):
        bottle.run = self._old_run
        bottle.TEMPLATE_PATH[:] = self._old_template_path
        bottle.TEMPLATES.clear()
        if len(bottle.app) > 1:
            bottle.app.pop()
        os.chdir(self._old_cwd)


class LearnerDatabase:
    """The learner's models on a temporary database: ``db.Article`` (or ``db["Article"]``),
    ``db.database``, ``db.in_memory``.

    While it is open, every SQLite database the learner's code opens on a file is opened on a
    temporary file instead, one per file name: their code and the check share it, and their own
    blog.db is never touched. A database that lives in memory stays in memory. A DatabaseProxy or a
    database that the learner's code never names gets the temporary file too.
    """

    def __init__(self, learner, path: Path):
        self.learner = learner
        self.path = path
        self.files: dict[str, str] = {}  # the learner's file (absolute), or "" for unnamed -> ours
        self.models: dict[str, type] = {}
        self._redirect = _Redirect(self._target)
        self._opened: list = []
        try:
            self.reload(first=True)
        except BaseException:
            self.close()
            raise

    def __getattr__(self, name):
        try:
            return self.__dict__["models"][name]
        except KeyError:
            raise AttributeError(f"No model named {name!r} in the learner's code") from None

    def __getitem__(self, name):
        return self.models[name]

    @property
    def databases(self) -> list:
        """The learner's databases (what a DatabaseProxy stands for), the first model's first."""
        return list({id(d): d for d in (_resolved(m._meta.database) for m in self.models.values())}.values())

    @property
    def database(self):
        return self.databases[0]

    @property
    def in_memory(self) -> bool:
        """True when the learner's database lives in memory, so nothing in it survives a restart."""
        return any(_lives_in_memory(d) for d in self.databases)

    def reload(self, first: bool = False):
        """Take the learner's freshly imported models; make the tables (after a restart: only in a
        database that lives in memory, which comes back empty; a file keeps its tables and rows)."""
        for database in self._opened:
            if not database.is_closed():
                database.close()
        self.models = self.learner.models()
        unbound = [name for name, m in self.models.items() if m._meta.database is None]
        if unbound:
            raise LearnerCodeError(self._no_database_message(unbound[0]), self.learner.models_file)
        for model in self.models.values():
            self._point_at_temporary_file(model)
        for database in _module_databases(self.learner.workspace):  # one opened for the app's hooks, say
            if not database.deferred and database.database != self._target(database, database.database):
                database.init(database.database)  # the redirect picks the file
        self._opened = self.databases
        for database in self._opened:
            tables = [m for m in self.models.values() if _resolved(m._meta.database) is database
                      and _has_table(m, self.models)]
            if first or _lives_in_memory(database):
                database.create_tables(tables, safe=True)
            if not _lives_in_memory(database):
                database.close()  # a memory database would lose its tables

    def _point_at_temporary_file(self, model):
        """The learner's database was made before the redirect, or never named: move it to ours."""
        holder = model._meta.database
        database = _resolved(holder)
        if database is None:  # a DatabaseProxy nobody initialised
            holder.initialize(peewee.SqliteDatabase(self._file_for("")))
        elif isinstance(database, peewee.SqliteDatabase):
            if database.deferred:
                database.init(self._file_for(""))
            elif database.database != self._target(database, database.database):
                database.init(database.database)  # the redirect picks the file
        else:  # another kind of database server: the checks use SQLite in its place
            fresh = peewee.SqliteDatabase(self._file_for(f"{type(database).__name__}:{database.database}"))
            if isinstance(holder, peewee.DatabaseProxy):
                holder.initialize(fresh)
            else:
                fresh.bind([m for m in self.models.values() if m._meta.database is holder])

    def _target(self, database, name):
        """The file ``database`` opens when the learner's code names ``name``: a temporary file per
        file name (a database already on one keeps it); in memory or unnamed stays as it is."""
        if not name or _lives_in_memory(name):
            return name
        current = getattr(database, "database", None)
        if current in self.files.values():
            return current
        return self._file_for(os.path.abspath(str(name).removeprefix("file:").split("?", 1)[0]))

    def _file_for(self, key: str) -> str:
        if key not in self.files:
            count = len(self.files)
            self.files[key] = str(self.path if not count else self.path.with_suffix(f".{count}.sqlite"))
        return self.files[key]

    def _no_database_message(self, name: str) -> str:
        files = " and ".join(dict.fromkeys([self.learner.models_file, self.learner.app_file]))
        return (f"Your {name} model is not connected to a database: the check looked in {files} for class Meta: "
                f"with database = db in {name} (or a class it extends), and for {name}.bind(db) or "
                f"db.bind([{name}]), and found none. Add class Meta: database = db inside the class.")

    def close(self):
        self._redirect.undo()
        for database in self.databases:
            if isinstance(database, peewee.Database) and not database.is_closed():
                database.close()


class _Redirect:
    """While a ``db`` fixture is open: SQLite databases the learner names open the check's temporary
    file (``target(database, name)``), and ``db.connect()`` reuses a connection the check left open (the
    learner's before_request hook would otherwise fail with "Connection already opened")."""

    def __init__(self, target):
        self.init, self.connect = peewee.Database.init, peewee.Database.connect
        original_init, original_connect = self.init, self.connect

        def init(database, name, **kwargs):
            if isinstance(database, peewee.SqliteDatabase):
                name = target(database, name)
            return original_init(database, name, **kwargs)

        def connect(database, reuse_if_open=False):
            return original_connect(database, reuse_if_open=True)

        peewee.Database.init, peewee.Database.connect = init, connect

    def undo(self):
        peewee.Database.init, peewee.Database.connect = self.init, self.connect


def _module_databases(workspace: Path) -> list:
    """The SQLite databases the learner's modules hold in their global names."""
    return [value for module in learner_modules(workspace) for value in list(vars(module).values())
            if isinstance(value, peewee.SqliteDatabase)]


def _resolved(database):
    """The database a DatabaseProxy stands for (None while it is not initialised)."""
    while isinstance(database, peewee.DatabaseProxy):
        database = database.obj
    return database


def _usable(database) -> bool:
    """A database the learner's code has set up: named, or a proxy that was initialised."""
    database = _resolved(database)
    return database is not None and not getattr(database, "deferred", False)


def _lives_in_memory(database) -> bool:
    """``SqliteDatabase(":memory:")``, ``"file::memory:"`` and ``mode=memory`` URIs: nothing in them
    outlives their connection. Takes a database or its name."""
    if isinstance(database, peewee.Database):
        if not isinstance(database, peewee.SqliteDatabase):
            return False
        database = database.database
    name = str(database or "")
    return name == ":memory:" or (name.startswith("file:") and (
        name.removeprefix("file:").split("?", 1)[0] in ("", ":memory:") or "mode=memory" in name))


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



# --- what the learner reads: the explanations live in sandbox.checker.explain ----------------


def pytest_sessionstart(session):
    explain.record_responses()  # so a failed check can tell why a page was not found
    explain.read_templates_kindly()  # templates with a byte order mark, or in another encoding


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    explain.RESPONSES.clear()  # the requests of this test only


def learner_facing(exc: BaseException, workspace: Path) -> dict:
    """message, file, line, limited and detail for a failed test, naming the real cause: a route the
    source shows cannot answer a page that was not found, a file named like a library."""
    info = describe_failure(exc, workspace)
    info["detail"] = format_detail(exc, workspace)
    if info.get("limited") or isinstance(exc, LearnerCodeError):
        return _with_shadowing_note(info, workspace)
    missing = [entry["path"] for entry in explain.RESPONSES if entry["status"] == 404]
    cause = explain.not_found_explanation(workspace, missing, [entry["path"] for entry in explain.RESPONSES])
    if cause:
        info["message"] = cause
    return _with_shadowing_note(info, workspace)


def _with_shadowing_note(info: dict, workspace: Path) -> dict:
    note = explain.shadowing_note(workspace)
    if note:
        info["message"] = f"{note} {info.get('message') or ''}".strip()
    return info

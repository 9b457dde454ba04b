"""The pytest plugin pack authors write checks against: workspace, app, client, db, restart, source.

The app may come from any framework: a WSGI app (Bottle, Flask, Falcon...) gets a WebTest client,
an ASGI app (FastAPI, Starlette...) a client of the same shape, and a Django project its own
temporary database with the learner's migrations applied (``sandbox.checker.frameworks``,
``django_project``, ``django_database``).

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

from sandbox.checker import explain, frameworks
from sandbox.checker.database import LearnerDatabase, usable
from sandbox.checker.django_database import DjangoDatabase, django_failure_note
from sandbox.checker.django_project import DjangoProject
from sandbox.checker.explain import (
    describe_failure,
    explain_import_error,
    format_detail,
    workspace_location,
)
from sandbox.checker.learner import (
    find_app,
    learner_modules,
    no_app_message,
    purge_learner_modules,
)
from sandbox.errors import LearnerCodeError
from sandbox.work import encoding as encodings

FIRST_IMPORT_FAILURE = pytest.StashKey[str]()
FIRST_FAILURE_IN_FILE = pytest.StashKey[dict]()  # check file path -> title of its first failed test
SETTINGS_MODULE = pytest.StashKey[object]()  # a Django project's settings module, else None


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
    """The learner's app: ``app``, else ``application``, else Bottle's default app (WSGI or ASGI); a
    Django project's WSGI application, on a fresh temporary database with its migrations applied."""
    return learner.app()


@pytest.fixture
def client(app, learner):
    """A WebTest client on the learner's app (a client of the same shape for an ASGI app). Pass
    ``status='*'`` or ``expect_errors=True`` to see 4xx/5xx."""
    return learner.client_for(app)


@pytest.fixture
def db(learner, tmp_path):
    """The learner's Peewee models on a fresh, empty temporary SQLite database, tables made; for a
    Django project, its models (``django.apps``) on the check's freshly migrated database."""
    if learner.settings_module:
        database = DjangoDatabase(learner.django_project())
    else:
        database = LearnerDatabase(learner, tmp_path / "check.sqlite")
    yield database
    database.close()


@pytest.fixture
def restart(request, learner):
    """``restart()``: a new client on a freshly imported copy of the learner's app and models, on the
    same temporary database as ``db``, so rows written before are still there (a database that lives
    in memory comes back empty). ``db.Article`` is the fresh model afterwards. An app without Peewee
    models (Flask or FastAPI on sqlite3, say) keeps the files it wrote in the check's copy of the
    workspace; a Django project keeps its temporary database."""
    database = request.getfixturevalue("db") if learner.settings_module or learner.uses_peewee() else None

    def again():
        learner.restart()
        if database is not None:
            database.reload()
        return learner.client_for(learner.app())

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
        self._clients: list = []
        self._django = None
        self._old_cwd = os.getcwd()
        self._old_template_path = list(bottle.TEMPLATE_PATH)
        # A Django project (its manage.py names its settings) is set up once per check process, as
        # Django can only be; every other app is imported afresh for each test.
        if SETTINGS_MODULE not in config.stash:  # the files stay as they are for the whole check
            config.stash[SETTINGS_MODULE] = frameworks.django_settings_module(workspace, self.app_file)
        self.settings_module = config.stash[SETTINGS_MODULE]
        project = DjangoProject.current
        bottle.app.push()  # a fresh default app for module-level @route decorators
        # Each test imports the learner's files afresh; within a test, app.py and the db
        # fixture must share one `models` module, so purge here and never again per load.
        if not (self.settings_module and project is not None and project.workspace == workspace):
            purge_learner_modules(workspace, [Path(self.app_file).stem])
        os.chdir(workspace)
        if str(workspace) not in sys.path:
            sys.path.insert(0, str(workspace))
        bottle.TEMPLATE_PATH.insert(0, str(workspace / "views") + os.sep)
        bottle.TEMPLATES.clear()
        # A learner's bare run() would otherwise serve forever, whenever it is called. The other servers
        # (app.run(), uvicorn.run(app), waitress.serve(app)...) are skipped only while a learner's file is
        # imported (``load``): a check may run their script as ``python serve.py`` with a stand-in of its own.
        self._old_run = bottle.run
        bottle.run = _ignore_run

    def load(self, filename: str):
        if filename in self._loaded:
            return self._loaded[filename]
        failure = self.config.stash.get(FIRST_IMPORT_FAILURE, None)
        if failure:
            pytest.skip(f"Not checked yet: first fix {failure}.")
        if not (self.workspace / filename).is_file():
            self._fail(f"There is no {filename} in your workspace yet.", filename)
        servers = frameworks.ServerGuard(_ignore_run)
        try:
            module = __import__(Path(filename).stem)
        except (Exception, SystemExit) as exc:
            message, file, line = explain_import_error(exc, self.workspace, filename)
            self._fail(message, file, line, cause=exc)
        finally:
            servers.close()
        self._loaded[filename] = module
        return module

    def _fail(self, message, file, line=None, cause=None):
        where = workspace_location(file, line) or file
        self.config.stash[FIRST_IMPORT_FAILURE] = where
        raise LearnerCodeError(message, file, line) from cause

    def app(self):
        """The learner's app (WSGI or ASGI), or their Django project's."""
        if self.settings_module:
            project = self.django_project()
            return project.asgi_app() if Path(self.app_file).name == "asgi.py" else project.wsgi_app()
        app = find_app(self.load(self.app_file))
        if app is None:
            self._fail(no_app_message(self.app_file, self.workspace), self.app_file)
        return app

    wsgi_app = app  # its name when only WSGI apps were found

    def django_project(self) -> DjangoProject:
        """The learner's Django project, set up for checks; a fresh migrated database for each test."""
        if self._django is None:
            failure = self.config.stash.get(FIRST_IMPORT_FAILURE, None)
            if failure:
                pytest.skip(f"Not checked yet: first fix {failure}.")
            servers = frameworks.ServerGuard(_ignore_run)  # as in load(): while the project's files are imported
            try:
                project = DjangoProject.for_checks(self.workspace, self.settings_module, self.app_file)
            except LearnerCodeError as error:
                self._fail(str(error), error.file or self.app_file, error.line, cause=error)
            finally:
                servers.close()
            project.fresh_database()
            self._django = project
        return self._django

    def client_for(self, app):
        """The test client for ``app``: WebTest for a WSGI app (with Django's test host for a Django
        project), a WebTest-shaped client for an ASGI app; closed when the test ends."""
        if self.settings_module and not frameworks.is_asgi(app):
            client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "testserver"})
        else:
            client = frameworks.client_for(app)
        self._clients.append(client)
        return client

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
        if self.models_file != self.app_file and not all(usable(m._meta.database) for m in found.values()):
            self.load(self.app_file)
            found = self._defined_models()
        return found

    def uses_peewee(self) -> bool:
        """Whether the learner's files use Peewee: read, not imported, so the ``db`` fixture's redirect
        is in place before their code first runs, as it always was."""
        for path in sorted(self.workspace.glob("*.py"))[:200]:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if "peewee" in text or "playhouse" in text:
                return True
        return False

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
        self._close_clients()
        if self._django is not None:
            self._django.restart()
            return
        purge_learner_modules(self.workspace, [Path(self.app_file).stem])
        self._loaded.clear()
        if len(bottle.app) > 1:
            bottle.app.pop()
        bottle.app.push()
        bottle.TEMPLATES.clear()

    def _close_clients(self):
        clients, self._clients = self._clients, []
        for client in clients:
            if hasattr(client, "close"):
                client.close()

    def close(self):
        try:
            self._close_clients()  # an ASGI app's shutdown handlers run here
        finally:
            bottle.run = self._old_run
            bottle.TEMPLATE_PATH[:] = self._old_template_path
            bottle.TEMPLATES.clear()
            if len(bottle.app) > 1:
                bottle.app.pop()
            os.chdir(self._old_cwd)


def _workspace_of(config) -> Path:
    chosen = config.getoption("sandbox_workspace") or os.getcwd()
    return Path(chosen).resolve()


def _title(item) -> str:
    doc = inspect.getdoc(getattr(item, "obj", None)) if hasattr(item, "obj") else None
    if doc:
        return doc.strip().splitlines()[0]
    name = getattr(item, "originalname", None) or item.name
    return name.removeprefix("test_").replace("_", " ").strip().capitalize() or item.name


def _ignore_run(module="bottle", attribute="run"):
    if module == "bottle":
        print("(The check skipped run(): put it under if __name__ == '__main__': to keep your app importable.)")
    else:
        print(f"(The check skipped the server your app starts when it is imported ({attribute.split('.')[-1]}()): put "
              "it under if __name__ == '__main__': to keep your app importable.)")



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
    unmigrated = django_failure_note(exc)
    if unmigrated:
        info["message"] = unmigrated
        return info
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

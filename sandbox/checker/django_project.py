"""The learner's Django project, set up once per process, for the checks and for the preview.

``DjangoProject.for_checks``: every database the settings name is a temporary SQLite file with the
learner's migrations applied once, and a fresh copy of it for each test; ``for_preview``: the project as
the learner wrote it, on their own database. Its helpers: ``module_file`` (a dotted module as its
workspace file), the checks' WSGI handler (``_check_handler``) and fast SQLite (``_quick_sqlite``).
The ``db`` fixture's view of the project is ``sandbox.checker.django_database``.

Only the standard library is imported here up front: Django from the pack's environment, when used.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from sandbox.checker.asgi_client import MissingLibrary
from sandbox.errors import LearnerCodeError


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

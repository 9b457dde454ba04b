"""A Django project's database as the checks see it: the ``db`` fixture (``DjangoDatabase``) and why a
check failed on a missing table or column (``django_failure_note``: models changed since the last migration).

Only the standard library is imported here up front: Django's modules once a project is set up.
"""

from __future__ import annotations

import contextlib
import re

from sandbox.checker.django_project import DjangoProject
from sandbox.errors import LearnerCodeError


class DjangoDatabase:
    """The ``db`` fixture for a Django project: ``db.Post`` (or ``db["Post"]``, ``db["blog.Post"]``) is a
    model class of the learner's apps (then of Django's own, like ``db.User``), ``db.database`` the
    connection, on the check's fresh migrated database."""

    in_memory = False

    def __init__(self, project: DjangoProject):
        self.project = project
        self.models: dict[str, type] = {}
        self.reload()

    def reload(self) -> None:
        from django.apps import apps

        found: dict[str, type] = {}
        everything = apps.get_models(include_auto_created=True)
        for model in sorted(everything, key=lambda m: not self.project.owns(m)):  # the learner's first
            found.setdefault(model.__name__, model)
            found.setdefault(f"{model._meta.app_label}.{model.__name__}", model)
        self.models = found

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name):
        models = self.__dict__.get("models", {})
        if name in models:
            return models[name]
        raise LearnerCodeError(
            f"There is no model named {name} yet: the check looked in the apps that INSTALLED_APPS lists in "
            f"{self.project.settings_file} for a class {name.split('.')[-1]}(models.Model):. Add it to an app's "
            f"models.py, and the app to INSTALLED_APPS.", self.project.settings_file)

    @property
    def database(self):
        from django.db import connection

        return connection

    @property
    def databases(self) -> list:
        from django.db import connections

        return [connections[alias] for alias in connections]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            DjangoProject._close_connections()


DATABASE_MISSING_PIECE = re.compile(r"no such table|no such column|has no column named", re.IGNORECASE)


def django_failure_note(exc: BaseException) -> str | None:
    """Why a Django check failed on a missing table or column: models changed after the last migration."""
    project = DjangoProject.current
    text = f"{exc} {exc.__cause__ or ''} {exc.__context__ or ''}"
    if project is None or not project.databases or not DATABASE_MISSING_PIECE.search(text):
        return None
    pending = project.pending_changes()
    if not pending:
        return None
    shown = "; ".join(pending[:3]) + ("..." if len(pending) > 3 else "")
    return (f"Your models changed since your last migration ({shown}), so the database has no place for "
            f"that yet: run python manage.py makemigrations in the terminal (then python manage.py migrate), "
            f"and check again.")

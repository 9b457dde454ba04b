"""The ``db`` fixture's database: the learner's Peewee models on the check's temporary SQLite file.

``LearnerDatabase`` finds the learner's models and databases (a plain SqliteDatabase, a
DatabaseProxy, a BaseModel, ``bind``, ``playhouse.db_url``), sends every SQLite file their code
opens to a temporary file while it is open, and keeps an in-memory database in memory.
"""

from __future__ import annotations

import os
from pathlib import Path

import peewee

from sandbox.checker.learner import learner_modules
from sandbox.errors import LearnerCodeError


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


def usable(database) -> bool:
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

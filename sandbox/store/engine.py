"""SQLite for the sandbox: storage failures as one StorageError, and the database the models use.

The models are bound to ``database``, which sends each thread's queries to the Store that thread
activated (a request activates its app's Store), so two Stores on two data folders can serve in
one process. ``SandboxDatabase`` turns SQLite's "cannot write" result codes into StorageError.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import contextmanager

from peewee import DatabaseProxy, SqliteDatabase

from sandbox.errors import StorageError

log = logging.getLogger(__name__)
PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": "normal"}

# SQLite's primary result codes for a data folder it cannot write (https://sqlite.org/rescode.html),
# and what to tell the learner. Extended codes (SQLITE_IOERR_WRITE, ...) carry the primary one in
# their low byte.
STORAGE_FAILURES = {
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_IOERR: "the disk refused to write (it may be full)",
    sqlite3.SQLITE_READONLY: "the data folder is read-only",
    sqlite3.SQLITE_CANTOPEN: "the database file cannot be opened",
    sqlite3.SQLITE_PERM: "the sandbox may not write there",
}


def storage_failure(exc: BaseException) -> str | None:
    """The sentence for ``exc`` when SQLite failed to write the data folder, else None.

    Looks through the exception chain, since a failed commit fails its rollback too, and Peewee
    wraps sqlite3's error (whose ``sqlite_errorcode`` tells the cause) in its own type.
    """
    for error in _chain(exc):
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(error, sqlite3.Error) and isinstance(code, int) and code & 0xFF in STORAGE_FAILURES:
            return (f"The sandbox could not write to its data folder because {STORAGE_FAILURES[code & 0xFF]}. "
                    "Free some space or fix the folder, then try again; everything saved before this is kept.")
    return None


def _chain(exc: BaseException | None, depth: int = 10):
    """The exception and those it happened during."""
    while exc is not None and depth:
        yield exc
        exc, depth = exc.__cause__ or exc.__context__, depth - 1


@contextmanager
def _storage_errors():
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:
        sentence = storage_failure(exc)
        if sentence is None:
            raise
        raise StorageError(sentence) from exc


class SandboxDatabase(SqliteDatabase):
    """Peewee's SqliteDatabase whose every way to the disk raises StorageError when the disk refuses."""

    def connect(self, reuse_if_open=False):
        with _storage_errors():
            return super().connect(reuse_if_open)

    def execute_sql(self, sql, params=None):
        with _storage_errors():
            return super().execute_sql(sql, params)

    def begin(self, *args, **kwargs):
        with _storage_errors():
            return super().begin(*args, **kwargs)

    def commit(self):
        with _storage_errors():
            return super().commit()

    def rollback(self):
        with _storage_errors():
            return super().rollback()


class _ThreadRouted(DatabaseProxy):
    """A Peewee database proxy whose target is chosen per thread (by ``Store.activate``)."""

    __slots__ = ()
    _local = threading.local()

    @property
    def obj(self):
        return getattr(self._local, "database", None)

    @obj.setter
    def obj(self, value):
        self._local.database = value

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        if self.obj is None:
            raise AttributeError(f"no store is open on this thread (asked for {name!r}); open a Store first")
        return getattr(self.obj, name)


database = _ThreadRouted()


def atomic():
    """A transaction (or savepoint, when nested) on this thread's store."""
    return database.atomic()


@contextmanager
def unless_disk_fails(what: str):
    """Run bookkeeping a page can do without: a full or read-only disk skips it, with a log line."""
    try:
        with database.atomic():
            yield
    except StorageError as exc:
        log.warning("Skipped %s: %s", what, exc)

"""SQLite for the sandbox: storage failures as one StorageError, and the database the models use.

The models are bound to ``database``, which sends each thread's queries to the Store that thread
activated (a request activates its app's Store), so two Stores on two data folders can serve in
one process. ``SandboxDatabase`` turns SQLite's "cannot write" result codes into StorageError, and
a database another writer holds for longer than ``BUSY_WAIT_MS`` into DatabaseBusy (503).

Every transaction starts as a writer (``BEGIN IMMEDIATE``): a read-then-write in a deferred
transaction cannot wait for another writer (SQLite answers "database is locked" at once), while an
immediate one waits its turn on the busy timeout. Commits are durable when they return
(``synchronous=FULL``): a save the page calls saved is in its history after a power cut too.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import ExitStack, contextmanager

from peewee import DatabaseProxy, SqliteDatabase

from sandbox.errors import DatabaseBusy, StorageError

log = logging.getLogger(__name__)
# How long a request waits for another writer (another request, or another program holding a write
# lock on sandbox.db) before it says the database is busy; bookkeeping a page can skip waits less.
BUSY_WAIT_MS = 5000
BOOKKEEPING_WAIT_MS = 1000
# FULL: a commit is on the disk when it returns (WAL + NORMAL may lose the last commits to a power cut).
SYNCHRONOUS = "full"
PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": BUSY_WAIT_MS, "synchronous": SYNCHRONOUS}
BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
BUSY_SENTENCE = ("Another program is using the sandbox's database (sandbox.db) right now, so this could not be "
                 "recorded yet. Close the program that has it open (a database browser, say) and try again in a "
                 "moment; nothing you saved before is lost.")

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


def busy(exc: BaseException) -> bool:
    """Did SQLite give up waiting for a lock another connection (or program) holds?"""
    return any(isinstance(error, sqlite3.Error) and isinstance(getattr(error, "sqlite_errorcode", None), int)
               and error.sqlite_errorcode & 0xFF in BUSY_CODES for error in _chain(exc))


@contextmanager
def _storage_errors():
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:
        if busy(exc):
            raise DatabaseBusy(BUSY_SENTENCE) from exc
        sentence = storage_failure(exc)
        if sentence is None:
            raise
        raise StorageError(sentence) from exc


class SandboxDatabase(SqliteDatabase):
    """Peewee's SqliteDatabase whose every way to the disk raises StorageError when the disk refuses.

    Its transactions begin IMMEDIATE (as writers), and each connection waits ``BUSY_WAIT_MS`` for
    a lock and commits with ``SYNCHRONOUS`` durability (read when it connects).
    """

    def __init__(self, database, **kwargs):
        kwargs.setdefault("lock_type", "IMMEDIATE")
        super().__init__(database, **kwargs)

    def _set_pragmas(self, conn):
        super()._set_pragmas(conn)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_WAIT_MS)}")
        conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")

    def wait_at_most(self, milliseconds: int) -> None:
        """Wait at most this long for a lock on this thread's connection (until it reconnects)."""
        self.connection().execute(f"PRAGMA busy_timeout = {int(milliseconds)}")

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
    """A transaction (or savepoint, when nested) on this thread's store; it begins as a writer
    (IMMEDIATE), so it waits for another writer instead of failing halfway."""
    return database.atomic()


@contextmanager
def unless_disk_fails(what: str):
    """Run bookkeeping a page can do without: a full or read-only disk, or a database another
    program holds for more than BOOKKEEPING_WAIT_MS, skips it with a log line.

    When even the transaction cannot begin, the block still runs (a context manager cannot skip
    it): its reads work, and its first write fails as quickly and is skipped the same way.
    """
    try:
        with ExitStack() as stack:
            outermost = database.transaction_depth() == 0
            if outermost:
                stack.callback(_wait_at_most_quietly, BUSY_WAIT_MS)  # the connection's usual wait, after
            try:
                if outermost:
                    database.wait_at_most(BOOKKEEPING_WAIT_MS)
                stack.enter_context(database.atomic())
            except StorageError:
                if outermost:  # waited once already: the block's first write gives up at once
                    _wait_at_most_quietly(0)
            yield
    except StorageError as exc:  # from the block, or from its commit
        log.warning("Skipped %s: %s", what, exc)


def _wait_at_most_quietly(milliseconds: int) -> None:
    try:
        database.wait_at_most(milliseconds)
    except StorageError:
        pass

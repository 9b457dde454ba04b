"""The sandbox's database: one ``Store`` per data folder, SQLite (WAL, foreign keys) through Peewee.

``Store.open(path)`` binds a fresh database to the file, upgrades it through the numbered
migrations and keeps one idle connection open for its lifetime. A corrupt file is kept aside
with a timestamp and a fresh database takes its place; a newer schema is refused. The models
(``store.models``) reach whichever Store the current thread activated.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from peewee import DatabaseError

from sandbox.errors import StoreError
from sandbox.store import engine
from sandbox.store.engine import PRAGMAS, SandboxDatabase, atomic, unless_disk_fails  # noqa: F401 - the store's API
from sandbox.store.migrations import migrate


@dataclass
class OpenResult:
    version: int
    upgraded_from: int | None = None
    corrupt_copy: Path | None = None


class Store:
    """One data folder's database. Build it with ``Store.open(path)``; ``close()`` when done."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = SandboxDatabase(None)
        self.opened = OpenResult(version=0)
        self._keeper: sqlite3.Connection | None = None

    @classmethod
    def open(cls, path: Path, *, migrations=None) -> Store:
        """Open (creating or upgrading) the database at ``path`` and activate it on this thread.

        Raises StoreError when the file is from a newer sandbox or cannot be created at all;
        StorageError when the disk refuses.
        """
        store = cls(path)
        store._open(migrations)
        return store

    def _open(self, migrations) -> None:
        corrupt_copy = None
        if self.path.exists() and not _is_sqlite(self.path):
            corrupt_copy = _set_aside(self.path)
        self._bind()
        try:
            with self.db.connection_context():
                before, after = migrate(self.db, migrations)
        except DatabaseError as exc:
            self.db.close()
            if corrupt_copy is not None:
                raise StoreError(f"The database {self.path} could not be created: {exc}") from None
            corrupt_copy = _set_aside(self.path)
            self._bind()
            with self.db.connection_context():
                before, after = migrate(self.db, migrations)
        self._hold_open()
        self.opened = OpenResult(version=after, upgraded_from=before if 0 < before < after else None,
                                 corrupt_copy=corrupt_copy)

    def _bind(self) -> None:
        self.db.init(str(self.path), pragmas=PRAGMAS, check_same_thread=False)
        self.activate()

    def activate(self) -> None:
        """Send this thread's model queries to this store (each request does this first)."""
        engine.database.obj = self.db

    def connect(self) -> None:
        """Activate this store and open this thread's connection (the start of a request)."""
        self.activate()
        self.db.connect(reuse_if_open=True)

    def disconnect(self) -> None:
        """Close this thread's connection (the end of a request)."""
        if not self.db.is_closed():
            self.db.close()

    def close(self) -> None:
        """Close every connection; the models stop reaching this store on this thread."""
        if not self.db.is_closed():
            self.db.close()
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None
        if engine.database.obj is self.db:
            engine.database.obj = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _hold_open(self) -> None:
        """Keep one idle connection open for as long as the store is.

        Requests each open and close their own connection, and SQLite deletes the write-ahead log
        and its index when the last connection closes: without this one, every request would make
        them again, and on a full disk not even a page could be read.
        """
        if self._keeper is not None:
            self._keeper.close()
        self._keeper = sqlite3.connect(str(self.path), check_same_thread=False)
        self._keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    if head == b"":
        return True
    if head != b"SQLite format 3\x00":
        return False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def _set_aside(path: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.rename(target.with_name(target.name + suffix))
    return target

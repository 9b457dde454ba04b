"""The sandbox's database: Peewee models on SQLite (WAL, foreign keys) and numbered migrations.

The database object is created unbound and bound once by ``open_store(path)``. An older
database is upgraded on start, never dropped; a newer one is refused; a corrupt file is
kept aside with a timestamp and a fresh database takes its place.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from peewee import (
    BooleanField,
    CharField,
    DatabaseError,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)

from sandbox.errors import StoreError

log = logging.getLogger(__name__)
db = SqliteDatabase(None)
# One idle connection held while the store is open; see _hold_open.
_keeper: sqlite3.Connection | None = None
PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": "normal"}
THEMES = ("light", "dark")
FONT_SIZES = range(10, 29)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db


class SchemaVersion(BaseModel):
    version = IntegerField()


class Preference(BaseModel):
    """App-wide key/value settings, such as which learner profile is active."""

    key = CharField(primary_key=True)
    value = TextField()


class Learner(BaseModel):
    name = CharField(max_length=80)
    theme = CharField(default="light")
    font_size = IntegerField(default=14)
    created_at = DateTimeField(default=now)


class StepState(BaseModel):
    learner = ForeignKeyField(Learner, backref="step_states", on_delete="CASCADE")
    pack_id = CharField()
    lesson_id = CharField()
    step_id = CharField()
    status = CharField(default="open")  # open | passed
    attempts = IntegerField(default=0)
    hints_revealed = IntegerField(default=0)
    solution_viewed = BooleanField(default=False)
    first_opened_at = DateTimeField(default=now)
    passed_at = DateTimeField(null=True)
    seconds_spent = IntegerField(default=0)
    last_active_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("learner", "pack_id", "lesson_id", "step_id"), True),)


class Attempt(BaseModel):
    learner = ForeignKeyField(Learner, backref="attempts", on_delete="CASCADE")
    pack_id = CharField()
    lesson_id = CharField()
    step_id = CharField()
    kind = CharField()  # code | quiz
    passed = BooleanField()
    duration_ms = IntegerField(default=0)
    result_json = TextField(default="{}")
    created_at = DateTimeField(default=now)


class FileVersion(BaseModel):
    learner = ForeignKeyField(Learner, backref="file_versions", on_delete="CASCADE")
    pack_id = CharField()
    lesson_id = CharField()
    path = CharField()
    content = TextField()
    reason = CharField(default="save")  # save | check | reset | restore | starter
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("learner", "pack_id", "lesson_id", "path"), False),)


class ImportedReport(BaseModel):
    """A learner's progress report imported on the Instructor page (the gradebook keeps them)."""

    report_id = CharField(unique=True)
    learner_name = CharField()
    pack_id = CharField()
    pack_version = CharField()
    generated_at = CharField()
    content = TextField()  # the report's JSON, as checked on import
    imported_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("learner_name", "pack_id"), False),)


def _migration_1(database):
    database.create_tables([SchemaVersion, Preference, Learner])
    Learner.create(name="Learner")


def _migration_2(database):
    database.create_tables([StepState, Attempt, FileVersion])


def _migration_3(database):
    from playhouse.migrate import SqliteMigrator, migrate

    # Migration 2 creates tables from today's models, which already carry the column.
    if "last_active_at" in {c.name for c in database.get_columns("stepstate")}:
        return
    migrate(SqliteMigrator(database).add_column("stepstate", "last_active_at", StepState.last_active_at))


def _migration_4(database):
    database.create_tables([ImportedReport])


# Numbered migrations: index + 1 is the schema version each one produces. Append only.
def _migration_5(database):
    # A long history (tens of thousands of attempts) must keep the lesson and progress pages quick.
    database.execute_sql("CREATE INDEX IF NOT EXISTS attempt_by_step ON attempt "
                         "(learner_id, pack_id, lesson_id, step_id, id)")
    database.execute_sql("CREATE INDEX IF NOT EXISTS attempt_by_time ON attempt (learner_id, created_at)")


MIGRATIONS = [_migration_1, _migration_2, _migration_3, _migration_4, _migration_5]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass
class OpenResult:
    version: int
    upgraded_from: int | None = None
    corrupt_copy: Path | None = None


def open_store(path: Path, *, migrations=None) -> OpenResult:
    """Bind the database to ``path``, upgrade it, and say what happened."""
    migrations = MIGRATIONS if migrations is None else migrations
    corrupt_copy = None
    if path.exists() and not _is_sqlite(path):
        corrupt_copy = _set_aside(path)
    db.init(str(path), pragmas=PRAGMAS, check_same_thread=False)
    try:
        with db.connection_context():
            before, after = _migrate(migrations)
    except DatabaseError as exc:
        db.close()
        if corrupt_copy is not None:
            raise StoreError(f"The database {path} could not be created: {exc}") from None
        corrupt_copy = _set_aside(path)
        db.init(str(path), pragmas=PRAGMAS, check_same_thread=False)
        with db.connection_context():
            before, after = _migrate(migrations)
    _hold_open(path)
    return OpenResult(version=after, upgraded_from=before if 0 < before < after else None, corrupt_copy=corrupt_copy)


def close_store() -> None:
    global _keeper
    if not db.is_closed():
        db.close()
    if _keeper is not None:
        _keeper.close()
        _keeper = None


def _hold_open(path: Path) -> None:
    """Keep one idle connection open for as long as the store is.

    Requests each open and close their own connection, and SQLite deletes the write-ahead log
    and its index when the last connection closes: without this one, every request would make
    them again, and on a full disk not even a page could be read.
    """
    global _keeper
    if _keeper is not None:
        _keeper.close()
    _keeper = sqlite3.connect(str(path), check_same_thread=False)
    _keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()


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


def _current_version() -> int:
    if not db.table_exists("schemaversion"):
        return 0
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


def _migrate(migrations) -> tuple[int, int]:
    before = _current_version()
    target = len(migrations)
    if before > target:
        raise StoreError(
            f"This database was written by a newer version of the sandbox (schema {before}, "
            f"this version knows up to {target}). Update the sandbox, or start with another --data-dir."
        )
    for number in range(before + 1, target + 1):
        with db.atomic():
            migrations[number - 1](db)
            SchemaVersion.delete().execute()
            SchemaVersion.create(version=number)
    return before, target


# SQLite's words for a data folder it cannot write, and what to tell the learner.
STORAGE_FAILURES = {
    "database or disk is full": "the disk is full",
    "disk i/o error": "the disk refused to write (it may be full)",
    "attempt to write a readonly database": "the data folder is read-only",
    "unable to open database file": "the database file cannot be opened",
}


def storage_failure(exc: Exception) -> str | None:
    """A sentence when ``exc`` is SQLite failing to write the data folder, else None."""
    texts = [str(error).lower() for error in _chain(exc) if isinstance(error, (DatabaseError, sqlite3.DatabaseError))]
    why = next((sentence for text in texts for words, sentence in STORAGE_FAILURES.items() if words in text), None)
    if why is None:
        return None
    return (f"The sandbox could not write to its data folder because {why}. Free some space or fix the "
            "folder, then try again; everything saved before this is kept.")


def _chain(exc: BaseException | None, depth: int = 10):
    """The exception and those it happened during: a failed commit fails its rollback too."""
    while exc is not None and depth:
        yield exc
        exc, depth = exc.__cause__ or exc.__context__, depth - 1


@contextmanager
def unless_disk_fails(what: str):
    """Run bookkeeping a page can do without: a full or read-only disk skips it, with a log line."""
    try:
        with db.atomic():
            yield
    except DatabaseError as exc:
        if storage_failure(exc) is None:
            raise
        log.warning("Skipped %s: %s", what, exc)


def connect() -> None:
    db.connect(reuse_if_open=True)


def disconnect() -> None:
    if not db.is_closed():
        db.close()


def get_preference(key: str, default: str | None = None) -> str | None:
    row = Preference.get_or_none(Preference.key == key)
    return row.value if row else default


def set_preference(key: str, value: str) -> None:
    Preference.insert(key=key, value=value).on_conflict_replace().execute()


def current_learner() -> Learner:
    """The active profile; the first learner when none is chosen (there is always one)."""
    chosen = get_preference("current_learner")
    learner = Learner.get_or_none(Learner.id == int(chosen)) if chosen and chosen.isdigit() else None
    if learner is None:
        learner = Learner.select().order_by(Learner.id).first() or Learner.create(name="Learner")
    return learner

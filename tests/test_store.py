"""The store: WAL and foreign keys, migrations that upgrade and never drop, refusal of newer databases,
one Store per data folder, and storage failures recognised by SQLite's result codes."""

import sqlite3
import threading

import pytest

from sandbox.classroom.profiles import current_learner
from sandbox.errors import StorageError, StoreError
from sandbox.store import Store
from sandbox.store.engine import SandboxDatabase, database, storage_failure
from sandbox.store.migrations import MIGRATIONS, SCHEMA_VERSION
from sandbox.store.models import Learner, SchemaVersion
from sandbox.store.preferences import set_preference


def test_fresh_database_has_wal_foreign_keys_and_a_default_learner(tmp_path):
    with Store.open(tmp_path / "db.sqlite") as store:
        assert store.opened.version == SCHEMA_VERSION
        with store.db.connection_context():
            assert store.db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert store.db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
            assert current_learner().name == "Learner"


def test_older_database_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "db.sqlite"
    with Store.open(path, migrations=MIGRATIONS[:1]) as old:
        with old.db.connection_context():
            Learner.create(name="Kept")
    with Store.open(path) as store:
        assert store.opened.upgraded_from == 1 and store.opened.version == SCHEMA_VERSION
        with store.db.connection_context():
            assert {l.name for l in Learner.select()} == {"Learner", "Kept"}
            assert store.db.table_exists("attempt")


def test_newer_database_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "db.sqlite"
    with Store.open(path) as store, store.db.connection_context():
        SchemaVersion.update(version=99).execute()
    with pytest.raises(StoreError, match="newer version of the sandbox"):
        Store.open(path)


def test_corrupt_database_is_kept_aside_and_a_fresh_one_started(tmp_path):
    path = tmp_path / "db.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    with Store.open(path) as store:
        copy = store.opened.corrupt_copy
        assert copy is not None and copy.exists() and copy.read_bytes().startswith(b"this is not")
        with store.db.connection_context():
            assert current_learner().name == "Learner"
    sqlite3.connect(path).execute("PRAGMA quick_check").fetchone()


def test_the_write_ahead_log_outlives_each_request_while_the_store_is_open(tmp_path):
    path = tmp_path / "db.sqlite"
    with Store.open(path) as store:
        for _ in range(2):  # what every request does: its own connection, closed after it
            store.connect()
            set_preference("probe", "x")
            store.disconnect()
            assert path.with_name("db.sqlite-wal").exists() and path.with_name("db.sqlite-shm").exists()
    assert not path.with_name("db.sqlite-wal").exists()  # the last connection closed: folded back in


def test_two_stores_in_one_process_each_keep_their_own_rows(tmp_path):
    first, second = Store.open(tmp_path / "one.db"), Store.open(tmp_path / "two.db")
    try:
        first.connect()
        Learner.create(name="Only in one")
        first.disconnect()
        seen = {}

        def other_thread():
            second.connect()
            seen["two"] = sorted(l.name for l in Learner.select())
            second.disconnect()

        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        first.connect()
        assert sorted(l.name for l in Learner.select()) == ["Learner", "Only in one"]
        first.disconnect()
        assert seen["two"] == ["Learner"]
    finally:
        first.close()
        second.close()


def test_a_thread_with_no_store_is_told_so():
    found = {}

    def no_store():
        try:
            Learner.select().count()
        except AttributeError as exc:
            found["error"] = str(exc)

    worker = threading.Thread(target=no_store)
    worker.start()
    worker.join()
    assert "no store is open on this thread" in found["error"]


def coded(code: int, message: str = "whatever the words") -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


@pytest.mark.parametrize("code, words", [
    (sqlite3.SQLITE_FULL, "the disk is full"),
    (sqlite3.SQLITE_IOERR, "it may be full"),
    (sqlite3.SQLITE_IOERR | (3 << 8), "it may be full"),  # SQLITE_IOERR_WRITE, an extended code
    (sqlite3.SQLITE_READONLY, "read-only"),
    (sqlite3.SQLITE_CANTOPEN, "cannot be opened"),
])
def test_sqlite_failing_to_write_is_a_sentence_found_by_its_result_code(code, words):
    sentence = storage_failure(coded(code))
    assert words in sentence and "everything saved before this is kept" in sentence


def test_the_words_of_an_error_are_not_what_decides():
    assert storage_failure(sqlite3.OperationalError("database or disk is full")) is None  # no result code
    assert storage_failure(coded(sqlite3.SQLITE_ERROR, "database or disk is full")) is None
    assert storage_failure(ValueError("database or disk is full")) is None


def test_a_failed_rollback_after_a_full_disk_is_still_a_full_disk():
    try:
        try:
            raise coded(sqlite3.SQLITE_FULL)
        except sqlite3.OperationalError:
            raise sqlite3.OperationalError("cannot rollback - no transaction is active")
    except sqlite3.OperationalError as exc:
        assert "the disk is full" in storage_failure(exc)


def test_the_database_raises_storage_error_when_sqlite_cannot_open_the_file(tmp_path):
    db = SandboxDatabase(str(tmp_path / "missing-folder" / "db.sqlite"))
    with pytest.raises(StorageError, match="cannot be opened"):
        db.connect()


def test_a_read_only_database_file_is_a_storage_error(tmp_path):
    path = tmp_path / "db.sqlite"
    with Store.open(path):
        pass
    db = SandboxDatabase(f"file:{path}?mode=ro", uri=True)
    previous = database.obj
    database.obj = db
    try:
        with pytest.raises(StorageError, match="read-only"):
            Learner.create(name="Nope")
    finally:
        db.close()
        database.obj = previous

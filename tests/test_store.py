"""The store: WAL and foreign keys, migrations that upgrade and never drop, refusal of newer databases."""

import sqlite3

import pytest

from sandbox import store
from sandbox.errors import StoreError


def test_fresh_database_has_wal_foreign_keys_and_a_default_learner(tmp_path):
    result = store.open_store(tmp_path / "db.sqlite")
    try:
        assert result.version == store.SCHEMA_VERSION
        with store.db.connection_context():
            assert store.db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert store.db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
            assert store.current_learner().name == "Learner"
    finally:
        store.close_store()


def test_older_database_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "db.sqlite"
    store.open_store(path, migrations=store.MIGRATIONS[:1])
    with store.db.connection_context():
        store.Learner.create(name="Kept")
    store.close_store()
    result = store.open_store(path)
    try:
        assert result.upgraded_from == 1 and result.version == store.SCHEMA_VERSION
        with store.db.connection_context():
            assert {l.name for l in store.Learner.select()} == {"Learner", "Kept"}
            assert store.db.table_exists("attempt")
    finally:
        store.close_store()


def test_newer_database_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "db.sqlite"
    store.open_store(path)
    with store.db.connection_context():
        store.SchemaVersion.update(version=99).execute()
    store.close_store()
    with pytest.raises(StoreError, match="newer version of the sandbox"):
        store.open_store(path)
    store.close_store()


def test_corrupt_database_is_kept_aside_and_a_fresh_one_started(tmp_path):
    path = tmp_path / "db.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    result = store.open_store(path)
    try:
        assert result.corrupt_copy is not None and result.corrupt_copy.exists()
        assert result.corrupt_copy.read_bytes().startswith(b"this is not")
        with store.db.connection_context():
            assert store.current_learner().name == "Learner"
    finally:
        store.close_store()
    sqlite3.connect(path).execute("PRAGMA quick_check").fetchone()


def test_the_write_ahead_log_outlives_each_request_while_the_store_is_open(tmp_path):
    path = tmp_path / "db.sqlite"
    store.open_store(path)
    try:
        for _ in range(2):  # what every request does: its own connection, closed after it
            store.connect()
            store.set_preference("probe", "x")
            store.disconnect()
            assert path.with_name("db.sqlite-wal").exists() and path.with_name("db.sqlite-shm").exists()
    finally:
        store.close_store()
    assert not path.with_name("db.sqlite-wal").exists()  # the last connection closed: folded back in


@pytest.mark.parametrize("message, words", [
    ("database or disk is full", "the disk is full"),
    ("disk I/O error", "it may be full"),
    ("attempt to write a readonly database", "read-only"),
])
def test_sqlite_failing_to_write_is_a_sentence(message, words):
    sentence = store.storage_failure(sqlite3.OperationalError(message))
    assert words in sentence and "everything saved before this is kept" in sentence


def test_other_database_errors_are_not_mistaken_for_a_full_disk():
    assert store.storage_failure(sqlite3.OperationalError("no such table: learner")) is None
    assert store.storage_failure(ValueError("database or disk is full")) is None


def test_a_failed_rollback_after_a_full_disk_is_still_a_full_disk():
    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError:
            raise sqlite3.OperationalError("cannot rollback - no transaction is active")
    except sqlite3.OperationalError as exc:
        assert "the disk is full" in store.storage_failure(exc)

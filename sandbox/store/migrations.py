"""Numbered schema migrations: an older database is upgraded on start, never dropped; a newer one is refused.

Each migration is a function of the database; the list's index + 1 is the schema version it makes.
"""

from __future__ import annotations

from sandbox.errors import StoreError
from sandbox.store.models import Attempt, FileVersion, ImportedReport, Learner, Preference, SchemaVersion, StepState


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


def _migration_5(database):
    # A long history (tens of thousands of attempts) must keep the lesson and progress pages quick.
    database.execute_sql("CREATE INDEX IF NOT EXISTS attempt_by_step ON attempt "
                         "(learner_id, pack_id, lesson_id, step_id, id)")
    database.execute_sql("CREATE INDEX IF NOT EXISTS attempt_by_time ON attempt (learner_id, created_at)")


# Numbered migrations: index + 1 is the schema version each one produces. Append only.
MIGRATIONS = [_migration_1, _migration_2, _migration_3, _migration_4, _migration_5]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(database) -> int:
    if not database.table_exists("schemaversion"):
        return 0
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


def migrate(database, migrations=None) -> tuple[int, int]:
    """Run the migrations ``database`` has not had yet, each in its own transaction.

    Returns (version before, version after); StoreError when the database is newer than this sandbox.
    """
    migrations = MIGRATIONS if migrations is None else migrations
    before = current_version(database)
    target = len(migrations)
    if before > target:
        raise StoreError(
            f"This database was written by a newer version of the sandbox (schema {before}, "
            f"this version knows up to {target}). Update the sandbox, or start with another --data-dir."
        )
    for number in range(before + 1, target + 1):
        with database.atomic():
            migrations[number - 1](database)
            SchemaVersion.delete().execute()
            SchemaVersion.create(version=number)
    return before, target

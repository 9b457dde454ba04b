"""Checks for "Your first articles": the learner's own database file holds the articles they saved.

The check reads the database file that models.py names (however it is set up: class Meta, a
DatabaseProxy, bind, db_url), in the copy of the learner's folder the check runs in. It opens that
file read-only with sqlite3, never through the `db` fixture (which is a fresh, empty database of the
check's own) and never through the learner's `db` object (which would make an empty file where
there is none).
"""

import sqlite3
from pathlib import Path

import peewee
import pytest

SHELL = (
    "Open the Python shell tab under the editor and type (all on one line, or one part at a time): "
    "from models import Article, create_tables; create_tables(); "
    'Article.create(title="Hello, database", slug="hello-database", content="My first article.")'
)


def database_file(learner, workspace):
    """The file your models.py opens, as a path inside the check's copy of your folder."""
    Article = learner.models().get("Article")
    if Article is None:
        pytest.fail("There is no model named Article any more: keep the Article class in models.py.", pytrace=False)
    database = Article._meta.database
    while isinstance(database, peewee.DatabaseProxy):
        database = database.obj
    name = str(getattr(database, "database", "") or "")
    if not isinstance(database, peewee.SqliteDatabase) or not name or name == ":memory:" or name.startswith("file:"):
        pytest.fail(f"Your Article model does not use a database file (it uses {name!r}). In models.py, keep "
                    "db = SqliteDatabase(os.path.join(HERE, \"blog.db\")).", pytrace=False)
    path = Path(name)
    return path if path.is_absolute() else workspace / path


def read_only(path):
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def test_your_database_holds_an_article(learner, workspace):
    """Your blog.db holds at least one article"""
    path = database_file(learner, workspace)
    assert path.is_file(), (
        f"There is no {path.name} in your lesson folder yet, so no article has been saved. {SHELL}"
    )
    connection = read_only(path)
    try:
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as error:
            pytest.fail(f"{path.name} is not a database SQLite can read ({error}). Delete it in the Terminal tab "
                        f"with rm {path.name}, then start again. {SHELL}", pytrace=False)
        table = learner.models()["Article"]._meta.table_name
        others = sorted(name for name in tables if not name.startswith("sqlite_"))
        assert table in tables, (
            f"{path.name} has no {table} table yet, so Article.create(...) had nowhere to save "
            f"(\"no such table: {table}\")"
            + (f"; it has {', '.join(others)}, but your Article model uses the table {table}" if others else "")
            + f". Call create_tables() before you create articles. {SHELL}"
        )
        count = connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
    finally:
        connection.close()
    assert count >= 1, (
        f"The {table} table in {path.name} holds no articles yet: the table is there, but nothing was saved "
        f"in it. {SHELL} Then Article.select().count() tells you how many there are."
    )

"""Checks for "Your author account": the learner ran create_user.py on their own blog.db.

Like lesson 5's "Your first articles", the check reads the database file that models.py names, in
the copy of the learner's folder it runs in, read-only with sqlite3: never through the `db` fixture
(a fresh, empty database of the check's own) and never through the learner's `db` object.
"""

import sqlite3
from pathlib import Path

import pytest

RUN = ("Open the Terminal tab and run: python create_user.py. Answer its two questions (nothing shows while you "
       "type the password; that is on purpose), then press Check.")


def database_file(learner, workspace):
    """The file your models.py opens, as a path inside the check's copy of your folder."""
    User = learner.models().get("User")
    if User is None:
        pytest.fail("There is no User model any more: keep the User class in models.py.", pytrace=False)
    name = str(getattr(User._meta.database, "database", "") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        pytest.fail(f"Your User model does not use a database file (it uses {name!r}), so authors are forgotten "
                    "whenever the app stops. Keep users in the same blog.db as the articles.", pytrace=False)
    path = Path(name)
    return path if path.is_absolute() else workspace / path


@pytest.fixture
def authors(learner, workspace):
    """The rows of the user table in your own database: [{column: value}, ...]."""
    path = database_file(learner, workspace)
    if not path.is_file():
        pytest.fail(f"There is no {path.name} in your lesson folder. {RUN}", pytrace=False)
    connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        table = user_table(connection)
        assert table, f"{path.name} has no user table yet, so no author has been saved. {RUN}"
        return [dict(row) for row in connection.execute(f'SELECT * FROM "{table}"')]
    except sqlite3.DatabaseError as error:
        pytest.fail(f"{path.name} is not a database SQLite can read ({error}).", pytrace=False)
    finally:
        connection.close()


def user_table(connection):
    names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return next((name for name in names if name.lower() == "user"), None)


def test_your_database_holds_an_author(authors):
    """Your blog.db holds an author"""
    assert authors, f"The user table in your blog.db is there but holds no author yet. {RUN}"


def test_authors_have_a_password_hash(authors):
    """Every author's password is kept as a hash"""
    for author in authors:
        name = author.get("username", "an author")
        kept = "".join(str(value) for column, value in author.items() if column not in ("id", "username") and value)
        assert len(kept) >= 40, (
            f"The author {name!r} has only {kept!r} where the password's hash should be: that looks like the "
            "password itself (or nothing). Make accounts with python create_user.py, which stores "
            "hash_password(password). To start over, delete the row in the Python shell tab: "
            f"from models import User; User.delete().where(User.username == {name!r}).execute()")

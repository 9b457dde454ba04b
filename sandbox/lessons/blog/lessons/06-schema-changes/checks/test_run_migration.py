"""Checks for "Run the migration": the learner's own blog.db was migrated, and kept its articles.

This lesson's folder starts with a blog.db made with lesson 5's model: an article table without
summary, holding the two articles below. The learner runs `python migrate.py` in the Terminal tab;
these checks then read the database file that models.py names, in the copy of the learner's folder
the check runs in. They open it read-only with sqlite3: never through the `db` fixture (a fresh,
empty database of the check's own) and never through the learner's `db` object (which would make
an empty file where there is none).
"""

import sqlite3
from pathlib import Path

import pytest

# slug: every column of the row before the migration, as SQLite holds it
ARTICLES = {
    "hello-database": {"id": 1, "title": "Hello, database", "content": "My first article stored in a real database.",
                       "published": 0, "created_at": "2024-05-01 09:30:00"},
    "why-peewee": {"id": 2, "title": "Why I like Peewee",
                   "content": "A model is a plain Python class, and every row is an object.", "published": 1,
                   "created_at": "2024-05-02 18:15:00"},
}
RUN = "Open the Terminal tab and run: python migrate.py"
RESET = ("Press Reset this step to get the lesson's blog.db back as it was before the migration (Reset also "
         "puts migrate.py back to a working version; yours stays in its History), then run python migrate.py "
         "in the Terminal tab again.")


def database_file(learner, workspace):
    """The file your models.py opens, as a path inside the check's copy of your folder."""
    Article = learner.models().get("Article")
    if Article is None:
        pytest.fail("There is no model named Article any more: keep the Article class in models.py.", pytrace=False)
    name = str(getattr(Article._meta.database, "database", "") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        pytest.fail(f"Your Article model does not use a database file (it uses {name!r}). In models.py, keep "
                    "db = SqliteDatabase(os.path.join(HERE, \"blog.db\")).", pytrace=False)
    path = Path(name)
    path = path if path.is_absolute() else workspace / path
    if not path.is_file():
        pytest.fail(f"There is no {path.name} in your lesson folder, so there is nothing to migrate. {RESET}",
                    pytrace=False)
    return path


@pytest.fixture
def table(learner, workspace):
    """(an open read-only connection to your database, the names of the article table's columns)."""
    path = database_file(learner, workspace)
    connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(article)")]
    except sqlite3.DatabaseError as error:
        connection.close()
        pytest.fail(f"{path.name} is not a database SQLite can read ({error}). {RESET}", pytrace=False)
    if not columns:
        connection.close()
        pytest.fail(f"{path.name} has no article table at all. {RESET}", pytrace=False)
    yield connection, columns
    connection.close()


def never_ran_message(workspace):
    script = workspace / "migrate.py"
    if not script.is_file():
        return ("Your blog.db has no summary column yet, and there is no migrate.py in your lesson folder: "
                "write it again as in the last step, then " + RUN + ".")
    if "__main__" not in script.read_text(encoding="utf-8", errors="replace"):
        return ("Your blog.db has no summary column yet. Running python migrate.py only defines upgrade() and "
                "never calls it. Add two lines at the bottom of migrate.py: if __name__ == \"__main__\": and, "
                "indented under it, upgrade(). Then run python migrate.py in the Terminal tab again.")
    return (f"Your blog.db has no summary column yet: the migration has not run on it. {RUN} (it prints "
            "nothing when it works). Then the home page in the Your app tab works again.")


def test_your_database_has_the_summary_column(table, workspace):
    """Your blog.db has the summary column"""
    _, columns = table
    assert "summary" in columns, never_ran_message(workspace)
    assert columns.count("summary") == 1, "The article table has more than one summary column."


def test_every_article_is_still_there(table):
    """Every article from before the migration is still in blog.db, as it was"""
    connection, _ = table
    cursor = connection.execute("SELECT * FROM article")
    names = [column[0] for column in cursor.description]
    rows = {row.get("slug"): row for row in (dict(zip(names, values)) for values in cursor.fetchall())}
    missing = [slug for slug in ARTICLES if slug not in rows]
    assert not missing, (
        f"The articles that were in blog.db before the migration are gone ({', '.join(missing)}): the article "
        f"table holds {len(rows)} row(s) now. A migration must keep every row, so never delete blog.db or drop "
        f"the table to make the error go away. {RESET}"
    )
    for slug, expected in ARTICLES.items():
        changed = [name for name, value in expected.items() if rows[slug].get(name) != value]
        assert not changed, (
            f"The article {slug} came out of the migration with a different {', '.join(changed)} ("
            + "; ".join(f"{name} was {expected[name]!r}, now {rows[slug].get(name)!r}" for name in changed)
            + f"). Adding a column must leave the old data as it was. {RESET}"
        )


def test_old_articles_got_the_default_summary(table):
    """Articles from before the migration got the empty default summary"""
    connection, _ = table
    empty = [slug for slug, summary in connection.execute("SELECT slug, summary FROM article")
             if slug in ARTICLES and summary is None]
    assert not empty, (
        f"The old articles {', '.join(empty)} have no summary at all (NULL), not the empty text \"\" your model "
        "promises, so pages and the API would show None. Add the column with the model's own field, "
        "migrator.add_column(\"article\", \"summary\", Article.summary): it carries the default, and SQLite fills "
        f"it into every old row. {RESET}"
    )

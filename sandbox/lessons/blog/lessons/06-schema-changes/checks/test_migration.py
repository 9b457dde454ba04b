"""Checks for "A migration": upgrade() adds summary to an article table that holds articles, and
keeps every column of every row as it was (ids, flags and dates too), however it does it.

The check builds an old article table (from before summary) in its own temporary database, with
two articles whose every value differs from a default, runs upgrade() on it, compares the rows,
restarts the app and reads them back through the model.
"""

import pytest

from sandbox.checker.probes import visible_text

OLD_TABLE = """
CREATE TABLE "{table}" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "title" VARCHAR(200) NOT NULL,
    "slug" VARCHAR(255) NOT NULL,
    "content" TEXT NOT NULL,
    "published" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL
)
"""
# ids with a gap, one published and one draft, dates long ago: nothing a default could give back
OLD_ROWS = [
    {"id": 3, "title": "Hello, web", "slug": "hello-web", "content": "My very first post.", "published": 1,
     "created_at": "2024-01-05 08:15:00"},
    {"id": 7, "title": "Why Python?", "slug": "why-python", "content": "Readable code.", "published": 0,
     "created_at": "2024-03-09 17:45:30"},
]
DO_IT = ("Add the column with migrate(SqliteMigrator(db).add_column(\"article\", \"summary\", Article.summary)): "
         "it keeps every row as it is.")


@pytest.fixture
def old_database(db):
    """The check's database, holding an article table from before the summary field, with two rows."""
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    database, table = db.database, Article._meta.table_name
    database.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
    database.execute_sql(OLD_TABLE.format(table=table))
    database.execute_sql(f'CREATE UNIQUE INDEX "{table}_slug" ON "{table}" ("slug")')
    for row in OLD_ROWS:
        database.execute_sql(f'INSERT INTO "{table}" ({", ".join(row)}) VALUES ({", ".join("?" * len(row))})',
                             list(row.values()))
    database.close()
    return database, table


def run_upgrade(learner, what):
    migrate = learner.load("migrate.py")
    upgrade = getattr(migrate, "upgrade", None)
    assert callable(upgrade), "migrate.py has no upgrade() function yet. Write def upgrade(): ..."
    try:
        upgrade()
    except Exception as error:  # noqa: BLE001 - whatever upgrade() raises is the learner's to see
        failure = f"Running upgrade() {what} failed with {type(error).__name__}: {error}."
        if "duplicate column" in str(error):
            failure += (" Look at the table's columns first and add summary only when it is missing: "
                        "if \"summary\" not in [column.name for column in db.get_columns(\"article\")]:")
    else:
        return
    pytest.fail(failure, pytrace=False)


def rows_by_slug(database, table):
    cursor = database.execute_sql(f'SELECT * FROM "{table}"')
    names = [column[0] for column in cursor.description]
    found = {}
    for values in cursor.fetchall():
        row = dict(zip(names, values))
        found[row.get("slug")] = row
    database.close()
    return found


def assert_rows_kept(database, table, when):
    after = rows_by_slug(database, table)
    lost = [row["slug"] for row in OLD_ROWS if row["slug"] not in after]
    assert not lost, (
        f"The table held {len(OLD_ROWS)} articles before upgrade() and {len(after)} {when}: "
        f"{', '.join(lost)} {'is' if len(lost) == 1 else 'are'} gone. A migration must keep every row, so never "
        f"drop and recreate the table. {DO_IT}"
    )
    for row in OLD_ROWS:
        changed = [name for name, value in row.items() if after[row["slug"]].get(name) != value]
        assert not changed, (
            f"The article {row['slug']} came out of upgrade() with a different {', '.join(changed)} ("
            + "; ".join(f"{name} was {row[name]!r}, now {after[row['slug']].get(name)!r}" for name in changed)
            + f"). Adding a column must leave every old value as it was. {DO_IT}"
        )
    empty = [row["slug"] for row in OLD_ROWS if after[row["slug"]].get("summary") is None]
    assert not empty, (
        f"The old articles {', '.join(empty)} have no summary at all (NULL), not the empty text \"\" your model "
        "promises, so pages would show None. Add the column with the model's own field, "
        "add_column(\"article\", \"summary\", Article.summary): it carries the default into every old row."
    )


def test_upgrade_adds_the_column_and_keeps_every_row(old_database, learner):
    """upgrade() adds summary and keeps every article as it was"""
    database, table = old_database
    run_upgrade(learner, "on a table from before summary existed")
    database.close()
    columns = [column.name for column in database.get_columns(table)]
    assert "summary" in columns, (
        f"After upgrade() the article table still has no summary column. {DO_IT}"
    )
    assert_rows_kept(database, table, "after it")


def test_upgrade_can_run_twice(old_database, learner):
    """Running upgrade() twice is safe"""
    database, table = old_database
    run_upgrade(learner, "the first time")
    run_upgrade(learner, "a second time (on a table that already has summary)")
    database.close()
    columns = [column.name for column in database.get_columns(table)]
    assert columns.count("summary") == 1, "After two upgrades there should be one summary column."
    assert_rows_kept(database, table, "after running it twice")


def test_the_app_reads_the_migrated_articles(old_database, learner, db, restart):
    """After the migration the app reads every article, summary and all"""
    run_upgrade(learner, "on a table from before summary existed")
    client = restart()
    articles = {article.slug: article for article in db.Article.select()}
    assert set(articles) >= {row["slug"] for row in OLD_ROWS}, (
        "After upgrade() and a restart, the app's Article model no longer finds the old articles."
    )
    assert all(articles[row["slug"]].summary == "" for row in OLD_ROWS), (
        "After upgrade(), the old articles should read back with the empty summary \"\"."
    )
    response = client.get("/", expect_errors=True)
    assert response.status_int == 200, f"After upgrade() the home page answered {response.status}."
    page = visible_text(response.text)
    missing = [row["title"] for row in OLD_ROWS if row["published"] and row["title"] not in page]
    assert not missing, f"After upgrade() the home page no longer lists {missing[0]!r}."

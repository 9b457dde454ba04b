import datetime

import pytest

OLD_TABLE = """
CREATE TABLE article (
    id INTEGER NOT NULL PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    slug VARCHAR(255) NOT NULL,
    content TEXT NOT NULL,
    published INTEGER NOT NULL,
    created_at DATETIME NOT NULL
)
"""
OLD_ROWS = [
    ("Hello, web", "hello-web", "My very first post.", 1),
    ("Why Python?", "why-python", "Readable code.", 0),
]


@pytest.fixture
def old_database(db):
    """The learner's database, holding an article table from before the summary field, with two rows."""
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    database = db.database
    table = Article._meta.table_name
    database.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
    database.execute_sql(OLD_TABLE.replace("article", f'"{table}"', 1))
    database.execute_sql(f'CREATE UNIQUE INDEX "{table}_slug" ON "{table}" ("slug")')
    for title, slug, content, published in OLD_ROWS:
        database.execute_sql(
            f'INSERT INTO "{table}" (title, slug, content, published, created_at) VALUES (?, ?, ?, ?, ?)',
            (title, slug, content, published, datetime.datetime(2024, 1, 1)),
        )
    database.close()
    return database, table


def run_upgrade(migrate, what):
    upgrade = getattr(migrate, "upgrade", None)
    assert callable(upgrade), "migrate.py has no upgrade() function yet. Write def upgrade(): ..."
    try:
        upgrade()
    except Exception as error:
        pytest.fail(f"Running upgrade() {what} failed with {type(error).__name__}: {error}", pytrace=False)


def columns(database, table):
    return [column.name for column in database.get_columns(table)]


def test_upgrade_adds_the_column_and_keeps_rows(old_database, learner):
    """upgrade() adds summary and keeps every article"""
    database, table = old_database
    migrate = learner.load("migrate.py")
    run_upgrade(migrate, "on a database from before summary existed")
    database.close()
    assert "summary" in columns(database, table), (
        "After upgrade() the article table still has no summary column. In upgrade(), use "
        "migrate(SqliteMigrator(db).add_column('article', 'summary', Article.summary)) with the db from models.py."
    )
    rows = database.execute_sql(f'SELECT title, slug, content FROM "{table}" ORDER BY id').fetchall()
    assert [tuple(row) for row in rows] == [row[:3] for row in OLD_ROWS], (
        f"The table held 2 articles before upgrade() and {len(rows)} after, or they changed. A migration must "
        "keep the rows: add the column with add_column, never drop and recreate the table."
    )


def test_upgrade_can_run_twice(old_database, learner):
    """Running upgrade() twice is safe"""
    database, table = old_database
    migrate = learner.load("migrate.py")
    run_upgrade(migrate, "the first time")
    run_upgrade(migrate, "a second time (on a table that already has summary)")
    database.close()
    assert columns(database, table).count("summary") == 1, "After two upgrades there should be one summary column."
    count = database.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
    assert count == len(OLD_ROWS), f"After running upgrade() twice the table holds {count} articles instead of 2."

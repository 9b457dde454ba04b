"""Checks for "Create the table": the app makes its table when it starts, and keeps what is in it."""

import peewee
import pytest


def restarted(db, restart, what="Your articles"):
    """Restart the app and return its new client; fail naming the cause when the articles are gone."""
    before = db.Article.select().count()
    client = restart()
    try:
        after = db.Article.select().count()
    except peewee.OperationalError:
        after = 0
    if after < before:
        pytest.fail(f"{what} were gone after the app restarted: " + (
            "the database lives in memory, so it is emptied whenever the app stops. Give SqliteDatabase a file "
            "name such as blog.db: db = SqliteDatabase(os.path.join(HERE, \"blog.db\"))." if db.in_memory else
            "something that runs when the app starts removes them (drop_tables, or deleting blog.db). Keep the "
            "rows: create_tables(safe=True) only makes the tables that are missing."), pytrace=False)
    return client


def test_app_creates_its_tables(db, restart, workspace):
    """Your app creates the article table when it starts"""
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    db.database.drop_tables([Article])
    client = restart()  # the app starts on a database without tables
    response = client.get("/", expect_errors=True)
    if not db.Article.table_exists():
        called = "create_tables(" in (workspace / "app.py").read_text(encoding="utf-8", errors="replace")
        pytest.fail("When your app starts, the article table should exist, " + (
            "but app.py calls create_tables() only in a place that does not run when the app starts (under "
            "if __name__ == \"__main__\":, or in a function nobody calls). The sandbox imports your app, so call "
            "create_tables() at the top level of app.py, just after app = Bottle()." if called else
            "and it does not. Write a create_tables() function in models.py and call create_tables() in app.py, "
            "just after app = Bottle()."), pytrace=False)
    assert response.status_int == 200, f"The home page answered {response.status} instead of showing the page."


def test_app_keeps_the_articles_when_it_starts_again(db, restart):
    """Starting the app again keeps the articles"""
    db.Article.create(title="Still here", slug="still-here", content="Saved before a restart.")
    restarted(db, restart)

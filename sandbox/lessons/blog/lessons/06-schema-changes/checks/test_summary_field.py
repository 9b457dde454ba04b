"""Checks for "A summary field": Article has a summary that is kept, and that may be left out."""

import peewee
import pytest


def article_with_summary(db):
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    assert "summary" in Article._meta.fields, "Add a summary field to Article: summary = TextField(default=\"\")."
    return Article


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


def test_article_has_a_summary(db, restart):
    """Article has a summary field, kept in your database"""
    Article = article_with_summary(db)
    Article.create(title="Hello", slug="hello", content="Words.", summary="A short teaser.")
    restarted(db, restart)
    assert db.Article.get(db.Article.slug == "hello").summary == "A short teaser.", (
        "A saved summary did not come back the same after the app restarted."
    )


def test_summary_can_be_left_out(db, restart):
    """An article without a summary can still be saved"""
    Article = article_with_summary(db)
    try:
        Article.create(title="Hello", slug="hello", content="Words.")
    except peewee.IntegrityError as error:
        failure = (f"Saving an article without a summary failed ({error}). Old articles have no summary, "
                   "so give the field a default: TextField(default=\"\").")
    else:
        restarted(db, restart)
        summary = db.Article.get(db.Article.slug == "hello").summary
        assert summary == "", (
            f"An article saved without a summary came back with summary = {summary!r}; pages would show that. "
            "Give it the empty text instead: TextField(default=\"\")."
        )
        return
    pytest.fail(failure, pytrace=False)

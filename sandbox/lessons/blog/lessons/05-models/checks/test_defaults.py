"""Checks for "Drafts and dates": published starts false, created_at is the moment each article is saved.

The time is compared with the clock both as local time and as UTC (datetime.now, utcnow, an aware
datetime and SQLite's CURRENT_TIMESTAMP all pass), whatever the computer's time zone, and never by
comparing two articles saved a moment apart.
"""

import datetime

import peewee
import pytest

SLACK = datetime.timedelta(seconds=2)  # SQLite's CURRENT_TIMESTAMP keeps whole seconds


def article_model(db):
    model = db.models.get("Article")
    if model is None:
        pytest.fail("There is no model named Article yet. In models.py, write class Article(Model): with its fields.",
                    pytrace=False)
    return model


def has_default(field):
    return field.default is not None or field.null or any("DEFAULT" in str(getattr(c, "sql", c)).upper()
                                                          for c in field.constraints or ())


def new_article(Article, slug):
    try:
        return Article.create(title="A title", slug=slug, content="Some words.")
    except peewee.IntegrityError as error:  # a field without a default cannot be left out
        missing = [name for name in ("published", "created_at")
                   if name in Article._meta.fields and not has_default(Article._meta.fields[name])]
        failure = (f"Saving an article with only a title, a slug and content failed ({error}). Give "
                   f"{' and '.join(missing) or 'published and created_at'} a default, so it can be left out.")
    pytest.fail(failure, pytrace=False)


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


def test_published_defaults_to_false(db, restart):
    """A new article starts as a draft"""
    Article = article_model(db)
    assert "published" in Article._meta.fields, "Add a published field: published = BooleanField(default=False)."
    new_article(Article, "draft")
    restarted(db, restart)
    published = db.Article.get(db.Article.slug == "draft").published
    assert published is not None and not published, (
        f"A new article came back with published = {published!r}. "
        "New articles should be drafts: use BooleanField(default=False)."
    )


def test_each_article_gets_its_own_time(db):
    """Each article gets its own creation time"""
    Article = article_model(db)
    assert "created_at" in Article._meta.fields, (
        "Add a created_at field: created_at = DateTimeField(default=datetime.datetime.now)."
    )
    default = Article._meta.fields["created_at"].default
    assert callable(default) or default is None, (
        f"created_at's default is one fixed moment ({default}), worked out once when models.py was loaded, so every "
        "article would share it. Pass the function itself, default=datetime.datetime.now, without () at the end."
    )


def test_created_at_is_the_moment_it_was_saved(db, restart):
    """Each article remembers when it was created"""
    Article = article_model(db)
    assert "created_at" in Article._meta.fields, (
        "Add a created_at field: created_at = DateTimeField(default=datetime.datetime.now)."
    )
    before = datetime.datetime.now(datetime.UTC)
    new_article(Article, "dated")
    after = datetime.datetime.now(datetime.UTC)
    restarted(db, restart)
    created = db.Article.get(db.Article.slug == "dated").created_at
    assert isinstance(created, datetime.datetime), (
        f"created_at came back as {created!r}, not a date and time. Use "
        "DateTimeField(default=datetime.datetime.now)."
    )
    if created.tzinfo is not None:
        moments = [created.astimezone(datetime.UTC)]
    else:  # naive: the saving code chose local time (now) or UTC (utcnow, CURRENT_TIMESTAMP)
        moments = [created.astimezone(datetime.UTC), created.replace(tzinfo=datetime.UTC)]
    assert any(before - SLACK <= moment <= after + SLACK for moment in moments), (
        f"created_at is {created}, but the article was saved at {before.astimezone():%Y-%m-%d %H:%M:%S}. Fill it "
        "in when each article is saved: DateTimeField(default=datetime.datetime.now)."
    )

"""Checks for "An Article model": title, slug and content, kept in the learner's database.

Any correct Peewee set-up passes (class Meta, a BaseModel, a DatabaseProxy, bind, db_url): the
db fixture finds the database. Articles are written, the app is restarted, and read back.
"""

import peewee
import pytest


def article_model(db):
    model = db.models.get("Article")
    if model is None:
        pytest.fail("There is no model named Article yet. In models.py, write class Article(Model): with its fields.",
                    pytrace=False)
    return model


def field(model, name):
    found = model._meta.fields.get(name)
    assert found is not None, f"Your Article model has no {name} field yet. Add {name} = ... to the class."
    return found


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


def test_articles_are_kept(db, restart):
    """Article has a title, a slug and content, kept in your database"""
    Article = article_model(db)
    for name in ("title", "slug", "content"):
        field(Article, name)
    Article.create(title="Hello, web", slug="hello-web", content="My very first post.")
    restarted(db, restart)
    again = db.Article.get(db.Article.slug == "hello-web")
    assert (again.title, again.slug, again.content) == ("Hello, web", "hello-web", "My very first post."), (
        "An article saved with Article.create(...) did not come back the same when read again."
    )


def test_title_is_at_most_200_characters(db):
    """A title holds up to 200 characters"""
    title = field(article_model(db), "title")
    assert isinstance(title, peewee.CharField), "Make title a CharField: a short piece of text."
    assert title.max_length == 200, (
        f"Your title field allows {title.max_length} characters; the blog allows 200. "
        "Write CharField(max_length=200)."
    )


def test_slug_is_unique(db):
    """Two articles cannot share a slug"""
    Article = article_model(db)
    field(Article, "slug")
    Article.create(title="First", slug="same-slug", content="One.")
    try:
        with db.database.atomic():
            Article.create(title="Second", slug="same-slug", content="Two.")
    except peewee.IntegrityError:
        return
    pytest.fail("Two articles could both use the slug 'same-slug'. Add unique=True to the slug field, "
                "so each slug points at exactly one article.", pytrace=False)

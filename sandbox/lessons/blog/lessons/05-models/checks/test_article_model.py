import sys

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


def test_article_has_fields(db):
    """Article has a title, a slug and content"""
    Article = article_model(db)
    for name in ("title", "slug", "content"):
        field(Article, name)
    article = Article.create(title="Hello, web", slug="hello-web", content="My very first post.")
    again = Article.get_by_id(article.id)
    assert (again.title, again.slug, again.content) == ("Hello, web", "hello-web", "My very first post."), (
        "An article saved with Article.create(...) did not come back the same when read again."
    )


def test_article_uses_your_database(workspace, db):
    """Article is stored in your SqliteDatabase"""
    Article = article_model(db)
    root = str(workspace)
    databases = [
        value
        for module in list(sys.modules.values())
        if (getattr(module, "__file__", None) or "").startswith(root)
        for value in vars(module).values()
        if isinstance(value, peewee.Database)
    ]
    assert databases, "Create a database object in models.py, for example db = SqliteDatabase('blog.db')."
    assert any(Article._meta.database is database for database in databases), (
        "Your Article model is not connected to your database yet. Inside the class, add "
        "class Meta: with database = db."
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

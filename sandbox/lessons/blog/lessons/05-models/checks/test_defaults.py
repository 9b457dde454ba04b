import datetime
import time

import pytest


def article_model(db):
    model = db.models.get("Article")
    if model is None:
        pytest.fail("There is no model named Article yet. In models.py, write class Article(Model): with its fields.",
                    pytrace=False)
    return model


def new_article(Article, slug):
    try:
        return Article.create(title="A title", slug=slug, content="Some words.")
    except Exception as error:  # a missing default makes the insert fail
        pytest.fail(f"Saving an article with only a title, a slug and content failed ({error}). "
                    "Give published and created_at a default so they can be left out.", pytrace=False)


def test_published_defaults_to_false(db):
    """A new article starts as a draft"""
    Article = article_model(db)
    assert "published" in Article._meta.fields, "Add a published field: published = BooleanField(default=False)."
    article = Article.get_by_id(new_article(Article, "draft").id)
    assert article.published is False, (
        f"A new article came back with published = {article.published!r}. "
        "New articles should be drafts: use BooleanField(default=False)."
    )


def test_created_at_is_filled_in(db):
    """Each article remembers when it was created"""
    Article = article_model(db)
    assert "created_at" in Article._meta.fields, (
        "Add a created_at field: created_at = DateTimeField(default=datetime.datetime.now)."
    )
    first = Article.get_by_id(new_article(Article, "first").id)
    assert isinstance(first.created_at, datetime.datetime), (
        "created_at was not filled in with a date and time. Use DateTimeField(default=datetime.datetime.now)."
    )
    assert abs(datetime.datetime.now() - first.created_at) < datetime.timedelta(minutes=5), (
        "created_at should be the moment the article was saved, but it is far from now."
    )
    time.sleep(0.02)
    second = Article.get_by_id(new_article(Article, "second").id)
    assert second.created_at > first.created_at, (
        "Two articles saved a moment apart got the same created_at, so each article does not get its own time. "
        "Pass the function itself, default=datetime.datetime.now, without () at the end."
    )

import pytest


def test_article_has_a_summary(db):
    """Article has a summary field"""
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    assert "summary" in Article._meta.fields, "Add a summary field to Article: summary = TextField(default=\"\")."
    article = Article.create(title="Hello", slug="hello", content="Words.", summary="A short teaser.")
    assert Article.get_by_id(article.id).summary == "A short teaser.", "A saved summary did not come back the same."


def test_summary_can_be_left_out(db):
    """An article without a summary can still be saved"""
    Article = db.models.get("Article")
    assert Article is not None and "summary" in Article._meta.fields, "Add a summary field to Article first."
    try:
        article = Article.create(title="Hello", slug="hello", content="Words.")
    except Exception as error:
        pytest.fail(f"Saving an article without a summary failed ({error}). Old articles have no summary, "
                    "so give the field a default: TextField(default=\"\").", pytrace=False)
    assert Article.get_by_id(article.id).summary == "", (
        "An article saved without a summary should get an empty summary \"\". Use TextField(default=\"\")."
    )

import sqlite3

import pytest


def article_model(learner):
    model = learner.models().get("Article")
    if model is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    return model


def test_database_url_is_used(request, monkeypatch, tmp_path):
    """The database comes from DATABASE_URL"""
    path = tmp_path / "production.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    request.getfixturevalue("app")  # imports app.py, which creates the tables
    Article = article_model(request.getfixturevalue("learner"))
    Article.create(title="Stored in production", slug="stored", content="Hi.", published=True)
    Article._meta.database.close()
    assert path.exists(), (
        f"With DATABASE_URL=sqlite:///{path} your app did not use the database in DATABASE_URL. "
        "In models.py, open the database with connect(settings.DATABASE_URL) from playhouse.db_url.")
    with sqlite3.connect(path) as connection:
        titles = [row[0] for row in connection.execute("SELECT title FROM article")]
    assert titles == ["Stored in production"], (
        "Your app did not use the database in DATABASE_URL: the new article is not in that database.")


def test_sqlite_by_default(request, monkeypatch, workspace):
    """Without DATABASE_URL, the blog still uses blog.db"""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    request.getfixturevalue("app")
    Article = article_model(request.getfixturevalue("learner"))
    database = Article._meta.database
    name = str(getattr(database, "database", "") or "")
    assert name.endswith("blog.db"), (
        "Without DATABASE_URL, your app should keep using the SQLite file blog.db, so it still works "
        "on your own machine: give os.environ.get(\"DATABASE_URL\", ...) a default like "
        "\"sqlite:///\" + os.path.join(HERE, \"blog.db\").")

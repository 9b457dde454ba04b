"""Tests for the blog. Run them from the workspace folder with: python -m pytest"""

import app as blog
import pytest
from models import Article
from peewee import SqliteDatabase
from webtest import TestApp


@pytest.fixture
def client():
    """The blog on an empty database in memory, so tests never touch blog.db."""
    test_db = SqliteDatabase(":memory:")
    with test_db.bind_ctx([Article]):
        test_db.create_tables([Article])
        blog._cache.clear()
        yield TestApp(blog.app)
    test_db.close()


def test_home_page(client):
    assert client.get("/").status_int == 200


def test_published_article_has_a_page(client):
    Article.create(title="Hello tests", slug="hello-tests", content="It works.", published=True)
    page = client.get("/blog/hello-tests/")
    assert "Hello tests" in page.text


def test_draft_is_hidden(client):
    Article.create(title="Not yet", slug="not-yet", content="Draft.")
    client.get("/blog/not-yet/", status=404)


def test_api_lists_only_published_articles(client):
    Article.create(title="Public", slug="public", content="Yes.", published=True)
    Article.create(title="Private", slug="private", content="No.")
    data = client.get("/api/articles").json
    assert [article["slug"] for article in data["articles"]] == ["public"]


def test_api_refuses_an_article_without_title(client, monkeypatch):
    monkeypatch.setenv("API_TOKEN", "test-token")
    reply = client.post_json("/api/articles", {"content": "No title."},
                             headers={"Authorization": "Bearer test-token"}, status=400)
    assert "title" in reply.json["errors"]

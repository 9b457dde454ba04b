"""Tests for the blog. Run them in the Terminal tab, in the lesson folder, with: python -m pytest"""

import io
import json
from wsgiref.util import setup_testing_defaults

import app as blog
import pytest
from models import Article
from peewee import SqliteDatabase


def fetch(path, method="GET", data=None, headers=None):
    """Send one request to the blog, the way a web server would, and return (status code, text)."""
    path, _, query = path.partition("?")
    body = json.dumps(data).encode() if data is not None else b""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
               "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json"}
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    setup_testing_defaults(environ)
    status = []
    chunks = blog.app(environ, lambda line, response_headers, exc_info=None: status.append(line))
    return int(status[0].split()[0]), b"".join(chunks).decode()


@pytest.fixture(autouse=True)
def empty_database():
    """Every test gets the blog on an empty database in memory, so tests never touch blog.db."""
    test_db = SqliteDatabase(":memory:")
    with test_db.bind_ctx([Article]):
        test_db.create_tables([Article])
        blog._cache.clear()
        yield
    test_db.close()


def test_home_page():
    status, page = fetch("/")
    assert status == 200


def test_published_article_has_a_page():
    Article.create(title="Hello tests", slug="hello-tests", content="It works.", published=True)
    status, page = fetch("/blog/hello-tests/")
    assert status == 200
    assert "Hello tests" in page


def test_draft_is_hidden():
    Article.create(title="Not yet", slug="not-yet", content="Draft.")
    status, page = fetch("/blog/not-yet/")
    assert "Not yet" in page


def test_api_lists_only_published_articles():
    Article.create(title="Public", slug="public", content="Yes.", published=True)
    Article.create(title="Private", slug="private", content="No.")
    status, text = fetch("/api/articles")
    assert [article["slug"] for article in json.loads(text)["articles"]] == ["public"]


def test_api_refuses_an_article_without_title(monkeypatch):
    monkeypatch.setenv("API_TOKEN", "test-token")
    status, text = fetch("/api/articles", "POST", {"content": "No title."},
                         headers={"Authorization": "Bearer test-token"})
    assert status == 400
    assert "title" in json.loads(text)["errors"]

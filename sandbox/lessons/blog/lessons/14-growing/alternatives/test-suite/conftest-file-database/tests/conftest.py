import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the lesson folder, where app.py is

import app as blog  # noqa: E402
from models import Article, db  # noqa: E402


class Client:
    """Calls the blog's WSGI app directly, like a web server does."""

    def request(self, method, path, body=None, headers=None):
        raw = json.dumps(body).encode() if body is not None else b""
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "test",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw)), "CONTENT_TYPE": "application/json",
        }
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        answer = {}
        body = b"".join(blog.app(environ, lambda status, headers, exc_info=None: answer.update(status=status)))
        return int(answer["status"][:3]), body.decode()

    def get(self, path):
        return self.request("GET", path)


@pytest.fixture
def client(tmp_path):
    db.close()
    db.init(str(tmp_path / "test.db"))
    db.create_tables([Article])
    blog._cache.clear()
    yield Client()
    db.close()

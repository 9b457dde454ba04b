import re
from urllib.parse import urljoin

import pytest


def visit(client, path):
    try:
        return client.get(path, expect_errors=True)
    except Exception as error:
        pytest.fail(f"Visiting {path} crashed with {type(error).__name__}: {error}", pytrace=False)


def test_logo_is_served(workspace, db, client):
    """/static/logo.svg is served as an image"""
    assert (workspace / "static" / "logo.svg").is_file(), "Save your logo as static/logo.svg."
    response = visit(client, "/static/logo.svg")
    assert response.status_int == 200, f"/static/logo.svg answered {response.status}."
    assert response.content_type == "image/svg+xml", (
        f"/static/logo.svg was sent as {response.content_type or 'nothing'} instead of image/svg+xml."
    )


def test_logo_on_every_page(db, client):
    """The logo shows on every page"""
    for path in ("/", "/blog/"):
        response = visit(client, path)
        sources = re.findall(r"<img[^>]*\bsrc=[\"']([^\"']+)[\"']", response.text, re.I)
        assert sources, (
            f"The page {path} has no <img> yet. Add <img src=\"/static/logo.svg\" alt=\"\"> to the header "
            "in views/layout.tpl."
        )
        resolved = [urljoin("http://localhost" + path, source) for source in sources]
        assert "http://localhost/static/logo.svg" in resolved, (
            f"On {path} the image address {sources[0]!r} leads to {resolved[0].removeprefix('http://localhost')}, "
            "not to /static/logo.svg. Start the address with a slash: src=\"/static/logo.svg\"."
        )

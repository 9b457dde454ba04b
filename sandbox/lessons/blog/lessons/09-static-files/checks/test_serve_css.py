import re

import pytest


def visit(client, path):
    try:
        return client.get(path, expect_errors=True)
    except Exception as error:
        pytest.fail(f"Visiting {path} crashed with {type(error).__name__}: {error}", pytrace=False)


def test_stylesheet_is_served(workspace, db, client):
    """/static/style.css is served as CSS"""
    css = workspace / "static" / "style.css"
    assert css.is_file(), "Create a folder static/ next to app.py, with a file style.css inside."
    response = visit(client, "/static/style.css")
    assert response.status_int == 200, (
        f"/static/style.css answered {response.status}. Add a route '/static/<filepath:path>' that returns "
        "static_file(filepath, root=...) with your static folder as the root."
    )
    assert response.content_type == "text/css", (
        f"/static/style.css was sent as {response.content_type or 'nothing'}; browsers only use it as text/css. "
        "Let static_file pick the type for you."
    )
    assert response.body == css.read_bytes(), "/static/style.css should send exactly the contents of static/style.css."


def test_missing_file_is_404(db, client):
    """A missing static file answers 404"""
    response = visit(client, "/static/no-such-file.css")
    assert response.status_int == 404, f"/static/no-such-file.css answered {response.status} instead of 404."


def test_pages_use_the_stylesheet(db, client):
    """Every page links to the stylesheet"""
    response = visit(client, "/")
    assert re.search(r"<link[^>]*href=[\"']/static/style\.css[\"']", response.text), (
        'The pages do not load the stylesheet yet. In the <head> of views/layout.tpl, add '
        '<link rel="stylesheet" href="/static/style.css">.'
    )


@pytest.mark.independent
def test_files_outside_static_are_refused(workspace, db, client):
    """Files outside static/ are never served"""
    secret = (workspace / "app.py").read_text(encoding="utf-8")
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py"):
        response = visit(client, path)
        assert not (response.status_int == 200 and "app.run(" in response.text and response.text.strip() in secret), (
            f"{path} showed your app.py! Anyone could read your code and secrets that way. Serve files only with "
            "static_file(filepath, root=...), which refuses paths that leave the static folder."
        )

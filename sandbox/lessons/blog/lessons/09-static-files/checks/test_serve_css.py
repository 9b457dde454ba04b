"""Every page loads a stylesheet that the app serves from static/ as CSS, and nothing outside static/ leaks."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from sandbox.checker.probes import HOSTILE, assert_escaped

PAGES = ("/", "/blog/", "/blog/new")


class Stylesheets(HTMLParser):
    """The href of every <link rel="stylesheet"> on a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "link" and "stylesheet" in (found.get("rel") or "").lower().split() and found.get("href"):
            self.hrefs.append(found["href"])


def visit(client, path):
    try:
        return client.get(path, expect_errors=True)
    except Exception as error:
        pytest.fail(f"Visiting {path} crashed with {type(error).__name__}: {error}", pytrace=False)


def stylesheets(client, page):
    """(href as written, the address it leads to) for each stylesheet ``page`` loads."""
    parser = Stylesheets()
    parser.feed(visit(client, page).text)
    found = []
    for href in parser.hrefs:
        address = urlsplit(urljoin("http://localhost" + page, href))
        if address.netloc == "localhost":
            found.append((href, address.path + (f"?{address.query}" if address.query else "")))
    return found


def test_pages_load_a_stylesheet(db, client):
    """Every page loads a stylesheet"""
    for page in PAGES:
        assert stylesheets(client, page), (
            f"The page {page} does not load a stylesheet from your app yet. In the <head> of views/layout.tpl, add "
            '<link rel="stylesheet" href="/static/style.css">.'
        )


def test_stylesheet_is_served(workspace, db, client):
    """The stylesheet is served from static/ as CSS"""
    for page in PAGES:
        href, address = stylesheets(client, page)[0]
        path = address.split("?")[0]
        response = visit(client, address)
        slash = "" if href.startswith("/") else f" The address {href!r} has no slash at the start, so it is read relative to {page}."
        assert response.status_int == 200, (
            f"On {page}, the stylesheet {href!r} leads to {path}, which answered {response.status}.{slash} Serve the "
            "folder static/ with a route '/static/<filepath:path>' that returns static_file(filepath, root=...), "
            "and link to the file as /static/<its name>."
        )
        assert path.startswith("/static/"), (
            f"On {page}, the stylesheet comes from {path}. Keep static files in the folder static/ and serve them "
            "at /static/..., like /static/style.css."
        )
        css = workspace / "static" / path.removeprefix("/static/")
        assert css.is_file(), f"{path} answered, but there is no file static/{path.removeprefix('/static/')} in your folder."
        assert response.content_type == "text/css", (
            f"{path} was sent as {response.content_type or 'nothing'}; browsers only use a stylesheet sent as "
            "text/css. Let static_file pick the type for you."
        )
        assert response.body == css.read_bytes(), (
            f"{path} should send exactly the contents of static/{path.removeprefix('/static/')}."
        )


def test_missing_file_is_404(db, client):
    """A missing static file answers 404"""
    response = visit(client, "/static/no-such-file.css")
    assert response.status_int == 404, f"/static/no-such-file.css answered {response.status} instead of 404."


def private_files(workspace):
    """The learner's files outside static/: code, settings and the database."""
    return [path for path in sorted(workspace.iterdir())
            if path.is_file() and path.suffix in (".py", ".db", ".sqlite", ".txt", ".toml", ".cfg", ".env", "")]


@pytest.mark.independent
def test_files_outside_static_are_refused(workspace, db, client):
    """Files outside static/ are never served"""
    for private in private_files(workspace):
        name, data = private.name, private.read_bytes()
        if not data:
            continue
        for path in (f"/{name}", f"/static/{name}", f"/static/../{name}", f"/static/%2e%2e/{name}",
                     f"/static/..%2f{name}", f"/static/./../{name}", f"/static/{private}"):
            try:
                response = client.get(path, expect_errors=True)
            except Exception:  # a crash is no leak; the other checks speak about crashes
                continue
            body = response.body
            assert not (response.status_int == 200 and body and (body == data or data in body)), (
                f"{path} sent your {name}! Anyone could read your code, your settings or your whole database that "
                "way. Serve only the folder static/, with static_file(filepath, root=STATIC), which refuses paths "
                "that leave it."
            )


@pytest.mark.independent
def test_pages_still_show_titles_as_text(db, client):
    """Pages still show stored titles as text"""
    Article = db.models.get("Article")
    if Article is None:
        pytest.skip("Not checked yet: there is no Article model.")
    for number, payload in enumerate(HOSTILE):
        Article.create(title=f"Title {payload}", slug=f"hostile-{number}", content="Harmless.", published=True)
        for page in ("/blog/", f"/blog/hostile-{number}/"):
            response = visit(client, page)
            assert_escaped(response.text, payload, f"the page {page}, in an article's title")

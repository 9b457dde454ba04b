"""Every file in static/ may be cached for a while; pages, which change, are not."""

import re

import pytest

PAGES = ("/", "/blog/", "/blog/new")


def visit(client, path):
    try:
        return client.get(path, expect_errors=True)
    except Exception as error:
        pytest.fail(f"Visiting {path} crashed with {type(error).__name__}: {error}", pytrace=False)


def directives(header):
    """Cache-Control as {name: value}, like {"public": "", "max-age": "3600"}."""
    found = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name:
            found[name.strip().lower()] = value.strip().strip('"')
    return found


def seconds(found, name):
    value = found.get(name, "")
    return int(value) if re.fullmatch(r"\d+", value) else 0


def static_files(workspace):
    folder = workspace / "static"
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                  if path.is_file() and not path.name.startswith("."))


def test_static_files_can_be_cached(workspace, db, client):
    """Every static file tells browsers how long to keep it"""
    files = static_files(workspace)
    assert files, "There are no files in static/ yet: the stylesheet and the logo of the earlier steps belong there."
    for name in files:
        path = f"/static/{name}"
        response = visit(client, path)
        assert response.status_int == 200, f"{path} answered {response.status}."
        header = response.headers.get("Cache-Control", "")
        assert header, (
            f"{path} came back with no Cache-Control header. Give every file of the static route the header: "
            "reply = static_file(...), then reply.set_header(\"Cache-Control\", \"public, max-age=3600\")."
        )
        found = directives(header)
        assert seconds(found, "max-age") > 0 and not {"no-store", "no-cache"} & set(found), (
            f"{path} has Cache-Control: {header}, which does not let a browser keep it. Give it a max-age of some "
            "seconds, like public, max-age=3600."
        )


def test_pages_are_not_kept_for_long(db, client):
    """Pages are not cached like static files"""
    for page in PAGES:
        response = visit(client, page)
        header = response.headers.get("Cache-Control", "")
        found = directives(header)
        kept = max(seconds(found, "max-age"), seconds(found, "s-maxage"))
        assert kept == 0 or {"no-store", "no-cache"} & set(found), (
            f"The page {page} is sent with Cache-Control: {header}, so browsers would keep showing an old copy for "
            f"{kept} seconds and miss new articles. Give the header only to the answers of the static route."
        )


def private_files(workspace):
    """The learner's files outside static/: code, settings and the database."""
    return [path for path in sorted(workspace.iterdir())
            if path.is_file() and path.suffix in (".py", ".db", ".sqlite", ".txt", ".toml", ".cfg", ".env", "")]


@pytest.mark.independent
def test_files_outside_static_are_still_refused(workspace, db, client):
    """Files outside static/ are still never served"""
    for private in private_files(workspace):
        name, data = private.name, private.read_bytes()
        if not data:
            continue
        for path in (f"/{name}", f"/static/{name}", f"/static/../{name}", f"/static/%2e%2e/{name}",
                     f"/static/..%2f{name}", f"/static/{private}"):
            try:
                response = client.get(path, expect_errors=True)
            except Exception:  # a crash is no leak; the other checks speak about crashes
                continue
            assert not (response.status_int == 200 and response.body and (response.body == data or data in response.body)), (
                f"{path} sent your {name}! Keep serving the folder with static_file(filepath, root=STATIC), which "
                "refuses paths that leave it, and set the header on the answer it returns."
            )

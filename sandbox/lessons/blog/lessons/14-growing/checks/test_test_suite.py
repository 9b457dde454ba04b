"""Runs the learner's own tests: against a copy of their blog (they must pass), then against copies
with one bug planted in each (each bug must make a test fail). Bugs are planted in what the app
answers, whatever its code looks like: the check wraps every Bottle app while the tests run."""

import html
import json
import os
import re
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import bottle
import peewee
import pytest

MIN_TESTS = 3
# pytest's plugins that these runs do without: no report printed, no cache written, no thread warnings.
QUIET = [arg for name in ("terminal", "cacheprovider", "pastebin", "stepwise", "doctest", "junitxml", "setuponly",
                          "setupplan", "faulthandler", "unraisableexception", "threadexception")
         for arg in ("-p", f"no:{name}")]


class Results:
    """A pytest plugin that collects which tests passed and which failed, and why."""

    def __init__(self):
        self.passed, self.failed, self.broken = [], [], []

    def pytest_collectreport(self, report):
        if report.failed:
            self.broken.append(why(report))

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.failed.append((report.nodeid.split("::")[-1], why(report)))
        elif report.passed and report.when == "call":
            self.passed.append(report.nodeid)


def why(report):
    """The failure in one short line: pytest's own summary of it (``assert 404 == 200``)."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = getattr(crash, "message", None) or report.longreprtext or "it failed"
    line = " ".join(text.split())
    return line if len(line) <= 160 else line[:159] + "…"


# --- the bugs, each a wrapper around the learner's WSGI app -------------------------------------

RUN = {"folder": None}  # the copy of the workspace the tests run in


def article_models():
    """The learner's model classes with a published field, from the copy being tested."""
    root = str(RUN["folder"]) + os.sep
    found = []
    for module in list(sys.modules.values()):
        if not (getattr(module, "__file__", None) or "").startswith(root):
            continue
        for value in list(vars(module).values()):
            if (isinstance(value, type) and issubclass(value, peewee.Model) and value is not peewee.Model
                    and value not in found and hasattr(value, "_meta")
                    and "published" in value._meta.fields and "slug" in value._meta.fields):
                found.append(value)
    return found


def answer(app, environ):
    """Call the app and collect its whole answer: (status, headers, body)."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, list(headers)
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return seen["status"], seen["headers"], body


def send(start_response, status, headers, body):
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]


def home_page_404(app, environ, start_response):
    if environ.get("PATH_INFO") in ("", "/") and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
        return send(start_response, "404 Not Found", [("Content-Type", "text/html; charset=UTF-8")],
                    b"<!doctype html><h1>Not Found</h1>")
    return app(environ, start_response)


def drafts_shown(app, environ, start_response):
    for model in article_models():
        try:
            model.update(published=True).execute()
        except peewee.PeeweeException:
            pass  # no table yet: nothing to show
    return app(environ, start_response)


def title_dropped(app, environ, start_response):
    found = re.fullmatch(r"/blog/([^/]+)/?", environ.get("PATH_INFO", ""))
    if not found or found.group(1) in ("new", "search") or environ.get("REQUEST_METHOD") != "GET":
        return app(environ, start_response)
    status, headers, body = answer(app, environ)
    titles = []
    for model in article_models():
        try:
            titles += [article.title for article in model.select().where(model.slug == found.group(1))]
        except peewee.PeeweeException:
            pass
    text = body.decode("utf-8", "replace")
    for title in titles:
        for shown in sorted({title, html.escape(title), html.escape(title, quote=False)}, key=len, reverse=True):
            if shown.strip():
                text = text.replace(shown, "")
    return send(start_response, status, headers, text.encode("utf-8"))


def api_list_empty(app, environ, start_response):
    if environ.get("PATH_INFO", "").rstrip("/") != "/api/articles" or environ.get("REQUEST_METHOD") != "GET":
        return app(environ, start_response)
    status, headers, body = answer(app, environ)
    try:
        data = json.loads(body)
    except ValueError:
        return send(start_response, status, headers, body)
    if isinstance(data, list):
        data = []
    elif isinstance(data, dict):
        data = {key: [] if isinstance(value, list) else value for key, value in data.items()}
    return send(start_response, status, headers, json.dumps(data).encode())


BUGS = [
    ("the home page / answering 404 Not Found", "the home page answers 200", home_page_404),
    ("drafts shown to everyone, on their own page and in the API", "a draft's page answers 404", drafts_shown),
    ("an article's page that leaves out its title", "a published article's page shows its title", title_dropped),
    ("/api/articles sending an empty list", "/api/articles lists the published articles (json.loads(text))",
     api_list_empty),
]


@contextmanager
def planted(bug):
    """Every Bottle app answers through ``bug`` while the learner's tests run."""
    if bug is None:
        yield
        return
    original = bottle.Bottle.wsgi

    def wsgi(self, environ, start_response):
        if environ.get("sandbox.planted"):  # an app mounted inside another: plant once
            return original(self, environ, start_response)
        environ["sandbox.planted"] = True
        return bug(lambda env, start: original(self, env, start), environ, start_response)

    bottle.Bottle.wsgi = wsgi
    try:
        yield
    finally:
        bottle.Bottle.wsgi = original


# --- running the learner's tests on a copy of their workspace -----------------------------------

def forget(*folders):
    roots = tuple(str(folder) + os.sep for folder in folders)
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(roots):
            del sys.modules[name]


@contextmanager
def inside(folder, workspace):
    old_cwd, old_path, old_templates = os.getcwd(), list(sys.path), list(bottle.TEMPLATE_PATH)
    forget(workspace, folder.parent)
    sys.path.insert(0, str(folder))
    os.chdir(folder)
    bottle.TEMPLATES.clear()
    bottle.app.push()
    RUN["folder"] = folder
    try:
        yield
    finally:
        forget(workspace, folder.parent)
        bottle.app.pop()
        bottle.TEMPLATES.clear()
        bottle.TEMPLATE_PATH[:] = old_templates
        sys.path[:] = old_path
        os.chdir(old_cwd)


def run_tests(workspace, tmp_path, name, bug=None):
    folder = tmp_path / "runs" / name
    shutil.copytree(workspace, folder, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    config = tmp_path / "pytest.ini"
    config.write_text("[pytest]\n")
    results = Results()
    with inside(folder, workspace), planted(bug):
        results.code = int(pytest.main([str(folder / "tests"), "-c", str(config), "--rootdir", str(folder),
                                        *QUIET], plugins=[results]))
    return results


@pytest.fixture
def suite(request, workspace):
    tests = workspace / "tests"
    if not any(tests.glob("test_*.py")) and not any(tests.glob("*_test.py")):
        pytest.fail("There is no tests/test_app.py in your lesson folder yet: press New file in the Files panel "
                    "and type tests/test_app.py, which makes the tests folder too.", pytrace=False)
    request.getfixturevalue("app")  # an error in the blog itself is shown with its line first
    return workspace


def test_your_tests_pass(suite, tmp_path):
    """Your tests run and pass against your blog"""
    results = run_tests(suite, tmp_path, "as-it-is")
    assert not results.broken and results.code != 4, (
        f"pytest could not load your tests ({results.broken[0] if results.broken else 'usage error'}). "
        "Run python -m pytest in the Terminal tab to see why.")
    for name, message in results.failed:
        pytest.fail(f"Your test {name} failed against the working blog: {message}", pytrace=False)
    assert len(results.passed) >= MIN_TESTS, (
        f"Your tests folder has {len(results.passed)} passing test(s). Write at least {MIN_TESTS} test functions "
        "(their names start with test_), for example the home page, a published article, and a hidden draft.")


def test_your_tests_catch_bugs(suite, tmp_path):
    """Your tests catch bugs planted in a copy of your blog"""
    missed = []
    for number, (bug, test, wrapper) in enumerate(BUGS):
        results = run_tests(suite, tmp_path, f"bug-{number}", wrapper)
        if not results.failed and not results.broken:
            missed.append((bug, test))
    assert not missed, (
        "The check planted bugs in a copy of your blog, one at a time, and your tests all still passed with "
        + "; with ".join(bug for bug, _ in missed) + ". Add tests that would notice: "
        + "; ".join(test for _, test in missed) + ".")

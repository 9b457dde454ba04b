"""Runs the learner's own tests (no tests here): against a copy of their lesson folder (they must
pass), then against copies with one bug planted at a time (each bug must make a test fail).

Bugs are planted in what the API answers, whatever its code looks like: while the tests run, every
app of the learner's framework class answers through the bug (an ASGI wrapper around its __call__)."""

import json
import os
import shutil
import sys
from contextlib import contextmanager

import pytest

# pytest's plugins that these runs do without: no report printed, no cache written, no thread warnings.
QUIET = [arg for name in ("terminal", "cacheprovider", "pastebin", "stepwise", "doctest", "junitxml", "setuponly",
                          "setupplan", "faulthandler", "unraisableexception", "threadexception")
         for arg in ("-p", f"no:{name}")]


class Results:
    """A pytest plugin that collects which tests passed and which failed, and why."""

    def __init__(self):
        self.passed, self.failed, self.broken = [], [], []
        self.code = 0

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


# --- answering through a bug ------------------------------------------------------------------


async def answer_of(app, scope, receive):
    """Call the app and collect its whole answer: (status, headers, body)."""
    messages = []

    async def send(message):
        messages.append(message)

    await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], list(start.get("headers", [])), body


async def respond(send, status, headers, body):
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


JSON = [(b"content-type", b"application/json")]


def is_list_of_tasks(scope):
    return scope["method"] == "GET" and scope["path"].rstrip("/") == "/tasks"


def is_one_task(scope):
    parts = scope["path"].strip("/").split("/")
    return scope["method"] == "GET" and len(parts) == 2 and parts[0] == "tasks"


async def home_page_404(app, scope, receive, send):
    if scope["method"] == "GET" and scope["path"] in ("", "/"):
        return await respond(send, 404, JSON, b'{"detail":"Not Found"}')
    await app(scope, receive, send)


async def created_with_200(app, scope, receive, send):
    status, headers, body = await answer_of(app, scope, receive)
    if scope["method"] == "POST" and scope["path"].rstrip("/") == "/tasks" and status == 201:
        status = 200
    await respond(send, status, headers, body)


async def list_always_empty(app, scope, receive, send):
    status, headers, body = await answer_of(app, scope, receive)
    if is_list_of_tasks(scope) and status == 200:
        body = b"[]"
    await respond(send, status, headers, body)


async def missing_task_is_null(app, scope, receive, send):
    status, headers, body = await answer_of(app, scope, receive)
    if is_one_task(scope) and status == 404:
        status, body = 200, b"null"
    await respond(send, status, headers, body)


async def blank_title_accepted(app, scope, receive, send):
    if not (scope["method"] == "POST" and scope["path"].rstrip("/") == "/tasks"):
        return await app(scope, receive, send)
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    try:
        sent = json.loads(body)
    except ValueError:
        sent = None
    if isinstance(sent, dict) and not str(sent.get("title", "")).strip():
        task = {"id": 999, "title": sent.get("title", ""), "done": False, "priority": 3}
        return await respond(send, 201, JSON, json.dumps(task).encode())
    replayed = [{"type": "http.request", "body": body, "more_body": False}]

    async def again():
        return replayed.pop() if replayed else await receive()

    await app(scope, again, send)


@contextmanager
def planted(app_class, bug):
    """Every app of ``app_class`` (the learner's framework, FastAPI) answers through ``bug`` meanwhile."""
    if bug is None:
        yield
        return
    owner = next(cls for cls in app_class.__mro__ if "__call__" in vars(cls))
    original = vars(owner)["__call__"]

    async def call(self, scope, receive, send):
        if scope.get("type") != "http" or scope.get("sandbox.planted"):
            return await original(self, scope, receive, send)
        scope = {**scope, "sandbox.planted": True}
        await bug(lambda s, r, w: original(self, s, r, w), scope, receive, send)

    owner.__call__ = call
    try:
        yield
    finally:
        owner.__call__ = original


# --- running the learner's tests on a copy of their folder -------------------------------------


def forget(*folders):
    roots = tuple(str(folder) + os.sep for folder in folders)
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(roots):
            del sys.modules[name]


@contextmanager
def inside(folder, workspace):
    old_cwd, old_path = os.getcwd(), list(sys.path)
    forget(workspace, folder.parent)
    sys.path.insert(0, str(folder))
    os.chdir(folder)
    try:
        yield
    finally:
        forget(workspace, folder.parent)
        sys.path[:] = old_path
        os.chdir(old_cwd)


def copy_of(workspace, tmp_path, name):
    folder = tmp_path / "runs" / name
    shutil.copytree(workspace, folder, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return folder


def run_tests(folder, workspace, app_class, bug=None):
    config = folder.parent.parent / "pytest.ini"
    config.write_text("[pytest]\n")
    results = Results()
    with inside(folder, workspace), planted(app_class, bug):
        results.code = int(pytest.main([str(folder / "tests"), "-c", str(config), "--rootdir", str(folder),
                                        *QUIET], plugins=[results]))
    return results


def suite_folder(workspace):
    tests = workspace / "tests"
    if not any(tests.glob("test_*.py")) and not any(tests.glob("*_test.py")):
        pytest.fail("There is no tests/test_tasks.py in your lesson folder yet: press New file in the Files panel "
                    "and type tests/test_tasks.py, which makes the tests folder too.", pytrace=False)
    return workspace


def assert_all_pass(results, minimum, advice):
    assert not results.broken and results.code != 4, (
        f"pytest could not load your tests ({results.broken[0] if results.broken else 'usage error'}). "
        "Run python -m pytest in the Terminal tab to see why.")
    for name, message in results.failed:
        pytest.fail(f"Your test {name} failed against your working API: {message}", pytrace=False)
    assert len(results.passed) >= minimum, (
        f"Your tests folder has {len(results.passed)} passing test(s). Write at least {minimum} test functions "
        f"(their names start with test_), {advice}.")


def assert_bugs_caught(workspace, tmp_path, app_class, bugs):
    missed = []
    for number, (bug, test, wrapper) in enumerate(bugs):
        results = run_tests(copy_of(workspace, tmp_path, f"bug-{number}"), workspace, app_class, wrapper)
        if not results.failed and not results.broken:
            missed.append((bug, test))
    assert not missed, (
        "The check planted bugs in a copy of your API, one at a time, and your tests all still passed with "
        + "; with ".join(bug for bug, _ in missed) + ". Add tests that would notice: "
        + "; ".join(test for _, test in missed) + ".")

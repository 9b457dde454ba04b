"""Fixtures that build the world: settings, a fresh data dir and app per test, a real server, a browser.

With SANDBOX_REQUIRE_ALL=1 (set by .ci/run) a skipped test counts as a failure, so a missing
browser, Xvfb or Qt library can never pass CI quietly.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from webtest import TestApp

from sandbox.config import build_settings, prepare_data_dir
from sandbox.packs.catalog import Catalog
from sandbox.services import Services
from sandbox.store import Store
from sandbox.terminal.environment import LearnerEnvironment
from sandbox.web import create_app
from sandbox.web.security import csrf_token

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_ALL = os.environ.get("SANDBOX_REQUIRE_ALL") == "1"
CHROMIUM = os.environ.get("SANDBOX_CHROMIUM", "/usr/bin/chromium")
PORT = 8123


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped, but SANDBOX_REQUIRE_ALL=1 demands this test runs: {report.longrepr}"
    if report.failed:  # a fixture with a log (a real JupyterHub, tests/hub.py) shows it beside the failure
        for value in {id(v): v for v in getattr(item, "funcargs", {}).values()}.values():
            if hasattr(value, "failure_log"):
                report.sections.append(value.failure_log())


def wait_for(condition, timeout: float = 10.0, what: str = "the condition"):
    """Poll ``condition`` until it returns something true, and return that value.

    Fails with "timed out after N s waiting for <what>" when ``timeout`` passes first: a bound
    that catches a hang, never a measure of speed, so keep it generous.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.01)


def need(condition: bool, reason: str) -> None:
    """Skip when a tool is missing, or fail in CI (SANDBOX_REQUIRE_ALL=1)."""
    if not condition:
        if REQUIRE_ALL:
            pytest.fail(f"{reason} (required in CI)")
        pytest.skip(reason)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A fresh, prepared data folder."""
    folder = tmp_path / "data"
    prepare_data_dir(folder)
    return folder


@pytest.fixture
def store(data_dir):
    """The data folder's database, open (and active on this thread) for the whole test."""
    opened = Store.open(data_dir / "sandbox.db")
    yield opened
    opened.close()


@pytest.fixture
def settings(data_dir, store):
    s = build_settings(data_dir=data_dir, env={})
    s.port = PORT
    return s


@pytest.fixture(scope="session")
def check_runner():
    from sandbox.checker import CheckRunner

    runner = CheckRunner(timeout=10.0)
    runner.start()
    yield runner
    runner.stop()


@pytest.fixture
def services(settings, store, check_runner):
    return Services(store=store, catalog=Catalog(settings.packs_dir), checker=check_runner, open_url=lambda url: True)


@pytest.fixture
def wsgi(settings, services):
    return create_app(settings, services)


@pytest.fixture
def anon(wsgi):
    """A client with no session: what a foreign page or process would be."""
    return TestApp(wsgi, extra_environ={"HTTP_HOST": f"127.0.0.1:{PORT}"})


VISIT_URL = re.compile(r'data-visit-url="([^"]+)"')


class PageClient(TestApp):
    """A WebTest client that, like the lesson page's script, POSTs the page's visit URL after a
    GET of a lesson page."""

    def get(self, url, *args, **kwargs):
        response = super().get(url, *args, **kwargs)
        found = VISIT_URL.search(response.text) if response.content_type == "text/html" else None
        if found and response.status_int == 200 and self.run_page_scripts:
            environ = kwargs.get("extra_environ") or {}
            visit = found.group(1).removeprefix(environ.get("SCRIPT_NAME", ""))
            self.post(visit, headers={"X-CSRF-Token": self.csrf}, extra_environ=environ, expect_errors=True)
        return response


@pytest.fixture
def client(wsgi, settings):
    """A client that opened the launch link, so it holds the session cookie; it runs the lesson
    page's on-load request as a browser would (``client.run_page_scripts = False`` stops that)."""
    app = PageClient(wsgi, extra_environ={"HTTP_HOST": f"127.0.0.1:{PORT}"})
    app.run_page_scripts = True
    app.get(f"/?token={settings.token}", status=303)
    app.csrf = csrf_token(settings.token)
    return app


@pytest.fixture
def sandbox_process(tmp_path):
    """Start ``launcher.py --headless`` and yield (process, url); it is stopped afterwards."""
    procs = []

    def start(data_dir=None, *extra):
        data_dir = data_dir or tmp_path / "data"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("DISPLAY", None)
        proc = subprocess.Popen([sys.executable, str(ROOT / "launcher.py"), "--headless", "--data-dir", str(data_dir),
                                 *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                start_new_session=True)
        procs.append(proc)
        return proc, read_url(proc)

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=5)


def read_url(proc, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("Sandbox running at "):
            return line.split(" at ", 1)[1].strip()
        if not line and proc.poll() is not None:
            raise AssertionError(f"the sandbox exited early: {proc.stderr.read()}")
    raise AssertionError("the sandbox did not print its address")


@pytest.fixture(scope="session")
def chromium():
    need(Path(CHROMIUM).exists() or shutil.which("chromium") is not None, f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Playwright for Python is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()


WHEELHOUSE = ROOT / "wheelhouse"


@pytest.fixture(scope="session")
def outside_pytest_temp():
    """A folder for what `nobody` must reach. Not under pytest's base temp folder: every pytest session
    that starts on this computer (another developer's run, say) makes /tmp/pytest-of-USER private
    again, which would cut the learner's processes off from their workspace and Python mid-test."""
    folder = Path(tempfile.mkdtemp(prefix="sandbox-terminal-tests-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def environment(outside_pytest_temp):
    """The learner's Python, made once for the whole session from the wheelhouse tasks.py fills."""
    need(any(WHEELHOUSE.glob("*.whl")), f"no wheelhouse at {WHEELHOUSE}: run `python3 tasks.py setup` online")
    found = LearnerEnvironment(outside_pytest_temp / "environments" / "terminal", WHEELHOUSE)
    found.ensure()
    return found

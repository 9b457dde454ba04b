"""Classroom mode on a real JupyterHub: deploy/jupyterhub/jupyterhub_config.py, the npm proxy, the sandbox as
each learner's server, the classroom service; in Chromium and over plain HTTP.

One Hub for the whole module (tests/hub.py starts it on free loopback ports in a temporary folder,
with the dummy authenticator). CI fails, never skips, when it cannot start (SANDBOX_REQUIRE_ALL=1);
a failing test shows the Hub's log.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT, need
from tests.hub import CONFIG, Hub, HubUser, get_without_redirects, missing
from tests.support import is_running

INSTRUCTOR = "teacher"
LEARNERS = ("alice", "bob")
GROUP = "class-1"
DOCS = ROOT / "docs" / "classroom.md"
VALUES = ROOT / "deploy" / "jupyterhub" / "z2jh-values.yaml"


@pytest.fixture(scope="module")
def hub():
    reason = missing()
    need(reason is None, reason or "")
    # not under pytest's temp folder, which is private to its owner: learner code runs as another user
    folder = Path(tempfile.mkdtemp(prefix="sandbox-hub-tests-"))
    folder.chmod(0o755)
    running = Hub(folder, groups={"instructors": [INSTRUCTOR], GROUP: list(LEARNERS)})
    try:
        running.start()
        yield running
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def servers(hub):
    """The learners' servers, started at the same time through the Hub's REST API."""
    with ThreadPoolExecutor(len(LEARNERS)) as pool:
        list(pool.map(hub.spawn, LEARNERS))
    return hub


# -- in Chromium ------------------------------------------------------------------------------------

SOLUTION = 'from bottle import Bottle\n\napp = Bottle()\n\n\n@app.route("/")\ndef home():\n    return "Hello, web!"\n'
STEP = "learn/my-pack/01-first-route/hello"
READ_PARENT = """async (prefix) => {
    const found = {};
    try { found.parent = parent.document.body.innerHTML.length; } catch (e) { found.parent = "blocked"; }
    try { found.top = top.document.cookie; } catch (e) { found.top = "blocked"; }
    try {
        const page = await (await fetch(prefix, {credentials: "include"})).text();
        found.fetch = page.includes("csrf-token") ? "read the sandbox's page" : "no token";
    } catch (e) { found.fetch = "blocked"; }
    return found;
}"""


def logged_in_page(chromium, hub: Hub, name: str, next_path: str):
    """A new browser (its own cookies) that logged in on the Hub's page as ``name`` and went on to ``next_path``."""
    context = chromium.new_context()
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(f"{hub.url}/hub/login?next={next_path}")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill("any password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{hub.url}{next_path}*")
    return page


def preview_shows(page, text: str, timeout: float = 30.0) -> None:
    """Wait until the preview's frame shows ``text``; else fail with what the pane says."""
    body = page.frame_locator("#preview-frame").locator("body")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in (body.inner_text(timeout=5_000) if body.count() else ""):
            return
        time.sleep(0.25)
    raise AssertionError(f"the preview did not show {text!r} within {timeout:g} s: frame src "
                         f"{page.locator('#preview-frame').get_attribute('src')!r}, status "
                         f"{page.locator('#preview-status').inner_text()!r}, frame body {body.inner_html()[:300]!r}, "
                         f"console {page.locator('#preview-console').inner_text()[-300:]!r}")


def set_editor(page, text: str) -> None:
    page.locator(".cm-content").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


@pytest.mark.browser
@pytest.mark.slow
def test_a_class_publishes_installs_checks_previews_and_hands_in_in_chromium(servers, chromium):
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    archive = build_template_pack(servers.folder)
    teacher = logged_in_page(chromium, servers, INSTRUCTOR, "/services/classroom/")
    teacher.get_by_label("Pack file (.zip)").set_input_files(str(archive))
    teacher.get_by_label("Hub group of learners").fill(GROUP)
    teacher.get_by_role("button", name="Check and publish").click()
    expect(teacher.locator("table").first).to_contain_text("My pack")

    pages = {}
    for name in LEARNERS:
        prefix = f"/user/{name}/"
        page = pages[name] = logged_in_page(chromium, servers, name, prefix + "packs")
        offered = page.locator("tr", has_text="My pack")
        offered.get_by_role("button", name="Install").click()
        expect(page.locator("body")).to_contain_text("Installed My pack")

        page.goto(servers.url + prefix + STEP)
        page.locator(".cm-editor").wait_for()
        set_editor(page, SOLUTION)
        page.keyboard.press("Control+S")
        page.get_by_role("button", name="Check").click()
        expect(page.locator("#result")).to_contain_text("All checks passed.")
        frame = page.locator("#preview-frame")
        assert "allow-same-origin" not in frame.get_attribute("sandbox")
        preview_shows(page, "Hello, web!")

        # the learner's app, in its frame, cannot read the sandbox's page or its CSRF token
        app_frame = next(f for f in page.frames if "/preview/" in f.url)
        found = app_frame.evaluate(READ_PARENT, servers.url + prefix)
        assert found == {"parent": "blocked", "top": "blocked", "fetch": "blocked"}, found
        assert page.errors == [], page.errors

    # one learner cannot open another's sandbox
    answer = pages["alice"].goto(servers.url + "/user/bob/")
    assert answer.status == 403
    assert pages["alice"].locator('meta[name="csrf-token"]').count() == 0

    # both reports reached the class's gradebook (each sandbox sends its report after a passed step)
    deadline = time.monotonic() + 30
    while True:
        teacher.goto(servers.url + "/services/classroom/gradebook?pack=my-pack")
        table = teacher.locator("body").inner_text()
        if all(name in table for name in LEARNERS) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert all(name in table for name in LEARNERS), table
    for page in (teacher, *pages.values()):
        page.context.close()


# -- over plain HTTP --------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_hub_spawns_a_sandbox_that_answers_under_the_users_prefix(servers):
    alice = HubUser(servers, "alice").login().open_sandbox()
    status, page, url = alice.get("/")
    assert status == 200 and url == f"{servers.url}/user/alice/"
    assert 'href="/user/alice/' in page, "the page's own links stay under the user's prefix"
    assert servers.user("alice")["servers"][""]["ready"]


@pytest.mark.slow
def test_a_page_without_a_login_goes_to_the_hubs_login(servers):
    stranger = HubUser(servers, "nobody-logged-in")
    status, page, url = stranger.request("GET", "/user/alice/packs")
    assert url.startswith(f"{servers.url}/hub/login"), url
    assert status == 200 and 'name="username"' in page


@pytest.mark.slow
def test_a_script_without_a_login_gets_403(servers):
    status, _ = get_without_redirects(f"{servers.url}/user/alice/packs",
                                      {"Accept": "*/*", "Sec-Fetch-Mode": "cors", "HX-Request": "true"})
    assert status == 403


@pytest.mark.slow
def test_another_learner_gets_403_on_a_learners_server(servers):
    bob = HubUser(servers, "bob").login()
    status, page, url = bob.request("GET", "/user/alice/")
    assert status == 403, (status, url)
    assert "csrf-token" not in page
    status, _, _ = bob.request("POST", "/user/alice/packs/install", b"",
                               {"Origin": servers.url, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403


@pytest.mark.slow
def test_sigterm_stops_a_server_within_two_seconds_with_the_last_save_kept(servers):
    """Stops bob's server: keep this the module's last test that uses the servers."""
    hub = servers
    bob = HubUser(hub, "bob").login().open_sandbox()
    step = "/" + STEP
    bob.upload_pack(build_template_pack(hub.folder))  # installed already when the Chromium test ran first
    status, body, _ = bob.get(step)
    assert status == 200, body[:300]
    bob.post(step + "/visit")
    marker = f"kept-{time.time_ns()}"
    status, body, _ = bob.post(step + "/save", {"path": "app.py", "content": f"# {marker}\n"})
    assert status == 200, body[:300]
    pid = hub.server_pid("bob")
    started = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    while is_running(pid) and time.monotonic() - started < 5:
        time.sleep(0.02)
    took = time.monotonic() - started
    assert not is_running(pid) and took <= 2.0, f"the server took {took:.1f} s to stop after SIGTERM"
    saved = [p for p in (hub.homes / "bob").rglob("app.py") if marker in p.read_text(errors="replace")]
    assert saved, "the last save is on disk after the stop"


def build_template_pack(folder: Path) -> Path:
    """The `sandbox pack new` template (id my-pack), built into a zip as an instructor would."""
    from sandbox.packs.build import build_pack

    target = folder / "my-pack-0.1.0.zip"
    if not target.exists():
        build_pack(ROOT / "sandbox" / "packs" / "template", target)
    return target


# -- the deployment the docs show is the one tested ------------------------------------------------

def test_the_docs_show_the_tested_config_and_every_variable_it_reads():
    text = DOCS.read_text()
    assert "deploy/jupyterhub/jupyterhub_config.py" in text and "deploy/jupyterhub/z2jh-values.yaml" in text
    read = set(re.findall(r'env\(\s*["\'](SANDBOX_[A-Z_]+)["\']', CONFIG.read_text()))
    assert read, "the config reads its settings with env(...)"
    undocumented = sorted(name for name in read if name not in text)
    assert not undocumented, f"docs/classroom.md does not explain {undocumented}"


def test_the_zero_to_jupyterhub_values_start_the_sandbox_with_limits_and_culling():
    import yaml  # PyYAML comes with JupyterHub (jupyter_events)

    values = yaml.safe_load(VALUES.read_text())
    single = values["singleuser"]
    assert single["cmd"] == ["python", "-m", "sandbox", "serve", "--hub"]
    assert single["memory"]["guarantee"] and single["memory"]["limit"]
    assert single["extraEnv"]["SANDBOX_CLASSROOM_URL"].endswith("/services/classroom/")
    assert values["cull"]["enabled"] is True and values["cull"]["timeout"] > 0
    service = values["hub"]["services"]["classroom"]
    assert service["command"] == ["python", "-m", "sandbox.classroom_service"]
    assert service["environment"]["SANDBOX_CLASSROOM_BIND"] == "0.0.0.0"  # "hub" names the Service, not the pod

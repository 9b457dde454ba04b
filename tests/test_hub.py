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
LATE = "carol"  # a learner whose server the SIGTERM test stops
DOCS = ROOT / "docs" / "classroom.md"
VALUES = ROOT / "deploy" / "jupyterhub" / "z2jh-values.yaml"


@pytest.fixture(scope="module")
def hub():
    reason = missing()
    need(reason is None, reason or "")
    # not under pytest's temp folder, which is private to its owner: learner code runs as another user
    folder = Path(tempfile.mkdtemp(prefix="sandbox-hub-tests-"))
    folder.chmod(0o755)
    running = Hub(folder, groups={"instructors": [INSTRUCTOR], GROUP: [*LEARNERS, LATE]})
    try:
        running.start()
        yield running
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def servers(hub):
    """Both learners' servers, started at the same time through the Hub's REST API."""
    with ThreadPoolExecutor(len(LEARNERS)) as pool:
        list(pool.map(hub.spawn, LEARNERS))
    return hub


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
def test_sigterm_stops_a_server_within_two_seconds_with_the_last_save_kept(hub):
    hub.spawn(LATE)
    carol = HubUser(hub, LATE).login().open_sandbox()
    step = "/learn/my-pack/01-first-route/hello"
    archive = build_template_pack(hub.folder)
    status, body, _ = carol.upload_pack(archive)
    assert status == 200, body[:300]
    assert carol.get(step)[0] == 200
    carol.post(step + "/visit")
    marker = f"kept-{time.time_ns()}"
    status, body, _ = carol.post(step + "/save", {"path": "app.py", "content": f"# {marker}\n"})
    assert status == 200, body[:300]
    pid = hub.server_pid(LATE)
    started = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    while is_running(pid) and time.monotonic() - started < 5:
        time.sleep(0.02)
    took = time.monotonic() - started
    assert not is_running(pid) and took <= 2.0, f"the server took {took:.1f} s to stop after SIGTERM"
    saved = [p for p in (hub.homes / LATE).rglob("app.py") if marker in p.read_text(errors="replace")]
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
    yaml = pytest.importorskip("yaml")
    values = yaml.safe_load(VALUES.read_text())
    single = values["singleuser"]
    assert single["cmd"] == ["python", "-m", "sandbox", "serve", "--hub"]
    assert single["memory"]["guarantee"] and single["memory"]["limit"]
    assert single["extraEnv"]["SANDBOX_CLASSROOM_URL"].endswith("/services/classroom/")
    assert values["cull"]["enabled"] is True and values["cull"]["timeout"] > 0
    service = values["hub"]["services"]["classroom"]
    assert service["command"] == ["python", "-m", "sandbox.classroom_service"]

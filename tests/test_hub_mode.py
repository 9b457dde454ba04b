"""Classroom mode without a real Hub: settings from the Hub's variables, the app under the prefix, the
Hub's login (a stand-in for HubOAuth with the same methods), one learner, no desktop actions,
activity reports, a network filesystem warned about, and a clean stop on SIGTERM.

tests/test_hub.py runs the same mode under a real JupyterHub.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from webtest import TestApp

from sandbox.config import CHECKOUT_ROOT, build_settings
from sandbox.errors import ConfigError
from sandbox.hub import ActivityReporter, HubConfig, hub_config, network_filesystem_warning
from sandbox.packs.catalog import Catalog
from sandbox.services import Services
from sandbox.web import create_app
from sandbox.web.hub_login import HubSession
from sandbox.web.security import csrf_token

HOST = "hub.school.example:8000"
PREFIX = "/user/alice/"


def hub_env(tmp_path, **extra) -> dict:
    env = {
        "JUPYTERHUB_SERVICE_URL": "http://0.0.0.0:47123/user/alice/",
        "JUPYTERHUB_SERVICE_PREFIX": PREFIX,
        "JUPYTERHUB_API_TOKEN": "server-token",
        "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",
        "JUPYTERHUB_USER": "alice",
        "JUPYTERHUB_CLIENT_ID": "jupyterhub-user-alice",
        "JUPYTERHUB_BASE_URL": "/",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": "/user/alice/oauth_callback",
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps(["access:servers!server=alice/", "access:servers!user=alice"]),
        "JUPYTERHUB_ACTIVITY_URL": "http://127.0.0.1:9/hub/api/users/alice/activity",
        "SANDBOX_DATA_DIR": str(tmp_path / "home" / "alice" / "sandbox"),
    }
    env.update(extra)
    return env


class FakeHubOAuth:
    """HubOAuth's methods HubSession uses, answering from a table instead of asking a Hub."""

    oauth_client_id = "jupyterhub-user-alice"
    login_url = "/hub/api/oauth2/authorize?client_id=jupyterhub-user-alice&response_type=code"
    access_scopes = {"access:servers!server=alice/"}

    def __init__(self):
        self.tokens = {"alice-token": {"kind": "user", "name": "alice", "scopes": ["access:servers!server=alice/"]},
                       "bob-token": {"kind": "user", "name": "bob", "scopes": ["access:servers!server=bob/"]}}
        self.codes = {"alice-code": "alice-token", "bob-code": "bob-token"}
        self.states = {}

    def generate_pkce_code_challenge(self):
        return "verifier", "challenge", "S256"

    def generate_state(self, next_url=None, **extra):
        state = f"state{len(self.states)}"
        self.states[state] = {"next_url": next_url, **extra}
        return state

    def get_next_url(self, state):
        return self.states.get(state, {}).get("next_url") or "/"

    def get_code_verifier(self, state):
        return self.states.get(state, {}).get("code_verifier")

    def clear_oauth_state(self, state):
        self.states.pop(state, None)

    def token_for_code(self, code, *, code_verifier=None):
        assert code_verifier == "verifier"
        return self.codes[code]

    def user_for_token(self, token):
        return self.tokens.get(token)

    def check_scopes(self, required, user):
        return bool(set(required) & set(user["scopes"]))


@pytest.fixture
def hub_settings(tmp_path, store):
    settings = build_settings(env=hub_env(tmp_path), data_dir=store.path.parent)
    settings.port = 47123
    return settings


@pytest.fixture
def hub_app(hub_settings, store):
    touched = []
    services = Services(store=store, catalog=Catalog(hub_settings.packs_dir), open_url=lambda url: True,
                        activity=lambda: touched.append(1))
    store.connect()
    try:
        from sandbox.classroom.profiles import use_account

        use_account("alice")
    finally:
        store.disconnect()
    oauth = FakeHubOAuth()
    app = create_app(hub_settings, services, hub_session=HubSession(oauth, PREFIX))
    app.touched = touched
    return app


def browser(app) -> TestApp:
    return TestApp(app, extra_environ={"HTTP_HOST": HOST})


def log_in(app, code="alice-code", path=PREFIX) -> TestApp:
    """Go through the Hub's login as a browser does: page, redirect, callback, page."""
    b = browser(app)
    first = b.get(path, headers={"Sec-Fetch-Mode": "navigate"}, status=302)
    assert first.location.startswith("/hub/api/oauth2/authorize?")
    state = first.location.split("state=")[1].split("&")[0]
    back = b.get(f"{PREFIX}oauth_callback", params={"code": code, "state": state}, status=302)
    assert back.location.endswith(path)
    return b


# ---- settings ---------------------------------------------------------------------


def test_hub_variables_make_classroom_settings(tmp_path):
    settings = build_settings(env=hub_env(tmp_path))
    assert settings.hub is not None and settings.hub.user == "alice" and settings.hub.prefix == PREFIX
    # The Hub's proxy must reach it, so the host JUPYTERHUB_SERVICE_URL names is allowed in this mode only.
    assert (settings.host, settings.port, settings.ui) == ("0.0.0.0", 47123, "headless")
    assert settings.data_dir == tmp_path / "home" / "alice" / "sandbox"
    with pytest.raises(ConfigError, match="only listens on 127.0.0.1"):
        build_settings(host="0.0.0.0", env={})


def test_the_data_folder_under_the_hub_is_never_the_checkouts(tmp_path, monkeypatch):
    env = hub_env(tmp_path)
    del env["SANDBOX_DATA_DIR"]
    monkeypatch.setenv("HOME", str(tmp_path / "home" / "bob"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    settings = build_settings(env=env)
    assert settings.data_dir != CHECKOUT_ROOT / "data"
    assert str(settings.data_dir).startswith(str(tmp_path / "home" / "bob"))


def test_a_missing_hub_variable_is_one_sentence(tmp_path):
    env = hub_env(tmp_path)
    del env["JUPYTERHUB_USER"]
    with pytest.raises(ConfigError, match="JUPYTERHUB_USER is not set"):
        build_settings(env=env, hub=True)
    assert build_settings(env={}, data_dir=tmp_path).hub is None  # the desktop, as before
    with pytest.raises(ConfigError, match="not an http address"):
        hub_config(hub_env(tmp_path, JUPYTERHUB_SERVICE_URL="unix:/tmp/x"))


def test_a_network_filesystem_is_warned_about(tmp_path):
    mounts = "/dev/sda1 / ext4 rw 0 0\nserver:/home /home nfs4 rw 0 0\ntmpfs /home/x/tmp tmpfs rw 0 0\n"
    assert "network filesystem (nfs4)" in network_filesystem_warning(Path("/home/alice/data"), mounts)
    assert network_filesystem_warning(Path("/home/x/tmp/data"), mounts) is None
    assert network_filesystem_warning(Path("/srv/data"), mounts) is None


# ---- the app under the prefix, the Hub's login -----------------------------------------


def test_a_page_without_login_goes_to_the_hubs_login_and_a_script_gets_403(hub_app):
    b = browser(hub_app)
    r = b.get(PREFIX + "progress", headers={"Sec-Fetch-Mode": "navigate"}, status=302)
    assert r.location.startswith("/hub/api/oauth2/authorize?") and "code_challenge=challenge" in r.location
    assert f"Path={PREFIX}" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
    r = b.get(PREFIX + "progress", headers={"Sec-Fetch-Mode": "cors", "Accept": "application/json"}, status=403)
    assert "reload the page" in r.text
    b.post(PREFIX + "settings", {"theme": "dark"}, status=403)


def test_outside_the_prefix_is_not_ours_and_the_bare_prefix_gets_its_slash(hub_app):
    b = browser(hub_app)
    b.get("/user/bob/", status=404)
    b.get("/", status=404)
    assert b.get("/user/alice", status=302).location.endswith(PREFIX)


def test_logging_in_through_the_hub_shows_pages_whose_links_stay_under_the_prefix(hub_app):
    b = log_in(hub_app)
    cookie = [c for c in b.cookiejar if c.name == "sandbox-jupyterhub-user-alice"][0]
    assert cookie.path == PREFIX.rstrip("/") or cookie.path == PREFIX
    page = b.get(PREFIX, status=200)
    hrefs = [a for a in page.html.find_all(["a", "link", "script", "form"])]
    targets = [t.get("href") or t.get("src") or t.get("action") for t in hrefs]
    own = [t for t in targets if t and t.startswith("/")]
    assert own and all(t.startswith(PREFIX) for t in own), [t for t in own if not t.startswith(PREFIX)]
    assert "alice" in page.text
    b.get(PREFIX + "static/css/app.css", status=200)
    assert page.headers["X-JupyterHub-Version"]  # as jupyterhub-singleuser says which Hub it was made for


def test_cookies_are_secure_when_the_hub_is_reached_over_https(hub_app):
    b = browser(hub_app)
    r = b.get(PREFIX, headers={"Sec-Fetch-Mode": "navigate", "X-Forwarded-Proto": "https"}, status=302)
    assert "; Secure" in r.headers["Set-Cookie"]
    assert "Secure" not in b.get(PREFIX, headers={"Sec-Fetch-Mode": "navigate"}, status=302).headers["Set-Cookie"]


def test_a_login_with_a_foreign_state_is_refused(hub_app):
    b = browser(hub_app)
    b.get(PREFIX, headers={"Sec-Fetch-Mode": "navigate"}, status=302)
    b.get(f"{PREFIX}oauth_callback", params={"code": "alice-code", "state": "made-up"}, status=403)
    fresh = browser(hub_app)  # a state in the URL with no cookie of this browser
    fresh.get(f"{PREFIX}oauth_callback", params={"code": "alice-code", "state": "state0"}, status=403)


def test_another_hub_user_is_refused(hub_app):
    b = browser(hub_app)
    first = b.get(PREFIX, headers={"Sec-Fetch-Mode": "navigate"}, status=302)
    state = first.location.split("state=")[1].split("&")[0]
    b.get(f"{PREFIX}oauth_callback", params={"code": "bob-code", "state": state}, status=302)
    # Bob's token has no access scope for alice's server: pages send him to the Hub, scripts get 403.
    assert b.get(PREFIX, headers={"Sec-Fetch-Mode": "navigate"}, status=302).location.startswith("/hub/")
    b.get(PREFIX + "progress", headers={"Sec-Fetch-Mode": "cors"}, status=403)


def test_unsafe_requests_need_the_csrf_token_and_an_origin_matching_the_host(hub_app, hub_settings):
    b = log_in(hub_app)
    csrf = csrf_token(hub_settings.token)
    form = {"csrf_token": csrf, "name": "x", "theme": "dark", "font_size": "16"}
    b.post(PREFIX + "settings", form, headers={"Origin": f"https://{HOST}"}, status=200)
    b.post(PREFIX + "settings", form, headers={"Origin": "http://evil.example"}, status=403)
    b.post(PREFIX + "settings", dict(form, csrf_token="nope"), status=403)
    b.get(PREFIX + "progress", headers={"Sec-Fetch-Site": "same-site"}, status=403)
    b.get(PREFIX + "progress", headers={"Sec-Fetch-Site": "cross-site"}, status=403)


def test_one_learner_named_by_the_hub_and_no_desktop_actions(hub_app, hub_settings):
    b = log_in(hub_app)
    csrf = csrf_token(hub_settings.token)
    page = b.get(PREFIX + "settings")
    assert 'value="alice"' in page.text and "readonly" in page.text
    b.post(PREFIX + "settings", {"csrf_token": csrf, "name": "mallory", "theme": "dark", "font_size": "16"})
    assert "mallory" not in b.get(PREFIX + "settings").text
    b.get(PREFIX + "profiles", status=403)
    b.post(PREFIX + "profiles", {"csrf_token": csrf, "name": "bob"}, status=403)
    b.post(PREFIX + "profiles/1/switch", {"csrf_token": csrf}, status=403)
    b.post(PREFIX + "open-external", {"csrf_token": csrf, "url": "https://example.org"}, status=403)
    assert 'data-open-external-url=""' in b.get(PREFIX).text
    about = b.get(PREFIX + "about").text
    assert "JupyterHub started this sandbox for alice" in about and "nothing is sent anywhere" not in about


def test_the_learners_own_requests_count_as_activity_and_polls_do_not(hub_app):
    b = log_in(hub_app)
    hub_app.touched.clear()
    b.get(PREFIX + "static/css/app.css")
    assert hub_app.touched == []
    b.get(PREFIX + "progress")
    assert len(hub_app.touched) == 1


# ---- activity reports --------------------------------------------------------------


def test_activity_goes_to_the_hub_as_jupyterhub_singleuser_sends_it():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((self.path, self.headers["Authorization"],
                             json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hub = HubConfig(user="alice", prefix=PREFIX, host="127.0.0.1", port=1, api_url="x", api_token="tok",
                        activity_url=f"http://127.0.0.1:{server.server_port}/hub/api/users/alice/activity")
        reporter = ActivityReporter(hub)
        assert reporter.flush() is False  # nothing done yet: nothing sent
        reporter.touch()
        assert reporter.flush() is True
        assert reporter.flush() is False  # the same moment is not sent twice
    finally:
        server.shutdown()
        server.server_close()
    path, auth, body = received[0]
    assert path == "/hub/api/users/alice/activity" and auth == "token tok"
    assert body["last_activity"].endswith("Z") and body["servers"][""]["last_activity"] == body["last_activity"]


# ---- a real process -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_hub_listens_where_the_hub_says_answers_the_readiness_probe_and_stops_on_sigterm(tmp_path):
    port = free_port()
    env = dict(os.environ, **hub_env(tmp_path, JUPYTERHUB_SERVICE_URL=f"http://127.0.0.1:{port}/user/alice/"))
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "serve", "--hub"], cwd=CHECKOUT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                    conn.sendall(f"GET {PREFIX} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
                    answer = conn.recv(200).decode("latin-1")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the sandbox never listened"
                time.sleep(0.1)
        # The Hub waits for any HTTP answer at the prefix; ours sends a script to the login.
        assert answer.startswith("HTTP/1.1 403") or answer.startswith("HTTP/1.1 302"), answer
        assert (tmp_path / "home" / "alice" / "sandbox" / "sandbox.db").exists()
        proc.send_signal(signal.SIGTERM)
        # The Hub's culler and spawner send SIGTERM and then, after a grace time, SIGKILL.
        proc.wait(timeout=2)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()

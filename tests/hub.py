"""A real JupyterHub for tests and ``python -m bench classroom``, started with the deploy config.

``Hub(folder).start()`` runs ``jupyterhub -f deploy/jupyterhub/jupyterhub_config.py`` (the file
docs/classroom.md tells schools to copy; never a second copy of it here) on free loopback ports,
with its state and every user's home under ``folder``, the dummy authenticator (any password) and
an admin API token. ``HubUser`` is a person's browser over plain HTTP: it logs in through the
Hub's login form and then follows the OAuth redirects to their sandbox like a browser would.
Nothing here measures time for a verdict: the bench times things, tests check behaviour.
"""

from __future__ import annotations

import http.cookiejar
import importlib.util
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from tests.support import descendants, is_running

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
PROXY = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
XSRF_FIELD = re.compile(r'name="_xsrf"\s+value="([^"]+)"')


def missing() -> str | None:
    """Why a real Hub cannot run here (a sentence), or None when it can."""
    if importlib.util.find_spec("jupyterhub") is None:
        return "JupyterHub is not installed: pip install -e '.[test]' (or '.[hub]')"
    if not PROXY.exists():
        return f"configurable-http-proxy is not installed at {PROXY}: run `npm install` (python3 tasks.py setup does)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HubError(RuntimeError):
    """The Hub did not start or did not do what was asked; the message ends with its log's tail."""


class Hub:
    """One JupyterHub with the deploy config, its state and users' homes in ``folder``.

    ``groups`` maps a Hub group to its members (``{"instructors": ["teacher"]}``); ``env`` adds
    variables for the Hub (and so for its services). Use as a context manager, or call
    ``start()`` and ``stop()``.
    """

    def __init__(self, folder: Path, *, groups: dict[str, list[str]] | None = None, env: dict | None = None,
                 cull_minutes: int = 0):
        self.folder = Path(folder)
        self.state = self.folder / "state"
        self.homes = self.folder / "homes"
        self.log_path = self.folder / "jupyterhub.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(16)
        self.groups = groups or {}
        self.cull_minutes = cull_minutes
        self.extra_env = env or {}
        self.marker = uuid.uuid4().hex  # in every process's environment, to find leftovers after a crash
        self.proc: subprocess.Popen | None = None

    # -- starting and stopping -----------------------------------------------------------------

    def environment(self) -> dict:
        ports = {name: free_port() for name in ("SANDBOX_HUB_API_PORT", "SANDBOX_HUB_PROXY_API_PORT",
                                                 "SANDBOX_CLASSROOM_PORT")}
        env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTERHUB_", "SANDBOX_HUB_"))}
        env.update({key: str(value) for key, value in ports.items()})
        env.update({
            "SANDBOX_HUB_IP": "127.0.0.1", "SANDBOX_HUB_PORT": str(self.port),
            "SANDBOX_HUB_STATE_DIR": str(self.state), "SANDBOX_HUB_HOMES": str(self.homes),
            "SANDBOX_HUB_DUMMY_AUTH": "1", "SANDBOX_HUB_ADMIN_TOKEN": self.token,
            "SANDBOX_HUB_CULL_MINUTES": str(self.cull_minutes),
            "SANDBOX_HUB_GROUPS": ";".join(f"{g}={','.join(users)}" for g, users in self.groups.items()),
            "SANDBOX_PYTHON": sys.executable, "SANDBOX_HUB_TEST_MARKER": self.marker,
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.extra_env)
        self.classroom_port = int(env["SANDBOX_CLASSROOM_PORT"])
        return env

    def start(self, timeout: float = 90.0) -> Hub:
        """Start the Hub and wait until its API and the classroom service answer; HubError if not."""
        self.state.mkdir(parents=True, exist_ok=True)
        self.homes.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], cwd=self.state,
                                         env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HubError(f"JupyterHub exited with status {self.proc.returncode}" + self.tail())
            if self._answers("/hub/api/") and self._answers("/services/classroom/", any_status=True):
                return self
            time.sleep(0.2)
        self.stop()
        raise HubError(f"JupyterHub did not answer within {timeout:g} s" + self.tail())

    def _answers(self, path: str, any_status: bool = False) -> bool:
        try:
            with _PLAIN.open(urllib.request.Request(self.url + path), timeout=5) as r:
                return r.status == 200 or any_status
        except urllib.error.HTTPError as exc:
            exc.close()
            # the proxy answers 503 (service down) or 404 (no route yet) for itself; anything else is the service
            return any_status and exc.code not in (404, 502, 503)
        except OSError:
            return False

    def processes(self) -> list[int]:
        """Every process of this Hub: its descendants (the proxy, services, users' servers) and whatever carries
        its marker (which servers do not: the spawner passes them only the variables it keeps)."""
        found = set(descendants(self.proc.pid)) if self.proc else set()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/environ", "rb") as fh:
                        if f"SANDBOX_HUB_TEST_MARKER={self.marker}".encode() in fh.read():
                            found.add(int(entry))
                except OSError:
                    continue
        return sorted(found)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the Hub (it stops its servers, services and proxy), then kill whatever is left."""
        if self.proc is None:
            return
        # spawned servers run in their own sessions: find them now, while the Hub still holds them
        leftovers = self.processes()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        for pid in leftovers + self.processes():
            if pid != self.proc.pid and is_running(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def __enter__(self) -> Hub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 80) -> str:
        return "\n--- the Hub's log (last lines) ---\n" + "\n".join(self.log().splitlines()[-lines:])

    def failure_log(self) -> tuple[str, str]:
        """A report section for a failed test (tests/conftest.py adds it): the last 200 lines of the Hub's
        log, then the last 40 of each user's sandbox log."""
        parts = ["\n".join(self.log().splitlines()[-200:])]
        for log in sorted(self.homes.glob("*/.local/share/python-web-sandbox/logs/sandbox.log")):
            lines = log.read_text(errors="replace").splitlines()[-40:]
            parts.append(f"--- {log.relative_to(self.homes)} (last 40 lines) ---\n" + "\n".join(lines))
        return "JupyterHub and sandbox logs", "\n".join(parts)

    # -- the admin REST API ------------------------------------------------------------------------

    def api(self, method: str, path: str, body: dict | None = None, timeout: float = 30) -> tuple[int, object]:
        """Call ``/hub/api/<path>`` with the admin token: (status, parsed JSON or None)."""
        data = json.dumps(body).encode() if body is not None else (b"" if method in ("POST", "PATCH") else None)
        req = urllib.request.Request(f"{self.url}/hub/api/{path.lstrip('/')}", data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read()
                return r.status, json.loads(text) if text else None
        except urllib.error.HTTPError as exc:
            with exc:
                text = exc.read()
            try:
                return exc.code, json.loads(text) if text else None
            except ValueError:
                return exc.code, text.decode("utf-8", "replace")

    def create_users(self, *names: str) -> None:
        status, body = self.api("POST", "users", {"usernames": list(names)})
        if status not in (201, 409):
            raise HubError(f"creating users {names} answered {status}: {body}")

    def user(self, name: str) -> dict:
        status, body = self.api("GET", f"users/{name}")
        if status != 200:
            raise HubError(f"reading user {name} answered {status}: {body}")
        return body

    def spawn(self, name: str, timeout: float = 120.0) -> float:
        """Start ``name``'s server through the API and wait until the Hub calls it ready: seconds taken."""
        started = time.perf_counter()
        status, body = self.api("POST", f"users/{name}/server")
        if status not in (201, 202, 400):  # 400: already running
            raise HubError(f"starting {name}'s server answered {status}: {body}" + self.tail())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.user(name).get("servers", {}).get("")
            if server and server.get("ready"):
                return time.perf_counter() - started
            if not server or not server.get("pending"):
                if status in (201, 202) and time.perf_counter() - started > 2:
                    raise HubError(f"{name}'s server stopped while starting" + self.tail())
            time.sleep(0.25)
        raise HubError(f"{name}'s server was not ready within {timeout:g} s" + self.tail())

    def stop_server(self, name: str, timeout: float = 30.0) -> None:
        self.api("DELETE", f"users/{name}/server")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.user(name).get("servers"):
                return
            time.sleep(0.25)
        raise HubError(f"{name}'s server did not stop within {timeout:g} s" + self.tail())

    def server_pid(self, name: str) -> int:
        """The process id of ``name``'s running sandbox, found by its command and JUPYTERHUB_USER."""
        for pid in self.processes():
            try:
                with open(f"/proc/{pid}/environ", "rb") as fh:
                    variables = fh.read().split(b"\0")
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    command = fh.read().split(b"\0")
            except OSError:
                continue
            if f"JUPYTERHUB_USER={name}".encode() in variables and b"serve" in command and b"--hub" in command:
                return pid
        raise HubError(f"no running sandbox found for {name}")


class HubUser:
    """A person's browser over plain HTTP: cookies, redirects followed, status codes returned, never raised."""

    def __init__(self, hub: Hub, name: str, password: str = "any password"):
        self.hub = hub
        self.name = name
        self.password = password
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf: str | None = None

    @property
    def base(self) -> str:
        """The address of this user's own sandbox."""
        return f"{self.hub.url}/user/{self.name}"

    def request(self, method: str, url: str, data: bytes | None = None, headers: dict | None = None,
                timeout: float = 60) -> tuple[int, str, str]:
        """(status, body, final URL) of one request, ``url`` absolute or under the Hub's address."""
        if url.startswith("/"):
            url = self.hub.url + url
        req = urllib.request.Request(url, data=data, method=method, headers={"Accept": "text/html", **(headers or {})})
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return r.status, r.read().decode("utf-8", "replace"), r.url
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode("utf-8", "replace"), exc.url

    def login(self) -> HubUser:
        """Log in through the Hub's login form (the dummy authenticator takes any password)."""
        status, page, _ = self.request("GET", "/hub/login")
        found = XSRF_FIELD.search(page)
        if status != 200 or not found:
            raise HubError(f"the Hub's login page answered {status} without a form" + self.hub.tail())
        form = urllib.parse.urlencode({"username": self.name, "password": self.password, "_xsrf": found.group(1)})
        # the next page is the Hub's home, not the user's server: logging in does not start it here
        status, _, _ = self.request("POST", "/hub/login?next=" + urllib.parse.quote("/hub/home"), form.encode(),
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            raise HubError(f"logging in as {self.name} answered {status}" + self.hub.tail())
        return self

    def open_sandbox(self) -> HubUser:
        """Open the user's own sandbox (the OAuth redirects included) and keep its CSRF token."""
        status, page, url = self.get("/")
        found = CSRF_META.search(page)
        if status != 200 or not found:
            raise HubError(f"{self.name}'s sandbox answered {status} at {url} without a CSRF token" + self.hub.tail())
        self.csrf = found.group(1)
        return self

    def get(self, path: str, **kw) -> tuple[int, str, str]:
        """GET ``path`` of the user's sandbox: (status, body, final URL)."""
        return self.request("GET", self.base + path, **kw)

    def post(self, path: str, fields: dict | None = None, *, body: bytes | None = None, content_type: str | None = None,
             headers: dict | None = None, timeout: float = 60) -> tuple[int, str, str]:
        """POST to the user's sandbox as its page's own script does (CSRF token, the Hub's Origin)."""
        data = body if body is not None else urllib.parse.urlencode(fields or {}).encode()
        heads = {"X-CSRF-Token": self.csrf or "", "Origin": self.hub.url,
                 "Content-Type": content_type or "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", self.base + path, data, heads, timeout=timeout)

    def upload_pack(self, zip_path: Path) -> tuple[int, str, str]:
        """Install a pack zip through the Packs page's upload form."""
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"pack\"; filename=\"{zip_path.name}\"\r\n"
                f"Content-Type: application/zip\r\n\r\n").encode() + zip_path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        return self.post("/packs/install", body=body, content_type=f"multipart/form-data; boundary={boundary}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_PLAIN = urllib.request.build_opener(_NoRedirects())


def get_without_redirects(url: str, headers: dict | None = None) -> tuple[int, dict]:
    """(status, headers) of one GET with no cookies, redirects not followed."""
    try:
        with _PLAIN.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers)

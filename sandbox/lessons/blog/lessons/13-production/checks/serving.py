"""The learner's Waitress script, run the way ``python serve.py`` runs it, with Waitress's server stood
in for: each start is read by Waitress's own settings code. A helper of the production lesson's
checks, not a test file.
"""

from __future__ import annotations

import ast
import ipaddress
import logging
import runpy
import socket
from dataclasses import dataclass
from pathlib import Path

import bottle
import pytest
import waitress
import waitress.server
from waitress.adjustments import Adjustments
from waitress.proxy_headers import proxy_headers_middleware

from sandbox.checker.plugin import explain_import_error

SKIPPED_DIRS = {"venv", ".venv", "env", "__pycache__", "node_modules", ".git", ".pytest_cache"}


def workspace_files(workspace: Path, pattern: str = "*") -> list[Path]:
    return sorted(p for p in workspace.rglob(pattern)
                  if p.is_file() and not SKIPPED_DIRS & set(p.relative_to(workspace).parts[:-1]))


def shown(workspace: Path, path: Path) -> str:
    return path.relative_to(workspace).as_posix()


@dataclass
class Start:
    """One server start the learner's code asked for."""

    app: object
    kwargs: dict
    adj: Adjustments | None = None
    problem: str = ""  # why Waitress would not start like this, in the learner's words
    dev_server: str = ""  # the server bottle.run was asked for, when it is not Waitress
    reloader: bool = False

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """(ip, port) of every socket Waitress would listen on."""
        if self.adj is None:
            return []
        found = []
        for _family, _type, _proto, sockaddr in self.adj.listen:
            if isinstance(sockaddr, tuple):
                found.append((str(sockaddr[0]).split("%", 1)[0], int(sockaddr[1])))
        return found

    def described(self) -> str:
        return ", ".join(f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in self.addresses) or "no address"

    def as_waitress_runs_it(self):
        """The app wrapped the way Waitress wraps it, and the environ Waitress adds: (app, environ)."""
        app, adj = self.app, self.adj
        if adj.trusted_proxy or adj.clear_untrusted_proxy_headers:
            app = proxy_headers_middleware(
                app, trusted_proxy=adj.trusted_proxy, trusted_proxy_count=adj.trusted_proxy_count,
                trusted_proxy_headers=adj.trusted_proxy_headers, clear_untrusted=adj.clear_untrusted_proxy_headers,
                log_untrusted=adj.log_untrusted_proxy_headers, logger=logging.getLogger("waitress"))
        return app, {"wsgi.url_scheme": adj.url_scheme}


class _StoppedServer:
    """What the stand-in hands back: a server whose run() returns at once."""

    def run(self):
        return None

    def print_listen(self, *args, **kwargs):
        return None

    def close(self):
        return None


class WaitressStandIn:
    """Stands in for Waitress's server (every way in: ``serve``, ``create_server``, Bottle's adapter)
    and for ``bottle.run``, recording each start with Waitress's own reading of its settings."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.starts: list[Start] = []
        monkeypatch.setattr(waitress, "create_server", self.create_server)
        monkeypatch.setattr(waitress.server, "create_server", self.create_server)

    def replace_bottle_run(self):
        """Call after the learner's app is loaded: the checker puts its own run() in place then."""
        self.monkeypatch.setattr(bottle, "run", self.bottle_run)

    def create_server(self, application, map=None, _start=True, _sock=None, _dispatcher=None, **kw):
        start = Start(application, dict(kw))
        try:
            start.adj = Adjustments(**kw)
        except (ValueError, TypeError) as exc:
            start.problem = f"Waitress refused its settings: {str(exc).rstrip('.')}"
        self.starts.append(start)
        return _StoppedServer()

    def bottle_run(self, app=None, server="wsgiref", host="127.0.0.1", port=8080, interval=1, reloader=False,
                   quiet=False, plugins=None, debug=None, config=None, **kargs):
        if debug is not None:
            bottle.debug(debug)
        app = app or bottle.default_app()
        if isinstance(server, bottle.ServerAdapter):
            host, port, kargs, server = server.host, server.port, dict(server.options), type(server)
        name = (server if isinstance(server, str) else getattr(server, "__name__", str(server))).lower()
        if "waitress" in name or name == "auto":  # "auto" picks Waitress first, and it is installed
            self.create_server(app, host=host, port=port, **kargs)
        else:
            self.starts.append(Start(app, {"host": host, "port": port, **kargs}, dev_server=name))
        self.starts[-1].reloader = bool(reloader)


def _mentions_waitress(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "waitress" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "waitress":
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() == "waitress":
            return True
        if isinstance(node, (ast.Name, ast.Attribute)) and getattr(node, "id", getattr(node, "attr", "")) == "WaitressServer":
            return True
    return False


def waitress_scripts(workspace: Path, app_file: str = "app.py") -> list[Path]:
    """The workspace's Python files that start Waitress, serve.py first and the app file last."""
    found = []
    for path in sorted(workspace.glob("*.py")):
        if path.name.startswith("test_") or path.name.endswith("_test.py") or path.name == "conftest.py":
            continue
        data = path.read_bytes()
        if b"waitress" not in data.lower():
            continue
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError):
            found.append(path)  # running it shows the learner where Python stopped
            continue
        if _mentions_waitress(tree):
            found.append(path)
    return sorted(found, key=lambda p: (p.name != "serve.py", p.name == app_file, p.name))


def run_script(path: Path, run_name: str, workspace: Path):
    """Run a learner script as ``python script.py`` would (run_name '__main__') or import it."""
    try:
        return runpy.run_path(str(path), run_name=run_name)
    except SystemExit as exc:
        if exc.code in (None, 0):
            return {}
        message, _file, _line = explain_import_error(exc, workspace, path.name)
        pytest.fail(message, pytrace=False)
    except Exception as exc:  # noqa: BLE001 - the learner's error, told as a sentence
        message, _file, _line = explain_import_error(exc, workspace, path.name)
        pytest.fail(message, pytrace=False)


def the_waitress_script(workspace: Path, app_file: str = "app.py") -> Path:
    # A serve.py that never names Waitress is still the one to run: it then says what it starts instead.
    scripts = waitress_scripts(workspace, app_file) or [workspace / n for n in ("serve.py", "wsgi.py")
                                                        if (workspace / n).is_file()]
    if not scripts:
        pytest.fail("There is no script that starts Waitress in your workspace yet: make serve.py next to "
                    "app.py, with from waitress import serve.", pytrace=False)
    return scripts[0]


def main_start(stand_in: WaitressStandIn, script: Path, workspace: Path) -> Start:
    """The one Waitress start ``python script.py`` makes, or a failure that says what went wrong."""
    before = len(stand_in.starts)
    run_script(script, "__main__", workspace)
    starts = stand_in.starts[before:]
    if not starts:
        pytest.fail(f"Running python {script.name} did not start Waitress. Under if __name__ == \"__main__\": "
                    "call serve(app, host=..., port=...), with from waitress import serve.", pytrace=False)
    start = starts[0]
    if start.dev_server in ("wsgiref", "wsgirefserver"):
        pytest.fail(f"python {script.name} starts Bottle's development server (wsgiref), which answers "
                    "one request at a time and isn't built for the internet. Serve the app with Waitress: "
                    "serve(app, host=..., port=...) from waitress.", pytrace=False)
    if start.dev_server:
        pytest.fail(f"python {script.name} asks Bottle for the {start.dev_server} server instead of Waitress: serve the "
                    "app with Waitress, serve(app, host=..., port=...) from waitress.", pytrace=False)
    if start.problem:
        pytest.fail(f"{script.name}: {start.problem}. Give serve() either host= and port=, or listen=\"host:port\".",
                    pytrace=False)
    return start


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def addresses_of(host: str) -> set[str]:
    """The IP addresses a host name stands for (itself, for an IP address)."""
    host = host.strip("[]")
    try:
        return {str(ipaddress.ip_address(host))}
    except ValueError:
        pass
    try:
        return {str(ipaddress.ip_address(info[4][0].split("%", 1)[0])) for info in socket.getaddrinfo(host, None)}
    except (OSError, ValueError):
        return set()


def waitress_addresses(request, monkeypatch, workspace: Path, environment: dict | None = None, script: Path | None = None):
    """(script, start) for ``python serve.py`` (or ``script``) run with ``environment`` (PORT and HOST
    unset otherwise)."""
    stand_in = WaitressStandIn(monkeypatch)
    for name in ("PORT", "HOST"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (environment or {}).items():
        monkeypatch.setenv(name, value)
    request.getfixturevalue("app")
    stand_in.replace_bottle_run()
    script = script or the_waitress_script(workspace, request.config.getoption("sandbox_app_module") or "app.py")
    try:
        return script, main_start(stand_in, script, workspace)
    except pytest.fail.Exception as exc:
        if "PORT" in (environment or {}) or "'PORT'" not in str(exc):
            raise
        pytest.fail(f"python {script.name} stops when PORT is not set ({str(exc).split(': ', 1)[-1]}): give it a "
                    "default, like port=int(os.environ.get(\"PORT\", 8080)), or set PORT where it runs (Environment=PORT=8080 "
                    "in the systemd unit), so nginx knows where Waitress listens.",
                    pytrace=False)


def environment_names_read(workspace: Path) -> set[str]:
    """Names the learner's Python files read from the environment: os.environ[...], .get(...), getenv(...)."""
    names = set()
    for path in workspace.glob("*.py"):
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            key = None
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = node.func
                called = getattr(func, "attr", getattr(func, "id", ""))
                owner = getattr(getattr(func, "value", None), "attr", getattr(getattr(func, "value", None), "id", ""))
                if called == "getenv" or (called == "get" and owner == "environ"):
                    key = node.args[0].value
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                owner = getattr(node.value, "attr", getattr(node.value, "id", ""))
                if owner == "environ":
                    key = node.slice.value
            if isinstance(key, str):
                names.add(key)
    return names

"""What the production lesson's checks share: the learner's Waitress script, run with Waitress's
server stood in for; their nginx configuration, read with nginx's own parser (crossplane); and
their systemd unit, read the way systemd reads one. Not a test file: the checks import it.
"""

from __future__ import annotations

import ast
import configparser
import ipaddress
import logging
import posixpath
import re
import runpy
import shlex
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import bottle
import crossplane
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


# --- Waitress -------------------------------------------------------------------------------------

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


# --- nginx ----------------------------------------------------------------------------------------

# Debian's and Ubuntu's /etc/nginx/proxy_params, which `include proxy_params;` brings in.
PROXY_PARAMS = [
    ("Host", "$http_host"),
    ("X-Real-IP", "$remote_addr"),
    ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
    ("X-Forwarded-Proto", "$scheme"),
]
# Words after a listen address that are flags, though nginx also has directives of these names.
LISTEN_WORDS = {"ssl", "http2", "http3", "quic", "proxy_protocol", "default", "default_server", "reuseport"}
CONFIG_FOLDERS = {"nginx", "sites-available", "sites-enabled", "conf.d"}


class NginxError(Exception):
    """The configuration can't be read as nginx would read it; the message says where and why."""


def nginx_candidates(workspace: Path) -> list[Path]:
    found = []
    for path in workspace_files(workspace):
        rel = path.relative_to(workspace)
        if path.suffix in {".py", ".service", ".md", ".txt", ".sql", ".tpl", ".css", ".js", ".svg", ".db", ".env"}:
            continue
        if path.suffix == ".conf" or "nginx" in path.name.lower() or CONFIG_FOLDERS & set(rel.parts[:-1]):
            found.append(path)
    return sorted(found, key=lambda p: ("nginx" not in p.name.lower(), len(p.parts), p.name))


def _parse_file(path: Path, workspace: Path) -> list[dict]:
    payload = crossplane.parse(str(path), single=True, check_ctx=False, comments=False, catch_errors=True)
    for error in payload.get("errors", []):
        line = error.get("line")
        where = f"{shown(workspace, path)} line {line}" if line else shown(workspace, path)
        raise NginxError(f"{where}: nginx can't read this ({_plain(error.get('error', ''))}). Every directive "
                         "ends with a ; and every { needs its }.")
    parsed = payload["config"][0]["parsed"] if payload.get("config") else []
    _find_missing_semicolons(parsed, path, workspace)
    return parsed


def _plain(error: str) -> str:
    return re.sub(r" in \S+:\d+$", "", error)


def _find_missing_semicolons(block: list[dict], path: Path, workspace: Path) -> None:
    for directive in block:
        for word in directive.get("args", []):
            if word in crossplane.analyzer.DIRECTIVES and word not in LISTEN_WORDS:
                raise NginxError(f"{shown(workspace, path)} line {directive['line']}: nginx reads "
                                 f"\u201c{directive['directive']} {' '.join(directive['args'])}\u201d as one "
                                 f"directive. A ; is missing before {word}, at the end of the line.")
        _find_missing_semicolons(directive.get("block", []), path, workspace)


def _expand_includes(block: list[dict], path: Path, workspace: Path, depth: int = 0) -> list[dict]:
    """Splice in what ``include`` brings: a file of the workspace by that name, or Debian's proxy_params."""
    out = []
    for directive in block:
        if directive["directive"] == "include" and directive.get("args") and depth < 5:
            name = directive["args"][0]
            local = _workspace_file(name, path, workspace)
            if local is not None:
                out += _expand_includes(_parse_file(local, workspace), local, workspace, depth + 1)
                continue
            if posixpath.basename(name) == "proxy_params":
                out += [{"directive": "proxy_set_header", "line": directive["line"], "args": [k, v]}
                        for k, v in PROXY_PARAMS]
                continue
        if "block" in directive:
            directive = {**directive, "block": _expand_includes(directive["block"], path, workspace, depth)}
        out.append(directive)
    return out


def _workspace_file(name: str, config: Path, workspace: Path) -> Path | None:
    if any(ch in name for ch in "*?$"):
        return None
    for candidate in (config.parent / name, workspace / name.lstrip("/")):
        try:
            if candidate.resolve().is_relative_to(workspace.resolve()) and candidate.is_file():
                return candidate
        except OSError:
            continue
    matches = [p for p in workspace_files(workspace) if p.name == posixpath.basename(name)]
    return matches[0] if len(matches) == 1 and matches[0] != config else None


def children(block: list[dict], name: str) -> list[dict]:
    return [d for d in block if d["directive"] == name]


def first_arg(block: list[dict], name: str) -> str | None:
    found = children(block, name)
    return found[-1]["args"][0] if found and found[-1].get("args") else None


@dataclass
class Server:
    block: list[dict]
    http: list[dict]  # the enclosing http block's directives (for inherited settings), or []
    line: int

    def listens(self) -> list[tuple[int | None, bool]]:
        """(port, ssl) of each listen directive; nginx listens on 80 when there is none."""
        found = []
        ssl_on = first_arg(self.block, "ssl") == "on"
        for directive in children(self.block, "listen") or [{"args": ["80"]}]:
            address, flags = directive["args"][0], directive["args"][1:]
            found.append((_listen_port(address), "ssl" in flags or ssl_on))
        return found

    def has_certificates(self) -> bool:
        return all(children(self.block, name) or children(self.http, name)
                   for name in ("ssl_certificate", "ssl_certificate_key"))

    @property
    def serves_http(self) -> bool:
        return any(port == 80 and not ssl for port, ssl in self.listens())

    @property
    def serves_https(self) -> bool:
        return any(port == 443 and ssl for port, ssl in self.listens()) and self.has_certificates()

    @property
    def names(self) -> list[str]:
        return [name for d in children(self.block, "server_name") for name in d["args"] if name.strip('"')]

    def location_for(self, uri: str) -> dict | None:
        """The location block nginx picks for ``uri``: exact, then longest prefix (^~ stops there),
        then the first matching regular expression, then the longest prefix."""
        exact, prefixes, regexes = None, [], []
        for location in children(self.block, "location"):
            args = location.get("args", [])
            if len(args) == 2 and args[0] == "=":
                if args[1] == uri:
                    exact = location
            elif len(args) == 2 and args[0] in ("~", "~*"):
                regexes.append((args[0], args[1], location))
            elif len(args) == 2 and args[0] == "^~":
                prefixes.append((args[1], True, location))
            elif len(args) == 1 and not args[0].startswith("@"):
                prefixes.append((args[0], False, location))
        if exact is not None:
            return exact
        matching = sorted((p for p in prefixes if uri.startswith(p[0])), key=lambda p: len(p[0]), reverse=True)
        if matching and matching[0][1]:
            return matching[0][2]
        for kind, pattern, location in regexes:
            try:
                if re.search(pattern, uri, re.IGNORECASE if kind == "~*" else 0):
                    return location
            except re.error:
                continue
        return matching[0][2] if matching else None

    def named(self, name: str) -> dict | None:
        found = [loc for loc in children(self.block, "location") if loc.get("args") == [name]]
        return found[0] if found else None

    def handler(self, uri: str) -> dict | None:
        """The location that in the end answers ``uri``: a try_files ending in @name hands over to it."""
        location = self.location_for(uri)
        if location is None:
            return None
        tries = children(location["block"], "try_files")
        fallback = tries[-1]["args"][-1] if tries and tries[-1].get("args") else ""
        if not children(location["block"], "proxy_pass") and fallback.startswith("@"):
            return self.named(fallback) or location
        return location

    def root_for(self, location: dict) -> str | None:
        return first_arg(location["block"], "root") or first_arg(self.block, "root") or first_arg(self.http, "root")

    def proxy_headers(self, location: dict) -> dict[str, str]:
        """The headers nginx sets when it proxies from ``location``: proxy_set_header is inherited from
        the server, then the http block, only when the location sets none of its own."""
        for level in (location["block"], self.block, self.http):
            found = children(level, "proxy_set_header")
            if found:
                return {d["args"][0].lower(): " ".join(d["args"][1:]) for d in found if d.get("args")}
        return {}


def _listen_port(address: str) -> int | None:
    if address.startswith("unix:"):
        return None
    if address.isdigit():
        return int(address)
    if address.startswith("["):
        match = re.match(r"\[[^\]]*\](?::(\d+))?$", address)
        return int(match.group(1)) if match and match.group(1) else 80
    if ":" in address:
        port = address.rsplit(":", 1)[1]
        return int(port) if port.isdigit() else None
    return 80


@dataclass
class NginxConfig:
    path: Path
    parsed: list[dict]
    servers: list[Server] = field(default_factory=list)

    def upstream(self, name: str) -> list[str] | None:
        for level in [self.parsed] + [h.get("block", []) for h in children(self.parsed, "http")]:
            for block in children(level, "upstream"):
                if block.get("args") == [name]:
                    return [d["args"][0] for d in children(block.get("block", []), "server") if d.get("args")]
        return None

    def proxy_target(self, url: str) -> tuple[str, list[tuple[str, int]], str | None]:
        """(scheme, [(host, port)], path or None) that ``proxy_pass url`` sends requests to."""
        # $request_uri (or $uri) after the address passes the visitor's path on unchanged, like no path at all.
        url = re.sub(r"(\$request_uri|\$uri(\$is_args\$args)?)$", "", url)
        parts = urlsplit(url)
        if "$" in parts.netloc:  # an address made of variables: nothing to compare
            return parts.scheme, [(parts.netloc, 0)], parts.path or None
        default = 443 if parts.scheme == "https" else 80
        members = self.upstream(parts.hostname or "") if parts.port is None else None
        if members is not None:
            targets = []
            for member in members:
                host, _, port = member.rpartition(":") if not member.endswith("]") else (member, "", "")
                targets.append((host or member, int(port) if port.isdigit() else 80))
        else:
            try:
                port = parts.port or default
            except ValueError:
                port = default
            targets = [(parts.hostname or "", port)]
        return parts.scheme, targets, parts.path or None


def read_nginx(workspace: Path) -> NginxConfig:
    """The learner's nginx configuration with its server blocks; a failure if there is none or it
    does not parse."""
    candidates = nginx_candidates(workspace)
    if not candidates:
        pytest.fail("There is no nginx configuration in your workspace yet: press New folder to make deploy, "
                    "then make deploy/nginx.conf with a server { ... } block in it.", pytrace=False)
    chosen = None
    for path in candidates:
        try:
            parsed = _expand_includes(_parse_file(path, workspace), path, workspace)
        except NginxError as exc:
            pytest.fail(str(exc), pytrace=False)
        servers = [Server(d.get("block", []), [], d["line"]) for d in children(parsed, "server")]
        for http in children(parsed, "http"):
            servers += [Server(d.get("block", []), http.get("block", []), d["line"])
                        for d in children(http.get("block", []), "server")]
        if servers:
            chosen = NginxConfig(path, parsed, servers)
            break
    if chosen is None:
        pytest.fail(f"{shown(workspace, candidates[0])} has no server {{ ... }} block: that block is where nginx "
                    "learns which port to listen on and where to pass the requests.", pytrace=False)
    return chosen


def static_path(server: Server, location: dict, uri: str) -> str | None:
    """The file nginx sends for ``uri`` from ``location`` (alias or root), or None if it names none."""
    alias = first_arg(location["block"], "alias")
    if alias is not None:
        args = location.get("args", [])
        prefix = args[-1] if args and args[0] not in ("~", "~*") else ""
        return alias + uri[len(prefix):]
    root = server.root_for(location)
    return None if root is None else root.rstrip("/") + uri


# --- systemd --------------------------------------------------------------------------------------

class _Repeated(dict):
    """configparser's section dict, keeping every value of a key systemd lets you repeat."""

    def __setitem__(self, key, value):
        if isinstance(value, list) and isinstance(self.get(key), list):
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


class UnitError(Exception):
    pass


@dataclass
class Unit:
    path: Path
    sections: dict[str, dict[str, list[str]]]

    def values(self, section: str, key: str) -> list[str]:
        """Every value given to ``key``, in order; an empty assignment (``Key=``) resets the list."""
        found: list[str] = []
        for value in self.sections.get(section, {}).get(key, []):
            if value == "":
                found = []
            else:
                found.append(value)
        return found

    def value(self, section: str, key: str) -> str | None:
        found = self.values(section, key)
        return found[-1] if found else None

    def near_miss(self, section: str, key: str) -> str | None:
        """A key written with other capitals (systemd's names are case-sensitive)."""
        for name in self.sections.get(section, {}):
            if name.lower() == key.lower() and name != key:
                return name
        return None


def unit_files(workspace: Path) -> list[Path]:
    return workspace_files(workspace, "*.service")


def read_unit(path: Path, workspace: Path) -> Unit:
    text = path.read_text(encoding="utf-8", errors="replace")
    # systemd joins a line that ends in a backslash with the next, and ignores spaces in front of lines.
    text = re.sub(r"\\\r?\n", " ", text)
    text = "\n".join(line.strip() for line in text.splitlines())
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",),
                                       comment_prefixes=("#", ";"), inline_comment_prefixes=None,
                                       empty_lines_in_values=False, default_section="\x00",
                                       dict_type=_Repeated)
    parser.optionxform = str  # systemd's names are case-sensitive
    try:
        parser.read_string(text, source=shown(workspace, path))
    except configparser.MissingSectionHeaderError as exc:
        raise UnitError(f"{shown(workspace, path)} line {exc.lineno}: a unit file starts with a section name in "
                        "brackets, like [Unit], before its first setting.") from None
    except configparser.ParsingError as exc:
        line = exc.errors[0][0] if exc.errors else None
        raise UnitError(f"{shown(workspace, path)} line {line}: systemd reads settings as Name=value, and this "
                        "line has no =.") from None
    sections = {name: {key: value.split("\n") for key, value in parser.items(name, raw=True)}
                for name in parser.sections()}
    return Unit(path, sections)


def the_unit(workspace: Path) -> Unit:
    units = unit_files(workspace)
    if not units:
        pytest.fail("There is no systemd unit in your workspace yet: make deploy/blog.service with the sections "
                    "[Unit], [Service] and [Install].", pytrace=False)
    try:
        return read_unit(units[0], workspace)
    except UnitError as exc:
        pytest.fail(str(exc), pytrace=False)


def environment_file_values(path: Path) -> dict[str, str]:
    """KEY=value lines of an EnvironmentFile, as systemd reads them."""
    found = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[key.strip()] = value
    return found


def unit_environment(unit: Unit, workspace: Path) -> tuple[dict[str, str], list[str], list[str]]:
    """(variables the service gets that the check can read, EnvironmentFile paths, those not in the workspace)."""
    env: dict[str, str] = {}
    for value in unit.values("Service", "Environment"):
        try:
            words = shlex.split(value)
        except ValueError:
            words = value.split()
        for word in words:
            if "=" in word:
                key, val = word.split("=", 1)
                env[key] = val
    files = [v.lstrip("-") for value in unit.values("Service", "EnvironmentFile") for v in value.split()]
    unseen = []
    for name in files:  # systemd reads these after Environment=, so they win
        matches = [p for p in workspace_files(workspace) if p.name == posixpath.basename(name)]
        if matches:
            env.update(environment_file_values(matches[0]))
        else:
            unseen.append(name)
    return env, files, unseen


SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE|CREDENTIAL|(^|_)KEY$", re.IGNORECASE)


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

"""The learner's nginx configuration, read with nginx's own parser (crossplane), and what nginx does
with a request: which server block and location answer it, where it is passed or which file is sent.
A helper of the production lesson's checks, not a test file.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import crossplane
import pytest
from serving import shown, workspace_files

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

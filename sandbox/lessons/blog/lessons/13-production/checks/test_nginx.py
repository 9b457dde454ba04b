"""The learner's nginx configuration, read with nginx's own parser (crossplane): a server on port 80
(or 443 with certificates) with a name, / passed to the address Waitress listens on with the headers
the app needs, and /static/ sent by nginx from the app's static folder (or passed on too)."""

import posixpath

import pytest
from nginx_config import read_nginx, static_path
from serving import addresses_of, shown, waitress_addresses
from systemd_unit import the_unit, unit_environment, unit_files

STATIC_FILE = "/static/style.css"


@pytest.fixture
def config(workspace):
    return read_nginx(workspace)


@pytest.fixture
def public(config, workspace):
    """The server blocks visitors reach: port 80, or 443 with ssl and certificates."""
    servers = [s for s in config.servers if s.serves_http or s.serves_https]
    if not servers:
        ports = sorted({port for s in config.servers for port, _ssl in s.listens() if port})
        https_without_certificates = any(port == 443 and ssl for s in config.servers for port, ssl in s.listens())
        if https_without_certificates:
            pytest.fail("Your server block listens on 443 with ssl but names no certificate: add ssl_certificate and "
                        "ssl_certificate_key (or listen 80 for plain http).", pytrace=False)
        pytest.fail(f"Your server block listens on port {', '.join(map(str, ports)) or 'none'}, but visitors' "
                    "browsers arrive on port 80 (http) or 443 (https): write listen 80;.", pytrace=False)
    return servers


@pytest.fixture
def waitress_at(request, monkeypatch, workspace):
    """A function giving (script, start) of python serve.py as it runs on the server: PORT and HOST
    from the systemd unit when there is one, else the script's own defaults, else ``port``."""
    environment = {}
    if unit_files(workspace):
        env, _files, _unseen = unit_environment(the_unit(workspace), workspace)
        environment = {k: v for k, v in env.items() if k in ("PORT", "HOST")}

    def at(port=None):
        try:
            return waitress_addresses(request, monkeypatch, workspace, environment)
        except pytest.fail.Exception as exc:
            # A script that needs PORT is right when the service sets it (the systemd step checks that).
            if port is None or "stops when PORT is not set" not in str(exc):
                raise
            return waitress_addresses(request, monkeypatch, workspace, {**environment, "PORT": str(port)})

    return at


PAGES = ("/", "/blog/", "/blog/hello/", "/api/articles")  # pages only the app can build


def proxies(location):
    return location is not None and any(d["directive"] == "proxy_pass" for d in location["block"])


def app_servers(public, config):
    """(server, location) pairs where nginx passes the app's pages on with proxy_pass (from location /)."""
    return [(server, server.handler("/")) for server in public
            if all(proxies(server.handler(page)) for page in PAGES)]


def test_nginx_reads_the_configuration(config, workspace):
    """nginx can read your configuration"""
    assert config.servers, f"{shown(workspace, config.path)} has no server {{ ... }} block."


def test_a_named_server_listens_on_port_80(public):
    """A server block listens on port 80 and has a server_name"""
    assert any(server.names for server in public), (
        "Your server block has no server_name: add the site's name, like server_name blog.example.org;, so "
        "nginx knows which requests are for your blog.")


def test_location_root_passes_to_waitress(public, config, waitress_at, workspace):
    """location / passes requests to the address Waitress listens on"""
    pairs = app_servers(public, config)
    if not pairs:
        if all(s.handler("/") is None for s in public):
            pytest.fail("Your server block has no location / { ... }: add one with proxy_pass http://127.0.0.1:8080; "
                        "so nginx passes the pages to Waitress.", pytrace=False)
        missed = next(page for page in PAGES if not any(proxies(s.handler(page)) for s in public))
        pytest.fail(f"nginx doesn't pass a request for {missed} on to Waitress: put proxy_pass http://127.0.0.1:8080; "
                    "in location / (the address Waitress listens on), so every page but the static files reaches "
                    "your app.", pytrace=False)
    first = [d for d in pairs[0][1]["block"] if d["directive"] == "proxy_pass"][-1]["args"][0]
    targets = [(h, port) for h, port in config.proxy_target(first)[1] if "$" not in h]
    script, start = waitress_at(targets[0][1] if targets else None)
    listening = {(ip, port) for host, port in start.addresses for ip in addresses_of(host)}
    wrong = []
    for _server, location in pairs:
        url = [d for d in location["block"] if d["directive"] == "proxy_pass"][-1]["args"][0]
        scheme, targets, path = config.proxy_target(url)
        if any("$" in host for host, _port in targets) or (path and "$" in path):
            wrong.append(f"proxy_pass {url} uses a variable, which the check can't follow: write the address itself")
            continue
        if scheme != "http":
            wrong.append(f"proxy_pass {url} talks {scheme} to Waitress, which speaks plain http behind nginx: "
                         "write http://")
            continue
        if path not in (None, "/"):
            wrong.append(f"proxy_pass {url} changes the path of every request to start with {path}: end the address "
                         "after the port")
            continue
        if not any((ip, port) in listening for host, port in targets for ip in addresses_of(host)):
            sent = ", ".join(f"{h}:{p}" for h, p in targets)
            wrong.append(f"nginx passes requests to {sent}, but python {script.name} has Waitress listen on "
                         f"{start.described()}: make them the same address")
    if len(wrong) == len(pairs):
        pytest.fail(wrong[0] + ".", pytrace=False)


def test_headers_tell_waitress_who_asked(public, config):
    """nginx tells Waitress the site's name, the visitor's address and http or https"""
    server, location = app_servers(public, config)[0]
    headers = server.proxy_headers(location)
    host = headers.get("host", "")
    assert host.startswith(("$host", "$http_host")), (
        "nginx does not pass on the Host the visitor asked for, so your app sees 127.0.0.1:8080 and builds links "
        "to it: add proxy_set_header Host $host; next to proxy_pass.")
    forwarded_for = headers.get("x-forwarded-for", "")
    assert "$proxy_add_x_forwarded_for" in forwarded_for or forwarded_for == "$remote_addr", (
        "nginx does not tell Waitress the visitor's address, so every request seems to come from 127.0.0.1: add "
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;.")
    proto = headers.get("x-forwarded-proto", "")
    https_only = server.serves_https and not server.serves_http
    assert proto == "$scheme" or (proto == "https" and https_only), (
        "nginx does not tell Waitress whether the visitor used http or https, so redirects would send https "
        "visitors to http://: add proxy_set_header X-Forwarded-Proto $scheme;.")


def test_nginx_sends_static_files(public, config):
    """nginx sends the files in static/ itself"""
    server, _location = app_servers(public, config)[0]
    location = server.location_for(STATIC_FILE)
    root = server.location_for("/")
    assert location is not None and location is not root, (
        "Requests for /static/ files go to Waitress with every page: add location /static/ { alias "
        "/srv/blog/static/; } so nginx sends the files itself, quickly.")
    proxied = [d for d in location["block"] if d["directive"] == "proxy_pass"]
    if proxied:
        _scheme, _targets, path = config.proxy_target(proxied[-1]["args"][0])
        prefix = location["args"][-1]
        assert path is None or path + STATIC_FILE[len(prefix):] == STATIC_FILE, (
            f"location {prefix} passes {STATIC_FILE} on as {path + STATIC_FILE[len(prefix):]}: end the proxy_pass "
            "address after the port, so the path stays as it is.")
        return
    path = static_path(server, location, STATIC_FILE)
    assert path is not None, (
        "location /static/ doesn't say where the files are: add alias /srv/blog/static/; (the static folder of "
        "your app on the server).")
    args = location.get("args", [])
    alias = next((d["args"][0] for d in location["block"] if d["directive"] == "alias"), None)
    if alias is not None and args and args[-1].endswith("/") and not alias.endswith("/"):
        pytest.fail(f"With location {args[-1]} and alias {alias}, nginx looks for {STATIC_FILE} at {path}: end the "
                    f"alias with a / too, alias {alias}/;.", pytrace=False)
    assert path.startswith("/"), (
        f"nginx would look for {STATIC_FILE} at {path}, a path relative to nginx's own folder: write the full path "
        "of your app's static folder, starting with /.")
    folder = posixpath.dirname(posixpath.normpath(path))
    if posixpath.basename(posixpath.dirname(folder)) == "static" and alias is None:
        pytest.fail(f"nginx would look for {STATIC_FILE} in {folder}/: with root, nginx adds the whole address, "
                    f"/static/ included, to the folder. Write root {posixpath.dirname(posixpath.dirname(folder))}; "
                    f"or alias {posixpath.dirname(folder)}/;.", pytrace=False)
    assert posixpath.basename(folder) == "static" and posixpath.basename(posixpath.dirname(folder)) != "static", (
        f"nginx would send {STATIC_FILE} from {folder}/, which is not your app's static folder: point it at the "
        "static folder next to app.py on the server, like alias /srv/blog/static/;.")

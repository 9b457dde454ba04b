"""The security baseline: token session, Host, Origin, CSRF and headers on every route."""

import pytest

from tests.conftest import PORT

PAGES = ["/", "/settings", "/about", "/static/css/app.css", "/static/js/app.js", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_without_the_session_is_forbidden(anon, path):
    r = anon.get(path, status=403)
    assert "launch link" in r.text


def test_launch_token_sets_a_strict_httponly_cookie_and_drops_the_token(anon, settings):
    r = anon.get(f"/?token={settings.token}", status=303)
    assert r.headers["Location"].endswith("/")
    assert "token" not in r.headers["Location"]
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert settings.token not in cookie
    anon.get("/", status=200)


def test_a_wrong_token_is_forbidden(anon):
    anon.get("/?token=guess", status=403)
    anon.get("/", status=403)


def test_token_is_random_per_launch(tmp_path):
    from sandbox.config import build_settings

    tokens = {build_settings(data_dir=tmp_path, env={}).token for _ in range(5)}
    assert len(tokens) == 5 and all(len(t) >= 32 for t in tokens)


@pytest.mark.parametrize("host", ["evil.example:8123", f"127.0.0.1:{PORT + 1}", "127.0.0.1",
                                  f"127.0.0.1:{PORT}, evil.example"])
def test_foreign_host_header_is_refused(client, host):
    client.get("/", status=400, extra_environ={"HTTP_HOST": host})


def test_a_request_without_host_is_refused(wsgi, settings):
    seen = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": f"token={settings.token}"}
    wsgi(environ, lambda status, headers: seen.append(status))
    assert seen == ["400 Bad Request"]


def test_two_host_headers_over_real_http_are_refused(settings, wsgi):
    import socket

    from sandbox.launch.server import EmbeddedServer

    server = EmbeddedServer(wsgi, host="127.0.0.1", port=0, max_body_bytes=1024)
    settings.port = server.port
    server.start()
    try:
        host, port = server.address
        with socket.create_connection(server.address, timeout=30) as sock:
            sock.sendall(f"GET /?token={settings.token} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                         f"Host: evil.example\r\nConnection: close\r\n\r\n".encode())
            reply = sock.recv(200).decode()
        assert reply.startswith("HTTP/1.1 400")
    finally:
        server.stop()


@pytest.mark.parametrize("claimed, sent", [(50_000_000, 2000), (1001, 1001)],
                         ids=["claimed-50-MB-refused-before-it-arrives", "whole-body-one-byte-over"])
def test_a_body_over_the_limit_is_answered_413(settings, wsgi, claimed, sent):
    import socket

    from sandbox.launch.server import EmbeddedServer

    server = EmbeddedServer(wsgi, host="127.0.0.1", port=0, max_body_bytes=1000)
    settings.port = server.port
    server.start()
    try:
        host, port = server.address
        # A server that waited for the rest of a claimed body would fail the socket's timeout.
        with socket.create_connection(server.address, timeout=30) as sock:
            sock.sendall(f"POST /settings HTTP/1.1\r\nHost: {host}:{port}\r\n"
                         f"Content-Length: {claimed}\r\nConnection: close\r\n\r\n".encode() + b"x" * sent)
            reply = sock.recv(200).decode()
        assert reply.startswith("HTTP/1.1 413")
    finally:
        server.stop()


def test_localhost_host_is_accepted(anon, settings):
    host = {"HTTP_HOST": f"localhost:{PORT}"}
    anon.get(f"/?token={settings.token}", extra_environ=host, status=303)
    anon.get("/", extra_environ=host, status=200)


def test_forwarding_headers_do_not_fool_the_host_check(client):
    client.get("/", extra_environ={"HTTP_HOST": "evil.example", "HTTP_X_FORWARDED_HOST": f"127.0.0.1:{PORT}"},
               status=400)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/settings", "/open-external", "/static/css/app.css", "/nowhere"])
def test_state_changing_requests_need_the_csrf_token(client, method, path):
    r = getattr(client, method)(path, {"name": "Mallory", "theme": "dark", "font_size": "14"}, status=403)
    assert "expired" in r.text or "another site" in r.text


def test_csrf_token_in_header_or_form_is_accepted(client):
    client.post("/settings", {"name": "Ada", "theme": "dark", "font_size": "16", "csrf_token": client.csrf}, status=200)
    client.post("/settings", {"name": "Bea", "theme": "dark", "font_size": "16"},
                headers={"X-CSRF-Token": client.csrf}, status=200)


def test_foreign_origin_is_refused_even_with_the_token_and_nothing_changes(client):
    client.post("/settings", {"name": "Mallory", "theme": "dark", "font_size": "14", "csrf_token": client.csrf},
                headers={"Origin": "http://evil.example"}, status=403)
    client.post("/settings", {"name": "Mallory", "theme": "dark", "font_size": "14", "csrf_token": client.csrf},
                headers={"Origin": "null"}, status=403)
    client.post("/settings", {"name": "Mallory", "theme": "dark", "font_size": "14", "csrf_token": client.csrf},
                headers={"Sec-Fetch-Site": "cross-site"}, status=403)
    client.post("/settings", {"name": "Mallory", "theme": "dark", "font_size": "14", "csrf_token": client.csrf},
                headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"}, status=403)
    assert "Mallory" not in client.get("/").text


def test_the_browsers_own_null_origin_form_post_is_accepted(client):
    # Referrer-Policy: no-referrer makes Chromium send Origin: null on same-origin form posts.
    client.post("/settings", {"name": "Ada", "theme": "dark", "font_size": "14", "csrf_token": client.csrf},
                headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}, status=200)


def test_same_origin_post_is_accepted(client):
    client.post("/settings", {"name": "Ada", "theme": "light", "font_size": "14", "csrf_token": client.csrf},
                headers={"Origin": f"http://127.0.0.1:{PORT}"}, status=200)


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_response(client, anon, path):
    for c in (client, anon):
        r = c.get(path, status="*")
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'self'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"


def test_pages_carry_no_inline_script(client):
    for path in ["/", "/settings", "/about"]:
        html = client.get(path).text
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), f"inline script on {path}"


def test_non_loopback_host_is_refused(tmp_path):
    from sandbox.config import build_settings
    from sandbox.errors import ConfigError

    with pytest.raises(ConfigError, match="127.0.0.1"):
        build_settings(data_dir=tmp_path, host="0.0.0.0", env={})


def test_the_server_listens_on_loopback_only(settings, wsgi):
    """The body limit is shown by real oversized requests: test_a_body_over_the_limit_is_answered_413."""
    from sandbox.launch.server import EmbeddedServer

    server = EmbeddedServer(wsgi, host=settings.host, port=0, max_body_bytes=1024)
    try:
        host, port = server.address
        assert host == "127.0.0.1" and port == server.port
    finally:
        server.stop()


def test_open_external_only_opens_web_addresses(client, services):
    opened = []
    services.open_url = opened.append
    client.post("/open-external", {"url": "https://docs.python.org/3/", "csrf_token": client.csrf}, status=204)
    client.post("/open-external", {"url": "file:///etc/passwd", "csrf_token": client.csrf}, status=400)
    client.post("/open-external", {"url": "javascript:alert(1)", "csrf_token": client.csrf}, status=400)
    assert opened == ["https://docs.python.org/3/"]

"""The preview under JupyterHub: the learner's app proxied at PREFIX/preview/<key>/, with its own links,
redirects and cookies working there, and unable to touch the sandbox.

WSGI tests drive the sandbox in classroom mode (a real HubConfig, a stand-in for the Hub's login) with
a real preview child; the Chromium test serves the same app over HTTP and attacks the sandbox from a
page inside the preview.
"""

from __future__ import annotations

import json
import re

import pytest
from webtest import TestApp

from sandbox.classroom.profiles import use_account
from sandbox.hub import HubConfig
from sandbox.packs.build import new_pack
from sandbox.packs.catalog import Catalog
from sandbox.preview import proxy as proxy_module
from sandbox.preview.manager import PreviewManager
from sandbox.preview.rewrite import Rebase
from sandbox.services import Services
from sandbox.web import create_app
from sandbox.web.security import csrf_token
from tests.conftest import wait_for

PREFIX = "/user/alice/"
HOST = "hub.school.example:8000"
STEP = PREFIX + "learn/mini/01-first-route/hello"
BODY_LIMIT = 256 * 1024
PIXEL = bytes(range(256)) + b' <a href="/not-html"> url(/not-css) '

APP = r'''
import html
import json
import secrets

from bottle import Bottle, HTTPResponse, redirect, request, response

app = Bottle()
SECRET = "a secret for the test"
PIXEL = bytes(range(256)) + b' <a href="/not-html"> url(/not-css) '
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Blog</title>
<link rel="stylesheet" href="/static/style.css"></head>
<body><h1>Hello from the blog</h1>
<a id="hello" href="/hello/Zo%C3%AB">Say hello</a>
<img id="pic" src="/static/pixel.png" srcset="/static/pixel.png 1x, /static/pixel.png?big 2x" alt="">
<form id="login" method="post" action="/login"><input name="name" value="ada">
<input type="hidden" name="csrf" value="{csrf}"><button>Log in</button></form>
<a id="me" href="http://localhost:{port}/me">Who am I?</a>
<script>var inline = '<a href="/not-a-link">';</script>
</body></html>"""
ATTACK = """<!doctype html><meta charset="utf-8"><title>Attack</title><button id="popup">Open</button>
<pre id="out">running</pre><script>
const out = {};
const prefix = location.pathname.split("/preview/")[0] + "/";
function attempt(name, read) {
  try { out[name] = "read: " + String(read()).slice(0, 300); } catch (e) { out[name] = "blocked: " + e.name; }
}
attempt("parent page", () => parent.document.querySelector('meta[name="csrf-token"]').content);
attempt("parent address", () => parent.location.href);
attempt("cookies", () => document.cookie);
attempt("storage", () => localStorage.length);
async function run() {
  for (const target of [prefix, prefix + "preview-status", prefix + "settings"]) {
    try {
      const answer = await fetch(target, {credentials: "include"});
      out["fetch " + target] = "read: " + (await answer.text()).slice(0, 3000);
    } catch (e) { out["fetch " + target] = "blocked: " + e.name; }
  }
  const blind = await fetch(prefix, {mode: "no-cors", credentials: "include"});
  out["no-cors"] = blind.type + ":" + (await blind.text()).length;
  document.getElementById("out").textContent = JSON.stringify(out);
}
// A popup needs a click (the popup blocker), so the test clicks this button.
document.getElementById("popup").addEventListener("click", async () => {
  const popup = window.open(prefix, "_blank");
  out["popup opened"] = String(popup !== null);
  await new Promise((done) => setTimeout(done, 1500));
  attempt("popup page", () => popup.document.querySelector('meta[name="csrf-token"]').content);
  attempt("popup address", () => popup.location.href);
  document.getElementById("out").textContent = JSON.stringify(out);
});
run();
</script>"""


def csrf():
    token = request.get_cookie("csrf")
    if not token:
        token = secrets.token_urlsafe(8)
        response.set_cookie("csrf", token, path="/", httponly=True, samesite="strict")
    return token


@app.route("/")
def home():
    port = request.get_header("Host").rsplit(":", 1)[1]
    return PAGE.format(csrf=csrf(), port=port)


@app.route("/hello/<name>")
def hello(name):
    return f"<p id='greeting'>Hello {html.escape(name)}!</p><a id='home' href='/'>Home</a>"


@app.post("/login")
def login():
    if not request.forms.get("csrf") or request.forms.get("csrf") != request.get_cookie("csrf"):
        return HTTPResponse("This form has expired.", status=403)
    response.set_cookie("user", request.forms.get("name"), secret=SECRET, path="/", httponly=True, samesite="lax")
    redirect("/me", 303)


@app.route("/me")
def me():
    return f"<p id='who'>Signed in as {html.escape(request.get_cookie('user', secret=SECRET) or 'nobody')}</p>"


@app.route("/static/style.css")
def style():
    response.content_type = "text/css"
    return 'h1 { color: rgb(0, 128, 0); }\nbody { background: url("/static/pixel.png"); }\n'


@app.route("/static/pixel.png")
def pixel():
    response.content_type = "image/png"
    return PIXEL


@app.route("/go")
def go():
    redirect("/hello/there")


@app.route("/go-root")
def go_root():
    return HTTPResponse(status=303, headers={"Location": "/me", "Refresh": "5; url=/me"})


@app.route("/headers")
def headers():
    names = ("Cookie", "Host", "Origin", "X-Forwarded-Host", "X-Forwarded-Proto", "Sec-Fetch-Site")
    return {name: request.get_header(name) for name in names}


@app.route("/framed")
def framed():
    response.set_header("X-Frame-Options", "DENY")
    response.set_header("Content-Security-Policy", "frame-ancestors 'none'; img-src 'self'")
    return "<p>framed</p>"


@app.post("/echo")
def echo():
    return str(len(request.body.read()))


@app.route("/big")
def big():
    response.content_type = "application/octet-stream"
    return bytes(range(256)) * (3 * 4096)


@app.route("/long")
def long_page():
    return "<a href='/x'>x</a>" + "<p>filler</p>" * 2000


@app.route("/search")
def search():
    return ('<script src="/static/htmx.min.js"></script><button id="more" hx-post="/results" hx-target="#results" '
            'hx-vals=\'{"q": "bottle"}\'>More</button><div id="results"></div>')


@app.post("/results")
def results():
    return f"<p id='found'>Found {html.escape(request.forms.get('q', ''))} for {request.get_header('HX-Request')}</p>"


@app.route("/slow")
def slow():
    import time

    time.sleep(3)
    return "late"


@app.route("/attack")
def attack():
    return ATTACK
'''


class HubLogin:
    """Stands in for the Hub's login (``HubSession``): the cookie ``hub-login=alice`` is alice, signed in."""

    cookie = "hub-login=alice"

    def user(self, environ):
        return {"kind": "user", "name": "alice"} if self.cookie in environ.get("HTTP_COOKIE", "") else None

    def login(self, environ):
        return "302 Found", [("Location", "/hub/login")]

    def callback(self, environ):
        return "403 Forbidden", []


@pytest.fixture
def data_dir(tmp_path):
    pack = tmp_path / "pack"
    new_pack(pack, pack_id="mini", title="Mini")
    (pack / "lessons" / "01-first-route" / "starter" / "app.py").write_text(APP)
    data = tmp_path / "data"
    (data / "packs").mkdir(parents=True)
    from sandbox.packs.install import install_pack

    install_pack(pack, data / "packs")
    return data


@pytest.fixture
def hub_settings(settings):
    settings.hub = HubConfig(user="alice", prefix=PREFIX, host="127.0.0.1", port=settings.port,
                             api_url="http://127.0.0.1:9/hub/api", api_token="not-used")
    settings.max_body_bytes = BODY_LIMIT
    return settings


@pytest.fixture
def hub_services(hub_settings, store):
    services = Services(store=store, catalog=Catalog(hub_settings.packs_dir), open_url=lambda url: True)
    services.start_preview(PreviewManager(watch=False))
    store.connect()
    try:
        services.learner_id = use_account("alice").id
    finally:
        store.disconnect()
    yield services
    services.preview.close()


@pytest.fixture
def hub_wsgi(hub_settings, hub_services):
    return create_app(hub_settings, hub_services, hub_session=HubLogin())


@pytest.fixture
def signed_in(hub_wsgi, hub_settings):
    """The learner's browser on the sandbox's own pages: signed in through the Hub."""
    client = TestApp(hub_wsgi, extra_environ={"HTTP_HOST": HOST, "HTTP_COOKIE": HubLogin.cookie})
    client.csrf = csrf_token(hub_settings.token)
    return client


@pytest.fixture
def frame(hub_wsgi):
    """What a page in the preview frame is: an opaque origin, whose requests carry no cookie at all."""
    return TestApp(hub_wsgi, extra_environ={"HTTP_HOST": HOST})


def open_preview(client) -> dict:
    client.post(STEP + "/visit", headers={"X-CSRF-Token": client.csrf})
    status = client.post(STEP + "/preview", headers={"X-CSRF-Token": client.csrf}).json
    wait_for(lambda: client.get(PREFIX + "preview-status").json["state"] == "running", what="the app to run")
    return status


@pytest.fixture
def app_url(signed_in) -> str:
    return open_preview(signed_in)["url"]


# --- where the preview is -----------------------------------------------------------------


def test_the_pane_frames_the_proxied_app_as_an_opaque_origin(signed_in, app_url, hub_services):
    page = signed_in.get(STEP).text
    frame = re.search(r'<iframe id="preview-frame"[^>]*>', page).group(0)
    assert 'sandbox="allow-scripts allow-forms allow-popups"' in frame and "allow-same-origin" not in frame
    assert 'data-status-url="/user/alice/preview-status"' in page and 'data-preview="folder"' not in page
    key = re.fullmatch(r"/user/alice/preview/([A-Za-z0-9_-]{32})/", app_url).group(1)
    status = signed_in.get(PREFIX + "preview-status").json
    assert status["url"] == app_url and status["origin"] == ""
    restarted = signed_in.post(PREFIX + "preview-restart", headers={"X-CSRF-Token": signed_in.csrf}).json
    assert restarted["url"] == app_url, "a restart keeps the key"
    events = signed_in.get(STEP + "/events", {"wait": "0"}).json
    assert events["news"]["preview"]["url"] == app_url, "the page's long poll names the same address"
    assert key not in signed_in.get(PREFIX).text
    assert f"<code>{app_url}</code>" in signed_in.get(PREFIX + "inspector").text, "the inspector names it too"


def test_the_desktop_keeps_its_own_address_and_has_no_proxy(client, anon):
    page = client.get("/preview/" + "x" * 32 + "/", status=404)
    assert "served by its own address" in page.text
    anon.get("/preview/" + "x" * 32 + "/", status=403)


def test_the_key_is_the_only_way_in(frame, signed_in, app_url):
    """The frame's requests carry no cookie: the key lets them reach the app, and nothing else."""
    assert "Hello from the blog" in frame.get(app_url).text
    wrong = frame.get(PREFIX + "preview/" + "A" * 32 + "/", status=404)
    assert "out of date" in wrong.text and wrong.headers["Content-Security-Policy"].startswith("sandbox ")
    frame.get(app_url.replace("/preview/", "/preview/x"), status=404)
    # What an opaque origin sends the sandbox's own pages (no cookie; Origin null and Sec-Fetch-Site
    # cross-site on a POST) is refused, and no answer of theirs is readable across origins.
    page = frame.get(PREFIX, headers={"Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "cross-site"}, status=403)
    assert csrf_token_of(signed_in) not in page.text and "Access-Control-Allow-Origin" not in page.headers
    frame.post(PREFIX + "settings", {"name": "Hacked"}, headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"},
               status=403)


def csrf_token_of(client) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(PREFIX).text).group(1)


def test_a_key_ends_with_its_workspace(hub_services, app_url, frame):
    from sandbox.web.pages.preview import _proxies

    new_key = _proxies[hub_services.preview].key_for(hub_services.learner_id, "/another/lesson")
    assert new_key not in app_url
    frame.get(app_url, status=404)


# --- the app works under the prefix ---------------------------------------------------------


def test_links_forms_and_styles_point_under_the_prefix(frame, app_url):
    mount = app_url.rstrip("/")
    page = frame.get(app_url)
    assert f'href="{mount}/static/style.css"' in page.text and f'href="{mount}/hello/Zo%C3%AB"' in page.text
    assert f'srcset="{mount}/static/pixel.png 1x, {mount}/static/pixel.png?big 2x"' in page.text
    assert f'action="{mount}/login"' in page.text and f'href="{mount}/me"' in page.text, "its own origin too"
    assert "'<a href=\"/not-a-link\">'" in page.text, "script text is not markup"
    assert int(page.headers["Content-Length"]) == len(page.body)
    css = frame.get(mount + "/static/style.css")
    assert f'url("{mount}/static/pixel.png")' in css.text and "rgb(0, 128, 0)" in css.text
    assert frame.get(mount + "/static/pixel.png").body == PIXEL, "other bodies pass byte for byte"
    assert frame.get(mount + "/big").body == bytes(range(256)) * (3 * 4096)


def test_redirects_point_under_the_prefix(frame, app_url):
    mount = app_url.rstrip("/")
    assert frame.get(mount + "/go", status=303).headers["Location"] == mount + "/hello/there"  # Bottle's, absolute
    moved = frame.get(mount + "/go-root", status=303)
    assert moved.headers["Location"] == mount + "/me" and moved.headers["Refresh"] == f"5; url={mount}/me"


def test_a_long_page_passes_unchanged(frame, app_url, monkeypatch):
    monkeypatch.setattr(proxy_module, "REWRITE_MAX_BYTES", 1000)
    page = frame.get(app_url + "long")
    assert page.text.startswith("<a href='/x'>x</a><p>filler</p>") and page.text.endswith("<p>filler</p>")


def test_a_cookie_login_works_though_the_browser_keeps_no_cookie(frame, app_url):
    mount = app_url.rstrip("/")
    form = frame.get(app_url)
    assert "Set-Cookie" not in form.headers, "the learner's cookies stay with the proxy"
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    signed = frame.post(mount + "/login", {"name": "ada", "csrf": token}, headers={"Origin": "null"}, status=303)
    assert signed.headers["Location"] == mount + "/me" and "Set-Cookie" not in signed.headers
    assert "Signed in as ada" in frame.get(mount + "/me").text
    assert list(frame.cookiejar) == []
    frame.post(mount + "/login", {"name": "eve", "csrf": "guessed"}, status=403)


def test_the_app_sees_itself_not_the_hub(signed_in, app_url):
    seen = signed_in.get(app_url + "headers", headers={"X-Forwarded-Host": "evil.example", "Origin": "null",
                                                         "Sec-Fetch-Site": "cross-site"}).json
    assert seen["Cookie"] is None or "hub-login" not in seen["Cookie"], "the Hub login never reaches the app"
    assert re.fullmatch(r"localhost:\d+", seen["Host"]) and seen["X-Forwarded-Host"] is None
    assert seen["Origin"] == "http://" + seen["Host"] and seen["Sec-Fetch-Site"] == "same-origin"


def test_bodies_up_to_the_sandboxs_limit_go_through(frame, app_url):
    assert frame.post(app_url + "echo", b"x" * (BODY_LIMIT - 10), content_type="application/octet-stream").text \
        == str(BODY_LIMIT - 10)
    frame.post(app_url + "echo", b"x" * (BODY_LIMIT + 1), content_type="application/octet-stream", status=413)


def test_the_inspector_and_the_address_bar_see_paths_from_the_apps_root(signed_in, frame, app_url, hub_services):
    assert "Hello Zoë!" in frame.get(app_url + "hello/Zo%C3%AB").text
    log = hub_services.inspector.requests(hub_services.learner_id)
    wait_for(lambda: any(r.path == "/hello/Zoë" for r in log.recent()), what="the request in the inspector")
    wait_for(lambda: signed_in.get(PREFIX + "preview-status").json["last_page"] == "/hello/Zoë",
             what="the address bar's path")


def test_a_silent_app_ends_its_request_and_no_request_keeps_a_connection(frame, app_url, hub_services):
    from sandbox.web.pages.preview import _proxies

    proxy = _proxies[hub_services.preview]
    proxy.timeout = 1
    assert "did not answer" in frame.get(app_url + "slow", status=504).text
    frame.head(app_url)
    frame.head(app_url + "static/pixel.png")
    frame.get(app_url + "nowhere", status=404)
    frame.get(app_url + "go", status=303)
    wait_for(lambda: proxy._slots._value == proxy_module.MAX_CONCURRENT, what="every connection given back")


# --- it cannot touch the sandbox ----------------------------------------------------------------


def test_every_proxied_answer_is_an_opaque_origin_only_the_sandbox_frames(frame, app_url):
    for path in ("", "static/pixel.png", "framed", "go"):
        answer = frame.get(app_url + path, status="*")
        policies = answer.headers.getall("Content-Security-Policy")
        assert proxy_module.SANDBOX_POLICY in policies
        assert not any("allow-same-origin" in p for p in policies)
        assert answer.headers.getall("X-Frame-Options") == ["SAMEORIGIN"]
        assert answer.headers["Referrer-Policy"] == "no-referrer"
    framed = frame.get(app_url + "framed")
    assert framed.headers.getall("Content-Security-Policy") == ["img-src 'self'", proxy_module.SANDBOX_POLICY]


def test_a_preflight_is_answered_and_a_stopped_app_is_a_sentence(frame, app_url, hub_services):
    asked = frame.options(app_url + "echo", headers={"Origin": "null", "Access-Control-Request-Method": "PUT",
                                                     "Access-Control-Request-Headers": "hx-request"}, status=204)
    assert asked.headers["Access-Control-Allow-Origin"] == "*"
    assert asked.headers["Access-Control-Allow-Headers"] == "hx-request"
    hub_services.preview.stop(hub_services.learner_id)
    assert "not running" in frame.get(app_url, status=503).text


def test_rebase_leaves_other_urls_alone():
    rebase = Rebase("/user/alice/preview/K", ["http://localhost:5000", "http://127.0.0.1:5000"])
    for value in ("page2", "#top", "//other.example/x", "/\\other.example", "https://example.org/", "mailto:a@b",
                  "http://localhost:50001/x", "data:image/png;base64,AAA="):
        assert rebase.url(value) == value
    assert rebase.url("http://LOCALHOST:5000?q=1") == "/user/alice/preview/K/?q=1"
    page = "<p title='/a'>x</p><!-- <a href='/b'> --><a href='/c?x=1&amp;y=2'>c</a>"
    assert rebase.html(page) == "<p title='/a'>x</p><!-- <a href='/b'> --><a href='/user/alice/preview/K/c?x=1&amp;y=2'>c</a>"
    assert rebase.body("<a href='/x'>".encode("utf-16"), "text/html; charset=utf-16") is None
    assert rebase.body(b"\xe9<a href=/x>", "text/html; charset=latin-1") == b"\xe9<a href=/user/alice/preview/K/x>"


# --- in Chromium ---------------------------------------------------------------------------------


@pytest.mark.browser
def test_in_chromium_the_preview_works_and_cannot_read_the_sandbox(hub_wsgi, hub_settings, chromium):
    from playwright.sync_api import expect

    from sandbox.launch.server import EmbeddedServer

    expect.set_options(timeout=20_000)
    server = EmbeddedServer(hub_wsgi, host="127.0.0.1", port=0, max_body_bytes=hub_settings.max_body_bytes)
    server.start()
    context = chromium.new_context()
    try:
        base = f"http://127.0.0.1:{server.port}"
        context.add_cookies([{"name": "hub-login", "value": "alice", "url": base + PREFIX, "httpOnly": True,
                              "sameSite": "Lax"}])
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + STEP)
        frame_element = page.locator("#preview-frame")
        assert frame_element.get_attribute("sandbox") == "allow-scripts allow-forms allow-popups"
        preview = page.frame_locator("#preview-frame")
        expect(preview.locator("h1")).to_have_text("Hello from the blog")
        assert frame_element.get_attribute("src").startswith(PREFIX + "preview/")
        app = next(f for f in page.frames if "/preview/" in f.url)
        assert app.evaluate("self.origin") == "null"
        expect(preview.locator("h1")).to_have_css("color", "rgb(0, 128, 0)")  # its style sheet, under the prefix

        # Its own links, with the address bar showing paths from the app's root.
        preview.locator("#hello").click()
        expect(preview.locator("#greeting")).to_have_text("Hello Zoë!")
        expect(page.locator("#preview-path")).to_have_value("/hello/Zoë")
        assert page.locator("#preview-origin").inner_text() == ""

        # A form POST and a cookie login.
        preview.locator("#home").click()
        preview.locator("#login button").click()
        expect(preview.locator("#who")).to_have_text("Signed in as ada")
        expect(page.locator("#preview-path")).to_have_value("/me")

        # htmx (the sandbox lends the app its copy) posts to the app from the opaque origin.
        page.locator("#preview-path").fill("/search")
        page.locator("#preview-path").press("Enter")
        preview.locator("#more").click()
        expect(preview.locator("#found")).to_have_text("Found bottle for true")

        # A page of the app attacks the sandbox: its page, its token, its answers, a popup.
        token = page.locator('meta[name="csrf-token"]').get_attribute("content")
        page.locator("#preview-path").fill("/attack")
        page.locator("#preview-path").press("Enter")
        expect(preview.locator("#out")).not_to_have_text("running", timeout=30_000)
        with context.expect_page():  # the popup opens (as if with noopener: the sandbox's page is COOP same-origin)
            preview.locator("#popup").click()
        expect(preview.locator("#out")).to_contain_text("popup address", timeout=30_000)
        results = json.loads(preview.locator("#out").inner_text())
        assert token not in json.dumps(results)
        assert results.pop("no-cors") == "opaque:0" and results.pop("popup opened") in ("true", "false")
        assert all(value.startswith("blocked: ") for value in results.values()), results
        for other in context.pages[1:]:
            other.close()

        # "Open in browser" opens the proxied address in a tab of its own, still an opaque origin.
        page.locator("#preview-path").fill("/hello/Zoë")
        page.locator("#preview-path").press("Enter")
        expect(preview.locator("#greeting")).to_have_text("Hello Zoë!")
        with context.expect_page() as opened:
            page.locator("[data-preview=external]").click()
        tab = opened.value
        expect(tab.locator("#greeting")).to_have_text("Hello Zoë!")
        assert tab.url.startswith(base + PREFIX + "preview/") and tab.url.endswith("/hello/Zo%C3%AB")
        assert tab.evaluate("self.origin") == "null"
        assert errors == []
    finally:
        context.close()
        server.stop()


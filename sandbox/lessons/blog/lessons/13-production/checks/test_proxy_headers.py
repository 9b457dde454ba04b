"""Behind nginx the blog's redirects say what the visitor used (https, the site's name) and the app
knows the visitor's address, and it takes those facts from nginx only. The requests go through the
app the way Waitress runs it, with Waitress's own proxy-headers code and the learner's settings, once
from nginx's address and once from a stranger's."""

import uuid
from urllib.parse import urlsplit

import bottle
import pytest
import webtest
from serving import is_loopback, waitress_addresses

SITE = "blog.example.org"
VISITOR = "203.0.113.7"  # addresses kept for documentation: never a real machine
STRANGER = "198.51.100.9"


@pytest.fixture
def start(request, monkeypatch, workspace):
    _script, found = waitress_addresses(request, monkeypatch, workspace)
    return found


def proxy_address(start):
    """The address nginx connects from: the loopback address Waitress listens on (IPv4's first, the one
    nginx reaches for 127.0.0.1 and, first, for localhost)."""
    loopback = [host for host, _port in start.addresses if is_loopback(host)]
    return next((h for h in loopback if ":" not in h), loopback[0] if loopback else "127.0.0.1")


def form_redirect(request, start, remote, headers):
    """Where the new-article form's redirect points, for a visit from ``remote`` with ``headers`` (a
    redirect of the app's own making, when the form isn't there to send)."""
    app, environ = start.as_waitress_runs_it()
    client = webtest.TestApp(app, extra_environ={**environ, "REMOTE_ADDR": remote})
    headers = {"Host": SITE, **headers}
    page = client.get("/blog/new", headers=headers, expect_errors=True)
    form = next((f for f in page.forms.values() if "title" in f.fields), None) if page.status_int == 200 else None
    if form is None:
        return made_redirect(request, start, client, headers)
    fields = dict(form.submit_fields())
    fields.update(title=f"Behind the proxy {uuid.uuid4().hex[:8]}", content="Written through nginx.")
    if "published" in form.fields:
        fields["published"] = "on"
    action = urlsplit(form.action or "").path or "/blog/new"
    r = client.post(action, fields, headers=headers, expect_errors=True)
    if r.status_int not in (301, 302, 303, 307, 308):
        pytest.fail(f"Sending the form through Waitress answered {r.status} instead of a redirect to the new article.",
                    pytrace=False)
    return r.headers["Location"]


def made_redirect(request, start, client, headers):
    app = start.app if isinstance(start.app, bottle.Bottle) else request.getfixturevalue("app")
    if not isinstance(app, bottle.Bottle):
        pytest.fail("The page /blog/new has no form with a title field any more: keep the form of lesson 8.",
                    pytrace=False)
    if not any(route.rule == "/check-redirect" for route in app.routes):
        app.route("/check-redirect")(lambda: bottle.redirect("/blog/"))
    return client.get("/check-redirect", headers=headers, expect_errors=True).headers.get("Location", "")


def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def trust_hint(start, proxy):
    adj = start.adj
    if adj.trusted_proxy is None:
        return ("Waitress doesn't trust nginx yet, so it drops nginx's X-Forwarded headers: pass "
                f"trusted_proxy=\"{proxy}\" and trusted_proxy_headers=\"x-forwarded-for x-forwarded-proto\" to serve(...).")
    if adj.trusted_proxy not in ("*", proxy):
        return (f"Waitress trusts {adj.trusted_proxy}, but nginx on the same machine connects from {proxy}, and "
                f"Waitress compares the address exactly: write trusted_proxy=\"{proxy}\".")
    return ""


def test_redirects_keep_https_behind_nginx(request, start):
    """Behind nginx, the form's redirect keeps https:// and the site's name"""
    proxy = proxy_address(start)
    location = form_redirect(request, start, proxy, {"X-Forwarded-Proto": "https", "X-Forwarded-For": VISITOR})
    if not location.startswith(f"https://{SITE}/"):
        hint = trust_hint(start, proxy)
        if not hint and "x-forwarded-proto" not in start.adj.trusted_proxy_headers:
            hint = "Add x-forwarded-proto to trusted_proxy_headers, so Waitress believes nginx about https."
        pytest.fail(f"A visitor on https://{SITE} sent the new-article form, nginx said so (X-Forwarded-Proto: https), "
                    f"and your app redirected to {location}. {hint or 'Let Waitress take the scheme from nginx.'}",
                    pytrace=False)
    location = form_redirect(request, start, proxy, {"X-Forwarded-Proto": "http", "X-Forwarded-For": VISITOR})
    assert location.startswith(f"http://{SITE}/"), (
        f"A visitor on http://{SITE} sent the form and your app redirected to {location}: take the scheme from "
        "nginx's X-Forwarded-Proto instead of fixing it to https.")


def test_the_app_sees_the_visitors_address(request, start):
    """Your app sees the visitor's address, not nginx's"""
    proxy = proxy_address(start)
    app = start.app if isinstance(start.app, bottle.Bottle) else request.getfixturevalue("app")
    if not isinstance(app, bottle.Bottle):
        pytest.skip("This check needs the Bottle app in app.py.")
    app.route("/check-visitor")(lambda: bottle.request.environ.get("REMOTE_ADDR", ""))
    served, environ = start.as_waitress_runs_it()
    client = webtest.TestApp(served, extra_environ={**environ, "REMOTE_ADDR": proxy})
    seen = client.get("/check-visitor", headers={"Host": SITE, "X-Forwarded-For": VISITOR,
                                                 "X-Forwarded-Proto": "https"}).text
    assert seen == VISITOR, (
        f"nginx said the visitor is {VISITOR} (X-Forwarded-For), but your app sees {seen}, so every log line and "
        "every limit would be about nginx. " + (trust_hint(start, proxy) or
                                                "Add x-forwarded-for to trusted_proxy_headers."))


@pytest.mark.independent
def test_headers_from_strangers_are_ignored(request, start):
    """Waitress ignores X-Forwarded headers from anyone but nginx"""
    plain = f"{start.adj.url_scheme}://{SITE}"  # what a request that claims nothing is redirected to
    forged = form_redirect(request, start, STRANGER, {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "attacker.example",
                                             "X-Forwarded-For": "10.9.8.7"})
    adj = start.adj
    why = ("trusted_proxy=\"*\" believes everyone" if adj.trusted_proxy == "*" else
           "clear_untrusted_proxy_headers=False lets them through to your app" if not adj.clear_untrusted_proxy_headers
           else "only nginx's address may be trusted")
    assert origin(forged) == plain, (
        f"A request from {STRANGER}, not from nginx, sent made-up X-Forwarded headers, and your app redirected to "
        f"{forged} instead of {plain}: {why}. Trust nginx's address only, and let Waitress clear the rest "
        "(clear_untrusted_proxy_headers=True).")

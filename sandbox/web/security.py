"""The sandbox's front door: launch-token session, Host and Origin checks, CSRF, security headers.

It wraps the whole Bottle app as WSGI middleware, so every route, static file and error
page passes through the same rules. In classroom mode (``settings.hub``) the app is mounted under
the Hub's prefix, the Hub's login (``hub_login.HubSession``) replaces the launch token, and the
Host is whatever the Hub's proxy forwards, with Origin required to match it; CSRF, Sec-Fetch-Site
and the unsafe-method rules stay the same.
"""

from __future__ import annotations

import hashlib
import hmac
from html import escape
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, unquote

from bottle import BaseRequest

from sandbox.web.hub_login import wants_page

SESSION_COOKIE = "sandbox_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sec-Fetch-Site values (W3C Fetch Metadata) of requests our own pages make or a person types.
SAME_ORIGIN_FETCH = frozenset({"same-origin", "none"})
# Paths (below the Hub's prefix) that only the Host rule guards in classroom mode: the learner's app
# behind the preview proxy, which authenticates its requests itself and answers as an opaque origin.
PROXIED_PREFIX = "/preview/"
CALLBACK_PATH = "/oauth_callback"
DESKTOP_FRAMES = "http://localhost:* http://127.0.0.1:*"  # the preview's own port, another origin
CSP_TEMPLATE = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-src {frames}; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)
CSP = CSP_TEMPLATE.format(frames=DESKTOP_FRAMES)
OTHER_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
]
SECURITY_HEADERS = [("Content-Security-Policy", CSP)] + OTHER_HEADERS
# Under the Hub the preview is proxied on the sandbox's own origin (sandboxed, so it cannot reach us).
HUB_SECURITY_HEADERS = [("Content-Security-Policy", CSP_TEMPLATE.format(frames="'self'"))] + OTHER_HEADERS


def _derive(token: str, purpose: str) -> str:
    return hmac.new(token.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def session_value(token: str) -> str:
    return _derive(token, "session")


def csrf_token(token: str) -> str:
    return _derive(token, "csrf")


def signed_in(environ) -> bool:
    """Does this request carry this launch's session (the launch cookie, or the Hub login of its user)?

    For routes the middleware lets through unauthenticated (``PROXIED_PREFIX``), which must decide
    themselves. False for a request that did not pass through a SecurityMiddleware.
    """
    middleware = environ.get("sandbox.security")
    return middleware is not None and middleware.is_signed_in(environ)


class SecurityMiddleware:
    """Refuse what is not from this launch's own window (or, under the Hub, its own user), then add
    security headers. ``hub_session`` is the Hub login in classroom mode, else None."""

    def __init__(self, wsgi_app, settings, *, bottle_app=None, hub_session=None):
        self.wsgi_app = wsgi_app
        self.app = bottle_app or wsgi_app  # the Bottle app, for tests and tools that add routes
        self.settings = settings
        self.hub = getattr(settings, "hub", None)
        self.hub_session = hub_session
        if self.hub is not None and hub_session is None:
            raise ValueError("classroom mode needs the Hub login (hub_session)")
        self.headers = SECURITY_HEADERS if self.hub is None else HUB_SECURITY_HEADERS + _hub_version()
        if self.hub is not None:
            # Waitress gives PATH_INFO percent-decoded, as WSGI strings (UTF-8 bytes read as Latin-1, PEP 3333).
            self.mount = self.hub.prefix.rstrip("/")
            self.mount_decoded = unquote(self.mount).encode("utf-8").decode("latin-1")

    # Hosts are read at request time: the server learns its port only once it has bound.
    def allowed_hosts(self) -> set[str]:
        port = self.settings.port
        return {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}

    def __call__(self, environ, start_response):
        environ["sandbox.security"] = self
        refusal = self._unmounted(environ) if self.hub is not None else None
        if refusal is None:
            refusal = self._refusal(environ)
        if refusal is not None:
            status, body, extra = refusal
            return self._respond(start_response, status, body, extra)

        def secured_start_response(status, headers, exc_info=None):
            names = {name.lower() for name, _ in headers}
            headers = list(headers) + [h for h in self.headers if h[0].lower() not in names]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secured_start_response)

    def _unmounted(self, environ):
        """Move the Hub's prefix from PATH_INFO to SCRIPT_NAME; a path outside it is not ours (404)."""
        path = environ.get("PATH_INFO", "")
        if path in (self.mount_decoded, ""):
            return "302 Found", b"", [("Location", self.mount + "/")]
        if not path.startswith(self.mount_decoded + "/"):
            return "404 Not Found", _page("Not found", "This address is not part of this sandbox."), []
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.mount
        environ["PATH_INFO"] = path[len(self.mount_decoded):]
        return None

    def is_signed_in(self, environ) -> bool:
        if self.hub is not None:
            return self.hub_session.user(environ) is not None
        return self._has_session(environ)

    def _refusal(self, environ):
        if self.hub is not None:
            return self._hub_refusal(environ)
        host = environ.get("HTTP_HOST", "")
        # The raw Host header, never a URL the framework rebuilt; two Host headers arrive joined by a comma.
        if host not in self.allowed_hosts():
            return "400 Bad Request", _page("Wrong address", "This address is not the sandbox's own."), []
        token = self.settings.token
        if environ.get("PATH_INFO") == "/" and "token" in parse_qs(environ.get("QUERY_STRING", "")):
            given = parse_qs(environ.get("QUERY_STRING", "")).get("token", [""])[0]
            if hmac.compare_digest(given.encode(), token.encode()):
                cookie = f"{SESSION_COOKIE}={session_value(token)}; Path=/; HttpOnly; SameSite=Strict"
                home = environ.get("SCRIPT_NAME", "") + "/"  # the app's own root, wherever it is mounted
                return "303 See Other", b"", [("Location", home), ("Set-Cookie", cookie)]
            return "403 Forbidden", _forbidden_page(), []
        if not self._has_session(environ):
            return "403 Forbidden", _forbidden_page(), []
        return self._same_origin_problem(environ)

    def _hub_refusal(self, environ):
        host = environ.get("HTTP_HOST", "")
        if not host or len(host) > 255 or not host.isascii() or any(c in host for c in " ,/\\@"):
            return "400 Bad Request", _page("Wrong address", "This request named no proper host."), []
        path = environ.get("PATH_INFO", "")
        if path.startswith(PROXIED_PREFIX):
            return None
        if path == CALLBACK_PATH:
            status, headers = self.hub_session.callback(environ)
            if status.startswith("403"):
                return status, _page("Sign-in failed", "This sign-in link is not valid any more: open your "
                                                       "server again from the Hub's home page."), headers
            return status, b"", headers
        if self.hub_session.user(environ) is None:
            if wants_page(environ):
                status, headers = self.hub_session.login(environ)
                return status, b"", headers
            return "403 Forbidden", _page("Please sign in again", "You are not signed in to this sandbox "
                                          "(or your sign-in ended): reload the page to sign in through the Hub."), []
        return self._same_origin_problem(environ)

    def _same_origin_problem(self, environ):
        if environ.get("HTTP_SEC_FETCH_SITE", "same-origin") not in SAME_ORIGIN_FETCH:
            # Another port of 127.0.0.1 (a learner's app, say) is the same *site*, so the session
            # cookie travels with its requests; no answer of ours goes to another origin, whatever
            # the method (the rule Jupyter applies with Referer checks, stated by Fetch Metadata).
            return "403 Forbidden", _page("Request refused", "This request came from another site or port, so it was refused."), []
        if environ.get("REQUEST_METHOD", "GET").upper() in UNSAFE_METHODS:
            problem = self._cross_site_problem(environ)
            if problem:
                return "403 Forbidden", _page("Request refused", problem), []
        return None

    def _has_session(self, environ) -> bool:
        cookie = SimpleCookie()
        try:
            cookie.load(environ.get("HTTP_COOKIE", ""))
        except Exception:
            return False
        morsel = cookie.get(SESSION_COOKIE)
        return morsel is not None and hmac.compare_digest(morsel.value, session_value(self.settings.token))

    def own_origins(self, environ) -> set[str]:
        """The origins this app's own pages have: the loopback addresses on the desktop; under the Hub,
        the host the browser asked for (the Host header, or the proxy's X-Forwarded-Host), either scheme."""
        if self.hub is None:
            return {f"http://{h}" for h in self.allowed_hosts()}
        hosts = {environ.get("HTTP_HOST", "")}
        forwarded = environ.get("HTTP_X_FORWARDED_HOST")
        if forwarded:
            hosts.add(forwarded.split(",")[0].strip())
        return {f"{scheme}://{h}" for h in hosts if h for scheme in ("http", "https")}

    def _cross_site_problem(self, environ) -> str | None:
        origin = environ.get("HTTP_ORIGIN")
        fetch_site = environ.get("HTTP_SEC_FETCH_SITE")
        if fetch_site is not None and fetch_site not in {"same-origin", "none"}:
            return "This change came from another site, so it was refused."
        # With Referrer-Policy: no-referrer, browsers send "Origin: null" on their own form posts;
        # such a post is accepted only when the browser also vouches that it is same-origin.
        own_null = origin == "null" and fetch_site == "same-origin"
        if origin is not None and not own_null and origin not in self.own_origins(environ):
            return "This change came from another site, so it was refused."
        expected = csrf_token(self.settings.token)
        given = environ.get("HTTP_X_CSRF_TOKEN")
        if given is None:
            try:
                given = BaseRequest(environ).forms.get("csrf_token")
            except Exception:  # an unreadable body is refused like a missing token
                given = None
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            return "This form has expired or did not come from the sandbox. Reload the page and try again."
        return None

    def _respond(self, start_response, status, body, extra):
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        start_response(status, headers + extra + self.headers)
        return [body]


def _hub_version() -> list[tuple[str, str]]:
    """The header jupyterhub-singleuser sends, by which the Hub checks that it speaks a version it knows."""
    try:
        from jupyterhub import __version__
    except ImportError:
        return []
    return [("X-JupyterHub-Version", __version__)]


def _page(title: str, message: str) -> bytes:
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(title)}</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}</style>"
        f"<main><h1>{escape(title)}</h1><p>{escape(message)}</p></main></html>"
    ).encode()


def _forbidden_page() -> bytes:
    return _page(
        "Please open the sandbox from its window",
        "This page needs the sandbox's launch link. Start the sandbox with `python launcher.py` and use the "
        "window it opens, or the address it prints (the one ending in ?token=...).",
    )

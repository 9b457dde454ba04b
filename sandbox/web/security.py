"""The sandbox's front door: launch-token session, Host and Origin checks, CSRF, security headers.

It wraps the whole Bottle app as WSGI middleware, so every route, static file and error
page passes through the same rules.
"""

from __future__ import annotations

import hashlib
import hmac
from html import escape
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from bottle import BaseRequest

SESSION_COOKIE = "sandbox_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sec-Fetch-Site values (W3C Fetch Metadata) of requests our own pages make or a person types.
SAME_ORIGIN_FETCH = frozenset({"same-origin", "none"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-src http://localhost:* http://127.0.0.1:*; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)
SECURITY_HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
]


def _derive(token: str, purpose: str) -> str:
    return hmac.new(token.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def session_value(token: str) -> str:
    return _derive(token, "session")


def csrf_token(token: str) -> str:
    return _derive(token, "csrf")


class SecurityMiddleware:
    """Refuse what is not from this launch's own window, then add security headers."""

    def __init__(self, wsgi_app, settings, *, bottle_app=None):
        self.wsgi_app = wsgi_app
        self.app = bottle_app or wsgi_app  # the Bottle app, for tests and tools that add routes
        self.settings = settings

    # Hosts are read at request time: the server learns its port only once it has bound.
    def allowed_hosts(self) -> set[str]:
        port = self.settings.port
        return {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}

    def __call__(self, environ, start_response):
        refusal = self._refusal(environ)
        if refusal is not None:
            status, body, extra = refusal
            return self._respond(start_response, status, body, extra)

        def secured_start_response(status, headers, exc_info=None):
            names = {name.lower() for name, _ in headers}
            headers = list(headers) + [h for h in SECURITY_HEADERS if h[0].lower() not in names]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secured_start_response)

    def _refusal(self, environ):
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

    def _cross_site_problem(self, environ) -> str | None:
        origin = environ.get("HTTP_ORIGIN")
        fetch_site = environ.get("HTTP_SEC_FETCH_SITE")
        if fetch_site is not None and fetch_site not in {"same-origin", "none"}:
            return "This change came from another site, so it was refused."
        # With Referrer-Policy: no-referrer, browsers send "Origin: null" on their own form posts;
        # such a post is accepted only when the browser also vouches that it is same-origin.
        own_null = origin == "null" and fetch_site == "same-origin"
        if origin is not None and not own_null and origin not in {f"http://{h}" for h in self.allowed_hosts()}:
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

    @staticmethod
    def _respond(start_response, status, body, extra):
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        start_response(status, headers + extra + SECURITY_HEADERS)
        return [body]


def _page(title: str, message: str) -> bytes:
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>{t}</title>"
        "<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}}</style>"
        "<main><h1>{t}</h1><p>{m}</p></main></html>"
    ).format(t=escape(title), m=escape(message)).encode()


def _forbidden_page() -> bytes:
    return _page(
        "Please open the sandbox from its window",
        "This page needs the sandbox's launch link. Start the sandbox with `python launcher.py` and use the "
        "window it opens, or the address it prints (the one ending in ?token=...).",
    )

"""Logging in through JupyterHub's OAuth, for any WSGI app the Hub serves (the sandbox, the classroom service).

The Hub is the OAuth provider; ``jupyterhub.services.auth.HubOAuth`` (from ``pip install sandbox[hub]``)
knows its URLs from the environment the Hub gives a server or a service. The flow (JupyterHub's
"Authenticating a flask service with JupyterHub" example, with PKCE as HubOAuth 6 does it):

1. a page without a login is redirected to the Hub's ``/hub/api/oauth2/authorize`` with a random
   ``state`` that is also kept in a short-lived cookie;
2. the Hub sends the browser back to ``PREFIX/oauth_callback?code=...&state=...``; the code is
   traded for a token, which stays on the server: the browser's cookie holds only a random
   session id, HttpOnly, SameSite=Lax, scoped to the prefix;
3. every request asks the Hub (cached for a minute by HubOAuth) who owns that token, and the
   Hub's answer must carry the access scopes this server or service requires
   (``JUPYTERHUB_OAUTH_ACCESS_SCOPES``), so another Hub user is refused.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, quote, urlencode

log = logging.getLogger(__name__)

STATE_MAX_AGE = 600  # seconds a login may take between leaving for the Hub and coming back
MAX_SESSIONS = 1000


def hub_oauth(**overrides):
    """A ``HubOAuth`` configured from the environment the Hub set (``cache_max_age`` one minute).

    Raises ConfigError when JupyterHub is not installed (the ``hub`` extra).
    """
    try:
        from jupyterhub.services.auth import HubOAuth
    except ImportError:
        from sandbox.errors import ConfigError

        raise ConfigError("Classroom mode needs JupyterHub's Python package: pip install 'sandbox[hub]'.") from None
    options = {"cache_max_age": 60}
    options.update(overrides)
    return HubOAuth(**options)


class HubSession:
    """Who a request comes from, as the Hub says; the login redirect and the OAuth callback.

    ``auth`` is a HubOAuth (or anything with its ``login_url``, ``oauth_client_id``,
    ``access_scopes``, ``generate_state``, ``generate_pkce_code_challenge``, ``get_next_url``,
    ``get_code_verifier``, ``clear_oauth_state``, ``token_for_code``, ``user_for_token`` and
    ``check_scopes``); ``cookie_path`` is the prefix the app is served under.
    """

    def __init__(self, auth, cookie_path: str):
        self.auth = auth
        self.cookie_path = cookie_path if cookie_path.endswith("/") else cookie_path + "/"
        # The cookie is named after the OAuth client, as HubOAuth does, so two apps never share one.
        self.cookie_name = "sandbox-" + _cookie_safe(auth.oauth_client_id)
        self.state_cookie_name = self.cookie_name + "-state"
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def user(self, environ) -> dict | None:
        """The Hub's user model (``name``, ``groups``, ``scopes``...) for a signed-in request, else None.

        None as well when the Hub does not grant this user the access scopes of this server or
        service, or when the Hub cannot be asked (logged).
        """
        session_id = _cookies(environ).get(self.cookie_name)
        with self._lock:
            token = self._tokens.get(session_id) if session_id else None
        if token is None:
            return None
        return self.user_for_token(token)

    def user_for_token(self, token: str) -> dict | None:
        """The Hub user owning ``token`` when the Hub grants them this app's access scopes, else None."""
        try:
            model = self.auth.user_for_token(token)
        except Exception as exc:  # HubOAuth raises HTTPError 5xx when the Hub is down or slow
            log.warning("The Hub could not say who a request comes from: %s", exc)
            return None
        if not model or model.get("kind", "user") != "user":
            return None
        if self.auth.access_scopes and not self.auth.check_scopes(self.auth.access_scopes, model):
            return None
        return model

    def login(self, environ) -> tuple[str, list[tuple[str, str]]]:
        """A redirect to the Hub's login that comes back to the page asked for: (status, headers)."""
        next_url = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/%")
        if environ.get("QUERY_STRING"):
            next_url += "?" + environ["QUERY_STRING"]
        verifier, challenge, method = self.auth.generate_pkce_code_challenge()
        state = self.auth.generate_state(next_url, code_verifier=verifier)
        location = self.auth.login_url + "&" + urlencode({
            "state": state, "code_challenge": challenge, "code_challenge_method": method})
        cookie = (f"{self.state_cookie_name}={state}; Path={self.cookie_path}; Max-Age={STATE_MAX_AGE}; "
                  "HttpOnly; SameSite=Lax" + _secure(environ))
        return "302 Found", [("Location", location), ("Set-Cookie", cookie)]

    def callback(self, environ) -> tuple[str, list[tuple[str, str]]]:
        """Finish a login at ``PREFIX/oauth_callback``: (status, headers); 403 for a state that is not ours.

        The state in the URL must equal the one in the cookie this browser got when it left
        (RFC 6749 section 10.12, cross-site request forgery), and the code is traded with the
        PKCE verifier kept for it (RFC 7636).
        """
        query = parse_qs(environ.get("QUERY_STRING", ""))
        code = query.get("code", [""])[0]
        state = query.get("state", [""])[0]
        kept = _cookies(environ).get(self.state_cookie_name, "")
        if not code or not state or not kept or not hmac.compare_digest(state.encode(), kept.encode()):
            return "403 Forbidden", []
        next_url = self.auth.get_next_url(state)
        verifier = self.auth.get_code_verifier(state)
        self.auth.clear_oauth_state(state)
        try:
            token = self.auth.token_for_code(code, code_verifier=verifier)
        except Exception as exc:
            log.warning("The Hub did not finish a login: %s", exc)
            return "403 Forbidden", []
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            if len(self._tokens) >= MAX_SESSIONS:
                self._tokens.pop(next(iter(self._tokens)))
            self._tokens[session_id] = token
        if not isinstance(next_url, str) or not next_url.startswith(self.cookie_path.rstrip("/")) \
                or next_url.startswith("//"):
            next_url = self.cookie_path
        secure = _secure(environ)
        return "302 Found", [
            ("Location", next_url),
            ("Set-Cookie", f"{self.cookie_name}={session_id}; Path={self.cookie_path}; HttpOnly; SameSite=Lax{secure}"),
            ("Set-Cookie", f"{self.state_cookie_name}=; Path={self.cookie_path}; Max-Age=0; HttpOnly; SameSite=Lax{secure}"),
        ]


def wants_page(environ) -> bool:
    """Is this a browser navigating to a page (redirect it to the login), not a script (answer 403)?"""
    if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
        return False
    if environ.get("HTTP_HX_REQUEST") or environ.get("HTTP_X_REQUESTED_WITH"):
        return False
    mode = environ.get("HTTP_SEC_FETCH_MODE")
    if mode is not None:
        return mode == "navigate"
    return "text/html" in environ.get("HTTP_ACCEPT", "")


def _secure(environ) -> str:
    """``; Secure`` when the browser reached the Hub over HTTPS (the proxy says so in X-Forwarded-Proto)."""
    scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip() or environ.get("wsgi.url_scheme", "")
    return "; Secure" if scheme == "https" else ""


def _cookies(environ) -> dict[str, str]:
    cookie = SimpleCookie()
    try:
        cookie.load(environ.get("HTTP_COOKIE", ""))
    except Exception:
        return {}
    return {name: morsel.value for name, morsel in cookie.items()}


def _cookie_safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:100] or "hub"

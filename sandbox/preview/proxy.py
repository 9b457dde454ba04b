"""The learner's app through the sandbox's own port, for classroom mode (JupyterHub).

Under the Hub only the sandbox's port is routed to the browser, so a learner's preview is
reached through it, at ``PREFIX/preview/<key>/...``, and forwarded to the preview child on
loopback. The page frames it sandboxed without same-origin rights, and every answer says
``Content-Security-Policy: sandbox ...``, so the learner's page runs as an opaque origin even when
opened on its own: it can never read the sandbox's pages, cookies or CSRF token.

An opaque origin's requests carry no cookies (Chromium sends none on its subresources, fetches,
form posts or link clicks, and keeps none it is sent), so:

- each previewed workspace gets an unguessable key, and the key in the path is the request's
  only credential (compared with ``hmac.compare_digest``); the Hub's login cookie, which the
  frame's first load carries, never reaches the learner's app;
- the learner's cookies (a login, a CSRF cookie) live in a cookie jar kept here, one per key:
  ``Set-Cookie`` from the app fills it, and each request to the app carries what it holds.

The app's own URLs are moved under the mount in HTML, CSS and headers (``rewrite.Rebase``);
other bodies stream through untouched. The child still records every request it serves, so the
request inspector sees them as on the desktop.
"""

from __future__ import annotations

import hmac
import http.client
import http.cookiejar
import itertools
import logging
import secrets
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote, urlsplit

from sandbox.preview.manager import PreviewManager
from sandbox.preview.rewrite import CSS_TYPES, HTML_TYPES, Rebase, media_type

log = logging.getLogger(__name__)

SANDBOX_POLICY = "sandbox allow-scripts allow-forms allow-popups allow-modals; frame-ancestors 'self'"
TIMEOUT_SECONDS = 30.0  # no byte from the app for this long: the request ends (a loop that never ends)
CHUNK_BYTES = 64 * 1024
REWRITE_MAX_BYTES = 8 * 1024 * 1024  # a longer HTML or CSS body streams through unchanged
MAX_COOKIES = 300  # per key; a jar that grows past it starts again empty
MAX_CONCURRENT = 8  # proxied requests at once, so the sandbox's own pages always find a thread
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
                        "te", "trailer", "trailers", "transfer-encoding", "upgrade"})
NOT_FORWARDED = HOP_BY_HOP | {"host", "cookie", "content-length", "accept-encoding", "forwarded", "x-real-ip"}
NOT_RETURNED = HOP_BY_HOP | {"set-cookie", "set-cookie2", "x-frame-options", "referrer-policy",
                             "access-control-allow-origin", "access-control-allow-credentials",
                             "access-control-expose-headers"}
URL_HEADERS = {"location": "url", "content-location": "url", "refresh": "refresh", "hx-redirect": "url",
               "hx-push-url": "url", "hx-replace-url": "url", "hx-location": "htmx_location", "link": "link"}


@dataclass
class Target:
    """One previewed workspace, as the proxy knows it: whose, which folder, its key and cookies."""

    owner: object
    workspace: str
    key: str
    jar: http.cookiejar.CookieJar = field(repr=False)


@dataclass
class Answer:
    """What to send back: a status line, headers, and the body as an iterable of bytes (closed at the end)."""

    status: str
    headers: list[tuple[str, str]]
    body: Iterator[bytes]


class _LoopbackPolicy(http.cookiejar.DefaultCookiePolicy):
    """A browser on the desktop treats http://localhost as secure, so Secure cookies come back too."""

    def return_ok_secure(self, cookie, request):
        return True


class PreviewProxy:
    """Keys for the previews of one ``PreviewManager``, and the forwarding of requests to them.

    ``max_body_bytes``: the largest request body forwarded (the sandbox's own limit); ``timeout``:
    seconds the app may stay silent before the request ends with 504.
    """

    def __init__(self, manager: PreviewManager, *, max_body_bytes: int, timeout: float = TIMEOUT_SECONDS):
        self.manager = manager
        self.max_body_bytes = max_body_bytes
        self.timeout = timeout
        self._targets: dict[object, Target] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_CONCURRENT)

    def key_for(self, owner, workspace: str) -> str:
        """The key of ``owner``'s preview of ``workspace``: the same while it is that folder, a new one
        (with an empty cookie jar) for another folder. The previous key stops working."""
        with self._lock:
            target = self._targets.get(owner)
            if target is None or target.workspace != workspace:
                jar = http.cookiejar.CookieJar(_LoopbackPolicy())
                target = Target(owner, workspace, secrets.token_urlsafe(24), jar)
                self._targets[owner] = target
            return target.key

    def find(self, key: str) -> Target | None:
        """The target whose key is ``key`` (compared in constant time), else None."""
        given = key.encode("utf-8", "surrogateescape")
        found = None
        with self._lock:
            targets = list(self._targets.values())
        for target in targets:
            if hmac.compare_digest(given, target.key.encode()):
                found = target
        return found

    def forward(self, environ, target: Target, mount: str, path: str) -> Answer:
        """Send this WSGI request to ``target``'s app at ``path`` (a WSGI string, as PATH_INFO) and
        return its answer, rewritten for ``mount`` (the URL path of the app's root, no trailing slash).

        Never raises for what the app or the request does: a stopped app is 503, an app that cannot
        be reached 502, a silent one 504, a body over the limit 413, each as a short page.
        """
        status = self.manager.status(target.owner)
        if status is None or status.workspace != target.workspace:
            return notice("503 Service Unavailable", "Your app is not running here any more",
                          "Reload the lesson page: it starts your app again.")
        port = urlsplit(status.url).port
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method == "OPTIONS" and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
            return preflight(environ)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > self.max_body_bytes:
            return notice("413 Content Too Large", "This request is too large",
                          f"The sandbox passes at most {self.max_body_bytes // (1024 * 1024)} MB on to your app.")
        if not self._slots.acquire(timeout=self.timeout):
            return notice("503 Service Unavailable", "Your app is busy",
                          "Too many requests to your app are waiting at once. Try again in a moment.")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=self.timeout)
        done = Release(connection, self._slots)
        try:
            return self._forward(environ, target, Rebase(mount, own_origins(port)), path, method, length,
                                 connection, done)
        except BaseException:
            done()
            raise

    def _forward(self, environ, target, rebase, path, method, length, connection, done) -> Answer:
        origin = rebase.origins[0]
        target_path = quote(path.encode("latin-1", "replace"), safe="/:@!$&'()*+,;=~") or "/"
        if environ.get("QUERY_STRING"):
            target_path += "?" + environ["QUERY_STRING"]
        cookie_request = urllib.request.Request(origin.replace("localhost", "127.0.0.1", 1) + target_path,
                                                method=method)
        target.jar.add_cookie_header(cookie_request)
        try:
            connection.putrequest(method, target_path, skip_host=True, skip_accept_encoding=True)
            for name, value in request_headers(environ, origin, cookie_request.get_header("Cookie")):
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(length))
            connection.endheaders()
            send_body(connection, environ.get("wsgi.input"), length)
            response = connection.getresponse()
        except TimeoutError:
            done()
            return notice("504 Gateway Timeout", "Your app did not answer",
                          f"It sent nothing for {self.timeout:g} seconds. Is there a loop that never ends, or "
                          "something waiting forever? Fix it and save: the app restarts by itself.")
        except (OSError, http.client.HTTPException):
            done()
            return notice("502 Bad Gateway", "Your app is not answering",
                          "It may be starting, restarting after a save, or stopped with an error: see the "
                          "preview's status and console.")
        self._keep_cookies(target, response, cookie_request)
        headers = response_headers(response.getheaders(), rebase)
        status = f"{response.status} {response.reason or 'Unknown'}"
        content_type = response.getheader("Content-Type") or ""
        rewrite = media_type(content_type)[0] in HTML_TYPES + CSS_TYPES and not response.getheader("Content-Encoding")
        if rewrite:  # the length changes with the text
            headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
        if not rewrite or method == "HEAD":
            return Answer(status, headers + own_headers(), Body(pieces(response), done))
        first, rest = rewritten(pieces(response), rebase, content_type)
        if rest is None:
            headers.append(("Content-Length", str(len(first))))
        return Answer(status, headers + own_headers(), Body(iter([first]) if rest is None else rest, done))

    def _keep_cookies(self, target: Target, response, request) -> None:
        try:
            target.jar.extract_cookies(response, request)
        except Exception:  # a cookie the jar cannot read is dropped, as a browser would
            log.debug("A preview cookie could not be kept", exc_info=True)
        if len(target.jar) > MAX_COOKIES:
            log.info("The preview's cookie jar passed %d cookies: emptied", MAX_COOKIES)
            target.jar.clear()


class Release:
    """Closes the connection to the app and frees its slot, once, however the answer ends."""

    def __init__(self, connection: http.client.HTTPConnection, slots: threading.BoundedSemaphore):
        self.connection, self.slots = connection, slots
        self._lock = threading.Lock()
        self.done = False

    def __call__(self) -> None:
        with self._lock:
            if self.done:
                return
            self.done = True
        self.connection.close()
        self.slots.release()


class Body:
    """An answer's body for the WSGI server: iterated as it comes; the app is released when it ends,
    or on ``close()``, which the server calls when the browser went away, even before the first piece."""

    def __init__(self, chunks: Iterator[bytes], release: Release):
        self.chunks, self.release = chunks, release

    def __iter__(self):
        try:
            yield from self.chunks
        finally:
            self.release()

    def close(self) -> None:
        close = getattr(self.chunks, "close", None)
        try:
            if close is not None:
                close()
        finally:
            self.release()


def own_origins(port: int) -> list[str]:
    """The origins the app's pages may name as their own: the desktop's address first."""
    return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


def pieces(response) -> Iterator[bytes]:
    """The app's body in pieces as they come (an app that restarts mid-answer ends it there)."""
    try:
        while chunk := response.read1(CHUNK_BYTES):
            yield chunk
    except (OSError, http.client.HTTPException) as exc:
        log.debug("A preview answer ended early: %s", exc)


def rewritten(chunks: Iterator[bytes], rebase: Rebase, content_type: str) -> tuple[bytes, Iterator[bytes] | None]:
    """(the whole body rewritten, None) when it is at most REWRITE_MAX_BYTES; else (b"", the body
    unchanged, the pieces read so far first)."""
    held, size = [], 0
    for chunk in chunks:
        held.append(chunk)
        size += len(chunk)
        if size > REWRITE_MAX_BYTES:
            return b"", itertools.chain(held, chunks)
    data = b"".join(held)
    new = rebase.body(data, content_type)
    return (data if new is None else new), None


def request_headers(environ, own_origin: str, cookie: str | None) -> list[tuple[str, str]]:
    """The browser's headers as the app should see them: Host is the app's own, the sandbox's and
    Hub's cookies are replaced by the jar's, and the frame's opaque origin reads as the app's own
    (on the desktop its pages are same-origin with it). Bodies come unencoded (Accept-Encoding)."""
    headers = [("Host", own_origin.split("//", 1)[1]), ("Accept-Encoding", "identity")]
    if cookie:
        headers.append(("Cookie", cookie))
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
        elif key == "CONTENT_TYPE" and value:
            name = "Content-Type"
        else:
            continue
        lowered = name.lower()
        if lowered in NOT_FORWARDED or lowered.startswith("x-forwarded-"):
            continue
        if lowered == "origin" and value == "null":
            value = own_origin
        elif lowered == "sec-fetch-site" and value in ("cross-site", "same-site"):
            value = "same-origin"
        headers.append((name, value))
    return headers


def send_body(connection: http.client.HTTPConnection, source, length: int) -> None:
    """Pass ``length`` bytes of the request body on, a piece at a time."""
    left = length
    while left > 0 and source is not None:
        chunk = source.read(min(CHUNK_BYTES, left))
        if not chunk:
            break
        connection.send(chunk)
        left -= len(chunk)
    if left > 0:  # the browser sent less than it announced: the app must not wait for the rest
        raise http.client.HTTPException("the request body ended early")


def response_headers(headers, rebase: Rebase) -> list[tuple[str, str]]:
    """The app's headers with its URLs under the mount, its cookies kept back (they are in the jar),
    and its ``frame-ancestors`` left out (the proxy's own policy decides who frames the preview)."""
    out = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in NOT_RETURNED:
            continue
        if lowered in URL_HEADERS:
            value = getattr(rebase, URL_HEADERS[lowered])(value)
        elif lowered in ("content-security-policy", "content-security-policy-report-only"):
            value = "; ".join(d.strip() for d in value.split(";") if d.strip() and
                              d.split()[0].lower() != "frame-ancestors")
            if not value:
                continue
        out.append((name, value))
    return out


def own_headers() -> list[tuple[str, str]]:
    """What every proxied answer says: an opaque origin only the sandbox may frame; readable by the
    learner's own pages (whose requests, from that opaque origin, are cross-origin); and no Referer,
    which would carry the key to other sites."""
    return [("Content-Security-Policy", SANDBOX_POLICY), ("X-Frame-Options", "SAMEORIGIN"),
            ("Referrer-Policy", "no-referrer"), ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Expose-Headers", "*")]


def preflight(environ) -> Answer:
    """Answer a CORS preflight from the learner's page (its fetch with a header, an htmx request)."""
    headers = [("Access-Control-Allow-Methods", environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "GET")),
               ("Access-Control-Max-Age", "600"), ("Content-Length", "0")]
    asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
    if asked:
        headers.append(("Access-Control-Allow-Headers", asked))
    return Answer("204 No Content", headers + own_headers(), iter(()))


def notice(status: str, title: str, sentence: str) -> Answer:
    """A short page from the proxy itself, shown in the preview frame, with the same opaque origin."""
    body = (f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title><style>body{{font:15px/1.5 "
            f"system-ui,sans-serif;margin:1.5rem;color:#222}}</style><h1>{escape(title)}</h1>"
            f"<p>{escape(sentence)}</p>").encode()
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    return Answer(status, headers + own_headers(), iter([body]))

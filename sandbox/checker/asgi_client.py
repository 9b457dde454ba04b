"""A synchronous client for ASGI apps (FastAPI, Starlette, Django's ASGI handler...), with WebTest's shape.

``AsgiClient`` is what a check's ``client`` is on an ASGI app (``frameworks.client_for``), built on the
pack environment's Starlette ``TestClient`` and httpx; ``AsgiResponse`` is its answer, with the names
of WebTest's response. ``MissingLibrary``: the pack's environment lacks a library the sandbox needs for
the learner's framework (also raised for a Django project without Django).

Only the standard library is imported here up front: Starlette and httpx when a client is made.
"""

from __future__ import annotations

import importlib.util
import json as jsonlib
import sys
import urllib.parse
import warnings
from pathlib import Path

from sandbox.errors import LearnerCodeError

MISSING_CLIENT = ("The checks of this step talk to an ASGI app (FastAPI, Starlette...), which needs the "
                  "{library} library, and this pack's environment does not have it: the pack's author should add "
                  "\"{library}\" to requirements in pack.toml.")


class AsgiResponse:
    """One answer, with the names WebTest's response has: ``status_int``, ``status``, ``text``,
    ``body``, ``json``, ``headers``, ``content_type``, ``location``, ``follow()``."""

    def __init__(self, response, client: AsgiClient, url: str):
        self.raw = response  # the httpx response underneath
        self._client, self.request_url = client, url

    @property
    def status_int(self) -> int:
        return self.raw.status_code

    status_code = status_int

    @property
    def status(self) -> str:
        return f"{self.raw.status_code} {self.raw.reason_phrase}".strip()

    @property
    def text(self) -> str:
        return self.raw.text

    @property
    def body(self) -> bytes:
        return self.raw.content

    content = body

    @property
    def json(self):
        return self.raw.json()

    @property
    def headers(self):
        return self.raw.headers

    @property
    def content_type(self) -> str:
        return self.raw.headers.get("content-type", "").split(";", 1)[0].strip()

    @property
    def charset(self) -> str | None:
        return self.raw.charset_encoding

    @property
    def location(self) -> str | None:
        return self.raw.headers.get("location")

    @property
    def cookies(self) -> dict:
        return dict(self.raw.cookies)

    def follow(self, **kwargs) -> AsgiResponse:
        """The page a redirect points to (as WebTest's ``follow``)."""
        if not 300 <= self.status_int < 400 or not self.location:
            raise AssertionError(f"You can only follow redirect responses (not {self.status})")
        return self._client.get(urllib.parse.urljoin(self.request_url, self.location), **kwargs)

    def mustcontain(self, *strings) -> None:
        for text in strings:
            if text not in self.text:
                raise IndexError(f"Body does not contain string {text!r}")

    def __contains__(self, text) -> bool:
        return text in self.text

    def __str__(self) -> str:
        return f"Response: {self.status}\n{self.text}"

    __repr__ = __str__


class AsgiClient:
    """A synchronous test client on an ASGI app, shaped like WebTest's ``TestApp`` for the calls checks
    make: ``get``, ``post``, ``put``, ``patch``, ``delete``, ``head``, ``options``, ``post_json``,
    ``put_json``, ``patch_json``, ``delete_json``, each with ``status=`` / ``expect_errors=`` as in
    WebTest (without them a 4xx or 5xx answer raises ``webtest.AppError``). Starlette's
    ``TestClient`` does the work: the app's startup (lifespan) runs when the client is made, and an
    exception in a route reaches the check. ``client.raw`` is that TestClient, for anything else."""

    def __init__(self, app, base_url: str = "http://testserver"):
        if importlib.util.find_spec("starlette") is None:
            raise MissingLibrary(MISSING_CLIENT.format(library="starlette"))
        if importlib.util.find_spec("httpx2") is None and importlib.util.find_spec("httpx") is None:
            raise MissingLibrary(MISSING_CLIENT.format(library="httpx"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a newer Starlette prefers httpx2 to httpx: both work
            from starlette.testclient import TestClient

        self.app = app
        self.raw = TestClient(_lifespan_or_not(app), base_url=base_url, raise_server_exceptions=True,
                              follow_redirects=False)
        self._entered = False
        self.raw.__enter__()  # the app's lifespan: startup runs now, shutdown in close()
        self._entered = True

    def close(self) -> None:
        if self._entered:
            self._entered = False
            self.raw.__exit__(None, None, None)

    @property
    def cookies(self) -> dict:
        return dict(self.raw.cookies)

    def set_cookie(self, name: str, value: str) -> None:
        self.raw.cookies.set(name, value)

    def reset(self) -> None:
        self.raw.cookies.clear()

    # the verbs, with WebTest's arguments
    def get(self, url, params=None, headers=None, extra_environ=None, status=None, expect_errors=False, xhr=False):
        return self._do("GET", url, query=params, headers=headers, extra_environ=extra_environ, status=status,
                        expect_errors=expect_errors, xhr=xhr)

    def head(self, url, params=None, headers=None, extra_environ=None, status=None, expect_errors=False, xhr=False):
        return self._do("HEAD", url, query=params, headers=headers, extra_environ=extra_environ, status=status,
                        expect_errors=expect_errors, xhr=xhr)

    def options(self, url, headers=None, extra_environ=None, status=None, expect_errors=False, xhr=False):
        return self._do("OPTIONS", url, headers=headers, extra_environ=extra_environ, status=status,
                        expect_errors=expect_errors, xhr=xhr)

    def post(self, url, params="", **kwargs):
        return self._with_body("POST", url, params, **kwargs)

    def put(self, url, params="", **kwargs):
        return self._with_body("PUT", url, params, **kwargs)

    def patch(self, url, params="", **kwargs):
        return self._with_body("PATCH", url, params, **kwargs)

    def delete(self, url, params="", **kwargs):
        return self._with_body("DELETE", url, params, **kwargs)

    def post_json(self, url, params=None, **kwargs):
        return self._json("POST", url, params, **kwargs)

    def put_json(self, url, params=None, **kwargs):
        return self._json("PUT", url, params, **kwargs)

    def patch_json(self, url, params=None, **kwargs):
        return self._json("PATCH", url, params, **kwargs)

    def delete_json(self, url, params=None, **kwargs):
        return self._json("DELETE", url, params, **kwargs)

    def _json(self, method, url, params, **kwargs):
        body = jsonlib.dumps(params).encode() if params is not None else b""
        return self._with_body(method, url, body, content_type="application/json", **kwargs)

    def _with_body(self, method, url, params="", headers=None, extra_environ=None, status=None,
                   upload_files=None, expect_errors=False, content_type=None, xhr=False):
        headers = dict(headers or {})
        options: dict = {}
        if upload_files:  # WebTest's [(field, filename), (field, filename, content)...]
            options["files"] = [(item[0], (item[1], _bytes(item[2]) if len(item) > 2 else Path(item[1]).read_bytes()))
                                for item in upload_files]
            options["data"] = dict(params) if params else None
        elif isinstance(params, (dict, list, tuple)):  # a form, as a browser sends it
            options["content"] = urllib.parse.urlencode(params, doseq=True).encode()
            headers.setdefault("Content-Type", content_type or "application/x-www-form-urlencoded")
        elif params:
            options["content"] = _bytes(params)
        if content_type and not upload_files:
            headers.setdefault("Content-Type", content_type)
        return self._do(method, url, headers=headers, extra_environ=extra_environ, status=status,
                        expect_errors=expect_errors, xhr=xhr, **options)

    def _do(self, method, url, *, query=None, headers=None, extra_environ=None, status=None,
            expect_errors=False, xhr=False, **options):
        headers = dict(headers or {})
        for key, value in (extra_environ or {}).items():  # WebTest's way to set the Host, say
            if key.startswith("HTTP_"):
                headers.setdefault(key[5:].replace("_", "-").title(), value)
        if xhr:
            headers.setdefault("X-Requested-With", "XMLHttpRequest")
        if query:
            url += ("&" if "?" in url else "?") + (query if isinstance(query, str) else
                                                   urllib.parse.urlencode(query, doseq=True))
        entry = {"path": urllib.parse.urlsplit(url).path or "/", "status": None}
        _record(entry)
        response = AsgiResponse(self.raw.request(method, url, headers=headers, **options), self, url)
        entry["status"] = response.status_int
        _check_status(response, status, expect_errors, url)
        return response


def _lifespan_or_not(app):
    """``app``, answering the lifespan protocol for it when it does not speak it (Django's ASGIHandler
    refuses such a connection), as uvicorn's ``lifespan="auto"`` does; a startup that fails in an app
    that does speak it still fails the check."""

    async def asgi(scope, receive, send):
        if scope.get("type") != "lifespan":
            return await app(scope, receive, send)
        said, heard = [], []

        async def listen():
            message = await receive()
            heard.append(message)
            return message

        async def say(message):
            said.append(message)
            await send(message)

        try:
            await app(scope, listen, say)
        except Exception:
            if said:
                raise
            if not heard:
                await receive()  # lifespan.startup
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown, when the test ends
            await send({"type": "lifespan.shutdown.complete"})

    return asgi


def _bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


class MissingLibrary(LearnerCodeError):
    """The pack's environment lacks a library the sandbox needs for its framework (the pack author's to fix)."""


def _record(entry: dict) -> None:
    """Note the request for the explanations of a 404 (as ``explain.record_responses`` does for WebTest)."""
    explain = sys.modules.get("sandbox.checker.explain")
    if explain is not None:
        explain.RESPONSES.append(entry)


def _check_status(response: AsgiResponse, status, expect_errors: bool, url: str) -> None:
    """WebTest's rule: without ``status`` or ``expect_errors``, only 2xx and 3xx answers are fine."""
    from webtest import AppError

    code = response.status_int
    if status == "*" or (status is None and expect_errors):
        return
    if status is None:
        if 200 <= code < 400:
            return
        raise AppError("Bad response: %s (not 200 OK or 3xx redirect for %s)\n%s", response.status, url,
                       response.text[:2000])
    expected = list(status) if isinstance(status, (list, tuple)) else [status]
    if not any(code == want or str(want) == response.status or str(want) == str(code) for want in expected):
        raise AppError("Bad response: %s (not %s)\n%s", response.status, status if len(expected) > 1 else expected[0],
                       response.text[:2000])

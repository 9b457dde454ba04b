"""The sandbox's side of the classroom service (JupyterHub classroom mode): the packs offered to the
learner's class, and their progress sent after every passed step and at shutdown.

``ClassroomClient(base_url, api_token)`` talks to the service's JSON API at ``base_url`` (the
service's direct URL, ``SANDBOX_CLASSROOM_URL``, ending in ``/services/classroom/``) with the
sandbox's own Hub token: the service asks the Hub whose token it is, so it knows the learner and
their groups without trusting anything the sandbox says about them.

Every failure (no answer, a refusal, a malformed answer) is a ``ClassroomError`` whose text is one
sentence for the learner. Pushing runs on one background thread per client (``push_soon``), which
coalesces repeated pushes of one learner's pack and never raises: a failed push is logged, and the
next passed step or the shutdown (``push_all``) sends the newer report anyway.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from sandbox.classroom.reports import build_report
from sandbox.errors import ClassroomError, PackNotFound
from sandbox.packs.archive import MAX_BYTES
from sandbox.store.models import Learner, StepState

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds for one request
MAX_ZIP_BYTES = MAX_BYTES + 1024 * 1024  # as the service: a pack's zip is never larger than the pack, plus headers
MAX_JSON_BYTES = 1024 * 1024
SHUTDOWN_BUDGET = 1.5  # seconds push_all may take: the Hub's culler expects a stop within 2 s


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The token must never follow a redirect to another address: a redirect is an error."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class ClassroomClient:
    """The classroom service's API, as the Hub user owning ``api_token`` (the sandbox's JUPYTERHUB_API_TOKEN).

    ``base_url`` must be an http(s) URL; a missing trailing slash is added.
    """

    def __init__(self, base_url: str, api_token: str, *, timeout: float = TIMEOUT, max_zip_bytes: int = MAX_ZIP_BYTES):
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ClassroomError(f"The class's service address {base_url!r} is not an http address.")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.api_token, self.timeout, self.max_zip_bytes = api_token, timeout, max_zip_bytes
        self._pending: dict[tuple, Callable[[], object]] = {}
        self._wake = threading.Condition()
        self._worker: threading.Thread | None = None
        self._running = False

    # -- the API ---------------------------------------------------------------------------------

    def offers(self, *, timeout: float | None = None) -> list[dict]:
        """The packs offered to the learner's groups: dicts with ``id``, ``pack_id``, ``title``,
        ``version``, ``size`` (bytes) and ``group``, one per pack. ClassroomError when unreachable."""
        data = self._json(self._request("GET", "api/offers", limit=MAX_JSON_BYTES, timeout=timeout))
        offers = data.get("offers") if isinstance(data, dict) else None
        fields = {"id": str, "pack_id": str, "title": str, "version": str, "size": int, "group": str}
        if not isinstance(offers, list) or not all(
                isinstance(o, dict) and all(isinstance(o.get(k), t) for k, t in fields.items()) for o in offers):
            raise ClassroomError("The class's service answered with something that is not a list of packs.")
        return [{k: o[k] for k in fields} for o in offers]

    def download(self, offer_id: str) -> bytes:
        """The offered pack's zip, at most ``max_zip_bytes`` (ClassroomError when larger or unreachable)."""
        return self._request("GET", f"api/offers/{quote(offer_id, safe='')}/zip", limit=self.max_zip_bytes)

    def push(self, report: dict, *, timeout: float | None = None) -> dict:
        """Send a progress report (``reports.build_report``'s dict); the service's answer
        (``{"kept": bool, "learner": name, "pack_id": id}``). ClassroomError when refused or unreachable."""
        body = json.dumps(report, ensure_ascii=False).encode("utf-8")
        return self._json(self._request("POST", "api/reports", body=body, limit=MAX_JSON_BYTES, timeout=timeout))

    def _request(self, method: str, path: str, *, body: bytes | None = None, limit: int,
                 timeout: float | None = None) -> bytes:
        headers = {"Authorization": f"token {self.api_token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            request = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers)
            with _OPENER.open(request, timeout=self.timeout if timeout is None else timeout) as answer:
                length = answer.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > limit:
                    raise ClassroomError(_too_large(limit))
                data = answer.read(limit + 1)
        except urllib.error.HTTPError as exc:
            with exc:
                raise ClassroomError(_refusal(exc)) from None
        except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, a broken answer
            reason = getattr(exc, "reason", None) or exc
            raise ClassroomError(f"The class's service at {self.base_url} cannot be reached ({reason}); your work "
                                 "is kept here and is sent again after your next passed step.") from None
        if len(data) > limit:
            raise ClassroomError(_too_large(limit))
        return data

    @staticmethod
    def _json(data: bytes):
        try:
            return json.loads(data)
        except ValueError:
            raise ClassroomError("The class's service answered with something that is not JSON.") from None

    # -- in the background -----------------------------------------------------------------------

    def later(self, key: tuple, job: Callable[[], object]) -> None:
        """Run ``job`` on this client's background thread; a job still waiting under ``key`` is replaced."""
        with self._wake:
            self._pending.pop(key, None)
            self._pending[key] = job
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="classroom-push", daemon=True)
                self._worker.start()
            self._wake.notify()

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until no job is waiting or running (for tests and shutdown); True when idle."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._pending or self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(left)
        return True

    def _work(self) -> None:
        while True:
            with self._wake:
                if not self._pending and not self._wake.wait_for(lambda: self._pending, timeout=60):
                    self._worker = None
                    return
                key = next(iter(self._pending))
                job = self._pending.pop(key)
                self._running = True
            try:
                job()
            except Exception:  # a push never takes the sandbox down
                log.exception("A progress report for the class could not be prepared")
            finally:
                with self._wake:
                    self._running = False
                    self._wake.notify_all()


def _too_large(limit: int) -> str:
    return f"The class's service sent more than {limit // (1024 * 1024)} MB, more than a lesson pack can be."


def _refusal(exc: urllib.error.HTTPError) -> str:
    """The service's own sentence for a refusal (its JSON ``error``), else one naming the status."""
    try:
        sentence = json.loads(exc.read(64 * 1024)).get("error")
    except Exception:  # noqa: BLE001 - any unreadable body
        sentence = None
    if isinstance(sentence, str) and sentence.strip():
        return sentence.strip()[:500]
    if 300 <= exc.code < 400:
        return f"The class's service tried to send the sandbox elsewhere (HTTP {exc.code}); check SANDBOX_CLASSROOM_URL."
    return f"The class's service refused the request (HTTP {exc.code})."


# -- progress reports ------------------------------------------------------------------------------

def push_progress(services, learner_id: int, pack_id: str, *, timeout: float | None = None) -> dict | None:
    """Build ``learner_id``'s report on the installed pack ``pack_id`` and send it to the class.

    ``services`` is the launch's ``Services``; nothing is sent (None) when it has no classroom or the
    pack is not installed. The store is used on this thread (connected and left as it was).
    ClassroomError when the service refuses or cannot be reached.
    """
    client = services.classroom
    if client is None:
        return None
    try:
        pack = services.catalog.get(pack_id)
    except PackNotFound:
        return None
    was_closed = services.store.db.is_closed()
    services.store.connect()
    try:
        learner = Learner.get_or_none(Learner.id == learner_id)
        if learner is None:
            return None
        report = build_report(learner.id, learner.name, pack)
    finally:
        if was_closed:
            services.store.disconnect()
    return client.push(report, timeout=timeout)


def push_soon(services, learner_id: int, pack_id: str) -> None:
    """Send the learner's report on ``pack_id`` in the background (after a passed step); never raises."""
    client = getattr(services, "classroom", None)
    if client is None:
        return

    def job():
        try:
            push_progress(services, learner_id, pack_id)
        except ClassroomError as exc:
            log.warning("Progress not sent to the class: %s", exc)

    client.later(("progress", learner_id, pack_id), job)


def push_all(services, *, budget: float = SHUTDOWN_BUDGET) -> int:
    """At shutdown: send every learner's report on every installed pack they worked on, within ``budget``
    seconds in all; return how many the service took. Failures are logged, never raised."""
    client = services.classroom
    if client is None:
        return 0
    deadline = time.monotonic() + budget
    client.idle(timeout=max(0.0, budget / 3))  # a push already under way ends first
    installed = {pack.id for pack in services.catalog.packs()}
    was_closed = services.store.db.is_closed()
    services.store.connect()
    try:
        worked = sorted({(row.learner_id, row.pack_id) for row in StepState.select(StepState.learner, StepState.pack_id)
                         if row.pack_id in installed})
    finally:
        if was_closed:
            services.store.disconnect()
    sent = 0
    for learner_id, pack_id in worked:
        left = deadline - time.monotonic()
        if left <= 0.05:
            log.warning("Progress of %d pack(s) not sent to the class: the sandbox is stopping", len(worked) - sent)
            break
        try:
            push_progress(services, learner_id, pack_id, timeout=left)
            sent += 1
        except ClassroomError as exc:
            log.warning("Progress not sent to the class at shutdown: %s", exc)
    return sent

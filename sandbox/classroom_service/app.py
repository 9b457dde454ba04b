"""The classroom service's WSGI app: the instructors' pages and the learners' sandboxes' JSON API.

Served by the Hub's proxy under its prefix (``/services/classroom/``, passed whole in PATH_INFO),
and reached directly by learners' sandboxes at ``SANDBOX_CLASSROOM_URL``. Routes, below the prefix:

pages (a Hub login; members of the instructors' Hub group only, anyone else gets 403):
    GET  ``/``                               the offers, the publish form, the gradebooks
    POST ``/publish``                        form: ``pack`` (zip file), ``group``, ``csrf_token``
    POST ``/offers/<id>/withdraw``           form: ``csrf_token``
    GET  ``/gradebook?pack=ID[&group=G]``    the class table for one pack
    GET  ``/gradebook.csv?pack=ID[&group=G]`` the same as CSV (cells a spreadsheet would run are neutralised)
    GET  ``/oauth_callback``                 the end of a Hub login

the API (``Authorization: token <the sandbox's JUPYTERHUB_API_TOKEN>``; the Hub says whose it is):
    GET  ``/api/offers``                     ``{"offers": [{"id", "pack_id", "title", "version", "size",
                                             "sha256", "group", "published_at"}]}``, for the token owner's groups
    GET  ``/api/offers/<id>/zip``            the zip (404 unless offered to one of the owner's groups)
    POST ``/api/reports``                    a progress report (docs/progress-format.md) as the JSON body:
                                             ``{"kept": bool, "learner": hub user, "pack_id": id}``

Every API error is JSON ``{"error": sentence}``: 401 without a token, 403 for a token the Hub does
not know or that lacks the service's access scope, 404, 413, 422 for a report that is not valid.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import shutil
import tempfile
from functools import wraps
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from bottle import Bottle, HTTPResponse, request, response

from sandbox.classroom.gradebook import class_csv, class_view
from sandbox.classroom.reports import MAX_REPORT_BYTES, parse_report
from sandbox.classroom_service import views
from sandbox.classroom_service.store import MAX_ZIP_BYTES, ClassroomStore
from sandbox.errors import NotFound, PackError, ReportError, SandboxError
from sandbox.web.hub_login import wants_page

PREFIX = "/services/classroom/"
INSTRUCTORS = "instructors"
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'")
SECURITY_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
                    ("X-Frame-Options", "DENY"), ("Cache-Control", "no-store")]
_TOKEN = re.compile(r"(?:token|bearer)\s+(\S+)", re.IGNORECASE)


class Answer(Exception):
    """Stop a route with this status and sentence (a page for people, JSON for the API)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def api(route):
    """An API route: SandboxError and Answer become ``{"error": sentence}`` with their status."""
    @wraps(route)
    def answer(*args, **kwargs):
        try:
            return route(*args, **kwargs)
        except (Answer, SandboxError) as exc:
            return json_answer({"error": str(exc)}, exc.status)
    return answer


def json_answer(data: dict, status: int = 200) -> HTTPResponse:
    return HTTPResponse(json.dumps(data), status=status, headers={"Content-Type": "application/json"})


class ClassroomService:
    """The WSGI app. ``store`` keeps offers and reports; ``session`` is a ``sandbox.web.hub_login.HubSession``
    (or anything with its ``user``, ``user_for_token``, ``login``, ``callback`` and ``cookie_name``);
    ``instructors`` is the Hub group whose members get the pages."""

    def __init__(self, store: ClassroomStore, session, *, instructors: str = INSTRUCTORS, prefix: str = PREFIX):
        self.store, self.session, self.instructors = store, session, instructors
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"
        self._secret = secrets.token_bytes(32)
        app = self.bottle = Bottle()
        app.route("/", "GET", self.home)
        app.route("/publish", "POST", self.publish)
        app.route("/offers/<offer_id>/withdraw", "POST", self.withdraw)
        app.route("/gradebook", "GET", self.gradebook)
        app.route("/gradebook.csv", "GET", self.gradebook_csv)
        app.route("/oauth_callback", "GET", self.oauth_callback)
        app.route("/api/offers", "GET", api(self.api_offers))
        app.route("/api/offers/<offer_id>/zip", "GET", api(self.api_offer_zip))
        app.route("/api/reports", "POST", api(self.api_report))
        for status in (404, 405, 500):
            app.error(status)(self._plain_error)

    # -- WSGI: the prefix, the headers every answer carries ------------------------------------

    def __call__(self, environ, start_response):
        path, root = environ.get("PATH_INFO", ""), self.prefix.rstrip("/")
        if path == root:
            start_response("302 Found", [("Location", self.prefix), ("Content-Length", "0")])
            return [b""]
        if not path.startswith(self.prefix):
            body = b"Not found: the classroom service answers under " + self.prefix.encode() + b".\n"
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8"),
                                             ("Content-Length", str(len(body)))])
            return [body]
        environ = dict(environ, SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + root, PATH_INFO=path[len(root):])

        def start(status, headers, exc_info=None):
            have = {name.lower() for name, _ in headers}
            headers = list(headers) + [(n, v) for n, v in SECURITY_HEADERS if n.lower() not in have]
            if not any(n.lower() == "content-security-policy" for n, _ in headers):
                headers.append(("Content-Security-Policy", PAGE_CSP))
            return start_response(status, headers, exc_info)

        return self.bottle(environ, start)

    def _plain_error(self, error) -> str:
        response.content_type = "text/plain; charset=utf-8"
        return {404: "Not found.", 405: "That method is not allowed here."}.get(error.status_code,
                                                                               "The classroom service failed.")

    # -- who is asking -------------------------------------------------------------------------

    def _root(self) -> str:
        return request.environ.get("SCRIPT_NAME", "") + "/"

    def _page(self, status: int, message: str, user: str = "") -> HTTPResponse:
        body = views.PROBLEM.render(title="Classroom", user=user, root=self._root(), message=message)
        return HTTPResponse(body, status=status, headers={"Content-Type": "text/html; charset=utf-8"})

    def _instructor(self) -> dict:
        """The signed-in instructor's Hub model; otherwise raises the login redirect or a 403 page."""
        user = self.session.user(request.environ)
        if user is None:
            if wants_page(request.environ):
                status, headers = self.session.login(request.environ)
                answer = HTTPResponse(status=int(status.split()[0]))
                for name, value in headers:
                    answer.add_header(name, value)
                raise answer
            raise self._page(403, "Log in through the Hub first.")
        if self.instructors not in (user.get("groups") or []):
            raise self._page(403, f"This page is for instructors (members of the Hub group '{self.instructors}'); "
                                  f"you are logged in as {user.get('name')}.", user.get("name", ""))
        return user

    def _csrf(self) -> str:
        session = request.get_cookie(self.session.cookie_name) or ""
        return hmac.new(self._secret, session.encode(), hashlib.sha256).hexdigest()

    def _check_form(self, user: dict) -> None:
        """A state-changing form must come from this service's own page (same origin, CSRF token)."""
        site = request.get_header("Sec-Fetch-Site")
        origin = request.get_header("Origin")
        hosts = {request.get_header("Host"), *(request.get_header("X-Forwarded-Host") or "").split(",")}
        foreign_origin = origin is not None and urlsplit(origin).netloc not in {h.strip() for h in hosts if h}
        token = request.forms.get("csrf_token") or ""
        if site not in (None, "same-origin", "none") or foreign_origin or \
                not hmac.compare_digest(token.encode(), self._csrf().encode()):
            raise self._page(403, "That form did not come from this page; reload the page and try again.",
                             user.get("name", ""))

    def _token_user(self) -> dict:
        """The Hub user owning the request's API token (never a name from the request body)."""
        found = _TOKEN.fullmatch((request.get_header("Authorization") or "").strip())
        if not found:
            raise Answer(401, "Send the sandbox's Hub API token as 'Authorization: token ...'.")
        user = self.session.user_for_token(found.group(1))
        if user is None or not user.get("name"):
            raise Answer(403, "The Hub does not know this token, or does not let it use the classroom service.")
        return user

    # -- pages -----------------------------------------------------------------------------------

    def home(self, *, status: int = 200, notice: str = "", error: str = "", group: str = "", user=None):
        user = user or self._instructor()
        root = self._root()
        offers = [{**offer.public(), "published_by": offer.published_by, "size_text": views.size_text(offer.size)}
                  for offer in self.store.offers()]
        reported = [{**pack, "href": root + "gradebook?" + urlencode({"pack": pack["id"]}),
                     "csv": root + "gradebook.csv?" + urlencode({"pack": pack["id"]})}
                    for pack in self.store.reported_packs()]
        body = views.HOME.render(title="Classroom", user=user["name"], root=root, csrf=self._csrf(), offers=offers,
                                 reported=reported, notice=notice, error=error, group=group)
        return HTTPResponse(body, status=status, headers={"Content-Type": "text/html; charset=utf-8"})

    def publish(self):
        user = self._instructor()
        self._check_form(user)
        group = request.forms.getunicode("group") or ""
        upload = request.files.get("pack")
        if upload is None or not upload.raw_filename:
            return self.home(status=400, error="Choose a lesson pack file (.zip) to publish.", group=group, user=user)
        name = upload.raw_filename
        if not name.lower().endswith(".zip"):
            return self.home(status=400, error=f"{name} is not a .zip file.", group=group, user=user)
        staging = Path(tempfile.mkdtemp(prefix="upload-", dir=self.store.folder))
        try:
            archive = staging / (upload.filename or "pack.zip")  # Bottle's safe form of the file's name
            upload.save(str(archive))
            offer, previous = self.store.publish(archive, name, group, user["name"])
        except PackError as exc:
            return self.home(status=422, error=str(exc), group=group, user=user)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        replaced = f" (it replaces version {previous.version})" if previous else ""
        return self.home(notice=f"{offer.title} {offer.version} is now offered to the group '{offer.group}'"
                                f"{replaced}.", user=user)

    def withdraw(self, offer_id):
        user = self._instructor()
        self._check_form(user)
        try:
            offer = self.store.withdraw(offer_id)
        except NotFound as exc:
            return self.home(status=404, error=str(exc), user=user)
        return self.home(notice=f"{offer.title} is no longer offered to the group '{offer.group}'.", user=user)

    def _view(self) -> tuple[dict, str | None, str]:
        pack_id = request.query.getunicode("pack") or ""
        group = request.query.getunicode("group") or None
        found = self.store.reports_for(pack_id, group)
        if not found:
            raise self._page(404, "No learner has sent a report on that pack" + (" from that group." if group else "."))
        return class_view([entry["report"] for entry in found]), group, pack_id

    def gradebook(self):
        user = self._instructor()
        view, group, pack_id = self._view()
        root = self._root()
        link = lambda **q: root + "gradebook?" + urlencode({"pack": pack_id, **q})
        csv = root + "gradebook.csv?" + urlencode({"pack": pack_id, **({"group": group} if group else {})})
        groups = [{"name": name, "href": link(group=name)} for name in self.store.groups_reporting(pack_id)]
        body = views.GRADEBOOK.render(title=f"Gradebook: {view['pack']['title']}", user=user["name"], root=root,
                                      view=view, group=group, groups=groups, everyone=link(), csv=csv)
        return HTTPResponse(body, headers={"Content-Type": "text/html; charset=utf-8"})

    def gradebook_csv(self):
        self._instructor()
        view, group, pack_id = self._view()
        name = re.sub(r"[^a-z0-9-]+", "-", f"class-{pack_id}" + (f"-{group}" if group else "")).strip("-")
        return HTTPResponse(class_csv(view), headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f"attachment; filename=\"{name}.csv\"; filename*=UTF-8''{quote(name)}.csv"})

    def oauth_callback(self):
        status, headers = self.session.callback(request.environ)
        code = int(status.split()[0])
        if code >= 400:
            return self._page(code, "That login did not finish; open the classroom page again to log in.")
        answer = HTTPResponse(status=code)
        for name, value in headers:
            answer.add_header(name, value)
        return answer

    # -- the API ---------------------------------------------------------------------------------

    def api_offers(self):
        user = self._token_user()
        return json_answer({"offers": [o.public() for o in self.store.offers_for(user.get("groups") or [])]})

    def api_offer_zip(self, offer_id):
        user = self._token_user()
        offer = self.store.offer(offer_id)
        if offer is None or offer.group not in (user.get("groups") or []):
            raise Answer(404, "That pack is not offered to your class (any more); reload the Packs page.")
        data = self.store.offer_zip(offer)
        return HTTPResponse(data, headers={
            "Content-Type": "application/zip", "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
            "Content-Disposition": f"attachment; filename=\"{offer.pack_id}-{offer.version}.zip\""})

    def api_report(self):
        user = self._token_user()
        if (request.content_length or 0) > MAX_REPORT_BYTES:
            raise Answer(413, f"A progress report can be at most {MAX_REPORT_BYTES // (1024 * 1024)} MB.")
        data = request.body.read(MAX_REPORT_BYTES + 1)
        try:
            report = parse_report(data, "The report")
        except ReportError as exc:
            raise Answer(422, str(exc)) from None
        kept = self.store.keep_report(user["name"], list(user.get("groups") or []), report)
        return json_answer({"kept": kept, "learner": user["name"], "pack_id": report["pack"]["id"]})


def max_body_bytes() -> int:
    """The largest request body the service reads: a pack zip and its form."""
    return MAX_ZIP_BYTES + 64 * 1024

"""The classroom service (``sandbox.classroom_service``) and the sandbox's client of it
(``sandbox.classroom.hub_client``), without a real Hub.

The service logs people in with a real ``jupyterhub.services.auth.HubOAuth`` whose two calls to the
Hub are replaced: ``user_for_token`` returns the user models below (what the Hub's ``GET
/hub/api/user`` answers for each token), and ``token_for_code`` hands back the code as the token.
An instructor, two learners of the group ``class-1`` and an outsider. A learner's sandbox token
carries the service's access scope only because the deploy config grants it (HUB_CONFIG below);
``NO_SCOPE_TOKEN`` is what the token looks like without those lines.

The client is tested against the service's app served by a local Waitress on a free port, and the
Packs page against both.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from webtest import TestApp

from sandbox.classroom.hub_client import ClassroomClient, push_all, push_progress
from sandbox.classroom.reports import build_report, seal
from sandbox.classroom_service.app import ClassroomService
from sandbox.classroom_service.serve import listen_address, options
from sandbox.classroom_service.store import ClassroomStore, offer_id
from sandbox.errors import ClassroomError, ConfigError
from sandbox.packs.build import build_pack
from sandbox.packs.install import install_pack
from sandbox.web.hub_login import HubSession
from tests.conftest import wait_for
from tests.support import FIXTURE_PACK

PREFIX = "/services/classroom/"
HOST = "hub.example.org"
ACCESS = "access:services!service=classroom"

# The lines of deploy/jupyterhub/jupyterhub_config.py this service needs (docs/classroom.md shows them):
# a learner's server token must carry the service's access scope, and its user must hold that scope,
# since the Hub gives a server token only the scopes its owner has.
HUB_CONFIG = """
c.JupyterHub.load_roles.append({
    "name": "user",
    "scopes": ["self", "access:services!service=classroom"],
})
c.JupyterHub.load_roles.append({
    "name": "server",
    "scopes": ["users:activity!user", "access:servers!server", "access:services!service=classroom"],
})
"""


def oauth_model(name: str, groups: list[str]) -> dict:
    """What the Hub says for the OAuth token of a browser logged in to the service."""
    return {"kind": "user", "name": name, "admin": False, "groups": groups, "session_id": "s", "token_id": "t",
            "scopes": [ACCESS, f"read:users:groups!user={name}", f"read:users:name!user={name}"]}


def server_model(name: str, groups: list[str], *, scoped: bool = True) -> dict:
    """What the Hub says for a learner's sandbox token (JUPYTERHUB_API_TOKEN) under HUB_CONFIG."""
    scopes = [f"access:servers!server={name}/", f"users:activity!user={name}"] + ([ACCESS] if scoped else [])
    return {"kind": "user", "name": name, "admin": False, "groups": groups, "session_id": None, "token_id": "a1",
            "scopes": scopes}


TOKENS = {
    "teacher-oauth": oauth_model("teacher", ["instructors"]),
    "alice-oauth": oauth_model("alice", ["class-1"]),
    "alice-server": server_model("alice", ["class-1"]),
    "bob-server": server_model("bob", ["class-1", "choir"]),
    "eve-server": server_model("eve", []),
    "alice-noscope": server_model("alice", ["class-1"], scoped=False),
    "the-service": {"kind": "service", "name": "classroom", "scopes": [ACCESS]},
}


@pytest.fixture
def hub_oauth(monkeypatch):
    """A real HubOAuth, configured as the Hub configures a managed service, that never calls the Hub."""
    from jupyterhub.services.auth import HubOAuth

    auth = HubOAuth(api_token="service-secret", oauth_client_id="service-classroom",
                    api_url="http://127.0.0.1:9/hub/api", base_url=PREFIX, hub_prefix="/hub/",
                    oauth_redirect_uri=f"https://{HOST}{PREFIX}oauth_callback",
                    access_scopes={"access:services", ACCESS}, cache_max_age=60)
    asked = []

    def user_for_token(token, use_cache=True, session_id="", *, sync=True):
        asked.append(token)
        return TOKENS.get(token)

    monkeypatch.setattr(auth, "user_for_token", user_for_token)
    monkeypatch.setattr(auth, "token_for_code", lambda code, *, code_verifier=None, sync=True: code)
    auth.asked = asked
    return auth


@pytest.fixture
def class_store(tmp_path):
    store = ClassroomStore(tmp_path / "classroom")
    yield store
    store.close()


@pytest.fixture
def service(class_store, hub_oauth):
    return ClassroomService(class_store, HubSession(hub_oauth, PREFIX), instructors="instructors", prefix=PREFIX)


@pytest.fixture
def web(service):
    return TestApp(service, extra_environ={"HTTP_HOST": HOST, "wsgi.url_scheme": "https"})


def login(web, token: str) -> TestApp:
    """Log ``web`` in through the Hub as the owner of the OAuth token ``token``."""
    r = web.get(PREFIX, headers={"Accept": "text/html"}, status=302)
    state = parse_qs(urlsplit(r.location).query)["state"][0]
    r = web.get(PREFIX + "oauth_callback", {"code": token, "state": state}, status=302)
    assert r.location.endswith(PREFIX)
    return web


@pytest.fixture
def teacher(web):
    login(web, "teacher-oauth")
    web.csrf = csrf_of(web.get(PREFIX).text)
    return web


def csrf_of(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def pack_zip(tmp_path: Path, version: str = "1.0.0", title: str = "Hello, web") -> Path:
    folder = tmp_path / f"pack-{version}"
    if not folder.exists():
        shutil.copytree(FIXTURE_PACK, folder)
        manifest = folder / "pack.toml"
        text = manifest.read_text().replace('version = "1.0.0"', f'version = "{version}"')
        manifest.write_text(text.replace('title = "Hello, web"', f'title = "{title}"'))
    return build_pack(folder, tmp_path / f"hello-{version}.zip")


def publish(teacher, archive: Path, group: str = "class-1", status: int = 200, **extra):
    fields = {"group": group, "csrf_token": teacher.csrf, **extra}
    return teacher.post(PREFIX + "publish", fields, upload_files=[("pack", archive.name, archive.read_bytes())],
                        status=status)


def api(web, method: str, path: str, token: str | None, status: int = 200, **kw):
    headers = {"Authorization": f"token {token}"} if token else {}
    send = web.get if method == "GET" else web.post
    return send(PREFIX + "api/" + path, headers=headers, status=status, **kw)


def report_for(name: str, passed: int = 1, generated_at: str = "2026-11-25T19:01:44Z") -> dict:
    """A sealed progress report on the fixture pack, with ``passed`` of its steps passed."""
    from sandbox.packs.reader import load_pack

    pack = load_pack(FIXTURE_PACK)
    report = build_report(0, name, None)
    steps = []
    for lesson in pack.lessons:
        steps.append({"id": lesson.id, "title": lesson.title, "steps": [{
            "id": step.id, "title": step.title, "kind": step.kind,
            "status": "passed" if len(steps) == 0 and i < passed else "not-started",
            "attempts": 1 if len(steps) == 0 and i < passed else 0, "first_pass_seconds": None,
            "hints_used": 0, "hints_available": len(step.hints), "solution_viewed": False, "seconds_spent": 0,
            "first_opened_at": None, "passed_at": None} for i, step in enumerate(lesson.steps)]})
    content = {k: v for k, v in report.items() if k != "checksum"}
    content.update(generated_at=generated_at, lessons=steps,
                   pack={"id": pack.id, "title": pack.title, "version": pack.version})
    return seal(content)


# -- logging in, and who gets the pages ---------------------------------------------------------


def test_a_page_without_a_login_goes_to_the_hubs_login_and_a_script_gets_403(web):
    r = web.get(PREFIX, headers={"Accept": "text/html"}, status=302)
    assert r.location.startswith("/hub/api/oauth2/authorize?") and "client_id=service-classroom" in r.location
    assert "code_challenge=" in r.location and f"Path={PREFIX}" in r.headers["Set-Cookie"]
    r = web.get(PREFIX, headers={"Accept": "application/json"}, status=403)
    assert "Log in through the Hub first." in r.text
    web.post(PREFIX + "publish", {"group": "class-1"}, status=403)


def test_an_instructor_logs_in_through_the_hub_and_gets_the_page(teacher):
    page = teacher.get(PREFIX).text
    assert "Publish a pack" in page and "teacher" in page and "No pack is offered yet." in page
    assert "Content-Security-Policy" in teacher.get(PREFIX).headers
    assert teacher.get(PREFIX).headers["X-Frame-Options"] == "DENY"


def test_a_learner_logged_in_to_the_service_gets_403_on_every_page(web, class_store, tmp_path):
    login(web, "alice-oauth")
    for path in ("", "gradebook?pack=hello-web", "gradebook.csv?pack=hello-web"):
        r = web.get(PREFIX + path, status=403)
        assert "for instructors" in r.text and "alice" in r.text
    r = web.post(PREFIX + "publish", {"group": "class-1"},
                 upload_files=[("pack", "p.zip", pack_zip(tmp_path).read_bytes())], status=403)
    assert class_store.offers() == []


def test_a_login_coming_back_with_another_state_is_refused(web):
    web.get(PREFIX, headers={"Accept": "text/html"}, status=302)
    r = web.get(PREFIX + "oauth_callback", {"code": "teacher-oauth", "state": "forged"}, status=403)
    assert "did not finish" in r.text
    web.get(PREFIX, headers={"Accept": "application/json"}, status=403)


def test_only_the_prefix_is_served(web):
    assert web.get(PREFIX.rstrip("/"), status=302).location.endswith(PREFIX)
    web.get("/services/other/", status=404)
    web.get(PREFIX + "nope", status=404)


# -- publishing -------------------------------------------------------------------------------------


def test_a_published_pack_is_offered_to_its_groups_learners_only(teacher, tmp_path):
    archive = pack_zip(tmp_path)
    r = publish(teacher, archive)
    assert "Hello, web 1.0.0 is now offered to the group &#039;class-1&#039;." in r.text
    offers = api(teacher, "GET", "offers", "alice-server").json["offers"]
    assert offers == [{"id": offer_id("hello-web", "class-1"), "pack_id": "hello-web", "title": "Hello, web",
                       "version": "1.0.0", "size": archive.stat().st_size,
                       "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(), "group": "class-1",
                       "published_at": offers[0]["published_at"]}]
    assert api(teacher, "GET", "offers", "bob-server").json["offers"] == offers
    assert api(teacher, "GET", "offers", "eve-server").json == {"offers": []}
    zipped = api(teacher, "GET", f"offers/{offers[0]['id']}/zip", "alice-server")
    assert zipped.body == archive.read_bytes() and zipped.content_type == "application/zip"
    api(teacher, "GET", f"offers/{offers[0]['id']}/zip", "eve-server", status=404)
    api(teacher, "GET", "offers/0123456789abcdef01234567/zip", "alice-server", status=404)


def test_publishing_a_new_version_replaces_the_offer(teacher, tmp_path, class_store):
    publish(teacher, pack_zip(tmp_path, "1.0.0"))
    newer = pack_zip(tmp_path, "1.1.0", title="Hello again")
    r = publish(teacher, newer)
    assert "Hello again 1.1.0 is now offered" in r.text and "replaces version 1.0.0" in r.text
    offers = api(teacher, "GET", "offers", "alice-server").json["offers"]
    assert [(o["version"], o["title"]) for o in offers] == [("1.1.0", "Hello again")]
    assert api(teacher, "GET", f"offers/{offers[0]['id']}/zip", "alice-server").body == newer.read_bytes()
    assert len(class_store.offers()) == 1 and len(list(class_store.offers_dir.iterdir())) == 1


def test_a_learner_in_two_groups_gets_each_pack_once_at_its_highest_version(teacher, tmp_path):
    publish(teacher, pack_zip(tmp_path, "1.0.0"), group="class-1")
    publish(teacher, pack_zip(tmp_path, "2.0.0"), group="choir")
    assert [o["version"] for o in api(teacher, "GET", "offers", "bob-server").json["offers"]] == ["2.0.0"]
    assert [o["version"] for o in api(teacher, "GET", "offers", "alice-server").json["offers"]] == ["1.0.0"]


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data", "status", "sentence"), [
    ("evil.zip", zip_of({"../evil.txt": b"x"}), 422, "evil.zip was not published: ../evil.txt in "),
    ("bad.zip", zip_of({"pack.toml": b'format = 1\nid = "Bad Id"\ntitle = 3\n'}), 422,
     "bad.zip was not published: pack.toml line"),
    ("empty.zip", zip_of({"readme.txt": b"hello"}), 422, "empty.zip was not published: empty.zip has no pack.toml"),
    ("broken.zip", b"PK\x03\x04 not really a zip", 422, "broken.zip was not published"),
    ("notes.txt", b"hello", 400, "notes.txt is not a .zip file."),
])
def test_a_refused_zip_gets_one_sentence_and_nothing_is_offered(teacher, class_store, tmp_path, name, data, status,
                                                                 sentence):
    r = teacher.post(PREFIX + "publish", {"group": "class-1", "csrf_token": teacher.csrf},
                     upload_files=[("pack", name, data)], status=status)
    error = r.text.split('role="alert">', 1)[1].split("</p>", 1)[0]
    assert sentence.replace("'", "&#039;") in error and "\n" not in error and "installed" not in error, error
    assert error.endswith(".") and not error.endswith(".."), error
    assert class_store.offers() == [] and list(class_store.offers_dir.iterdir()) == []
    assert not (tmp_path / "evil.txt").exists() and not (class_store.folder / "evil.txt").exists()
    assert not [p for p in class_store.folder.iterdir() if p.name.startswith("upload-")]  # no upload left behind


def test_a_pack_needs_a_group_and_a_file(teacher, tmp_path, class_store):
    r = publish(teacher, pack_zip(tmp_path), group="  ", status=422)
    assert "Name the Hub group of learners the pack is for." in r.text
    r = teacher.post(PREFIX + "publish", {"group": "class-1", "csrf_token": teacher.csrf}, status=400)
    assert "Choose a lesson pack file (.zip) to publish." in r.text
    assert class_store.offers() == []


def test_a_form_from_another_page_or_origin_is_refused(teacher, tmp_path, class_store):
    archive = pack_zip(tmp_path)
    publish(teacher, archive, status=403, csrf_token="forged")
    r = teacher.post(PREFIX + "publish", {"group": "class-1", "csrf_token": teacher.csrf},
                     upload_files=[("pack", archive.name, archive.read_bytes())],
                     headers={"Origin": "https://evil.example"}, status=403)
    assert "did not come from this page" in r.text
    teacher.post(PREFIX + "publish", {"group": "class-1", "csrf_token": teacher.csrf},
                 upload_files=[("pack", archive.name, archive.read_bytes())],
                 headers={"Sec-Fetch-Site": "same-site"}, status=403)
    assert class_store.offers() == []
    teacher.post(PREFIX + "publish", {"group": "class-1", "csrf_token": teacher.csrf},
                 upload_files=[("pack", archive.name, archive.read_bytes())],
                 headers={"Origin": f"https://{HOST}", "Sec-Fetch-Site": "same-origin"}, status=200)
    assert len(class_store.offers()) == 1


def test_an_offer_can_be_withdrawn(teacher, tmp_path, class_store):
    publish(teacher, pack_zip(tmp_path))
    the_id = offer_id("hello-web", "class-1")
    r = teacher.post(PREFIX + f"offers/{the_id}/withdraw", {"csrf_token": teacher.csrf})
    assert "Hello, web is no longer offered to the group &#039;class-1&#039;." in r.text
    assert api(teacher, "GET", "offers", "alice-server").json == {"offers": []}
    api(teacher, "GET", f"offers/{the_id}/zip", "alice-server", status=404)
    teacher.post(PREFIX + f"offers/{the_id}/withdraw", {"csrf_token": teacher.csrf}, status=404)
    teacher.post(PREFIX + "offers/..%2F..%2Fx/withdraw", {"csrf_token": teacher.csrf}, status=404)


# -- the API's token ----------------------------------------------------------------------------------


def test_the_api_needs_a_hub_token_with_the_services_access_scope(web, hub_oauth):
    r = api(web, "GET", "offers", None, status=401)
    assert r.json == {"error": "Send the sandbox's Hub API token as 'Authorization: token ...'."}
    for token in ("unknown", "alice-noscope", "the-service"):
        r = api(web, "GET", "offers", token, status=403)
        assert "does not know this token, or does not let it use the classroom service" in r.json["error"]
    api(web, "POST", "reports", "alice-noscope", status=403, params=json.dumps(report_for("alice")),
        content_type="application/json")
    assert hub_oauth.asked.count("alice-noscope") == 2
    # a browser's login cookie is never an API token
    login(web, "teacher-oauth")
    api(web, "GET", "offers", None, status=401)


# -- reports and the gradebook ------------------------------------------------------------------------


def push_report(web, token: str, report: dict, status: int = 200):
    return api(web, "POST", "reports", token, status=status, params=json.dumps(report), content_type="application/json")


def test_a_report_is_kept_under_the_hub_users_name_never_the_one_it_carries(teacher, class_store):
    r = push_report(teacher, "alice-server", report_for("Mallory"))
    assert r.json == {"kept": True, "learner": "alice", "pack_id": "hello-web"}
    kept = class_store.reports_for("hello-web")
    assert [(k["report"]["learner"]["name"], k["groups"]) for k in kept] == [("alice", ["class-1"])]
    page = teacher.get(PREFIX + "gradebook", {"pack": "hello-web"}).text
    assert "alice" in page and "Mallory" not in page


def test_the_latest_report_per_learner_and_pack_is_kept(web, class_store):
    push_report(web, "alice-server", report_for("alice", passed=1, generated_at="2026-11-25T10:00:00Z"))
    push_report(web, "alice-server", report_for("alice", passed=2, generated_at="2026-11-25T11:00:00Z"))
    r = push_report(web, "alice-server", report_for("alice", passed=0, generated_at="2026-11-25T09:00:00Z"))
    assert r.json["kept"] is False
    push_report(web, "bob-server", report_for("bob", passed=1))
    kept = {k["report"]["learner"]["name"]: k["report"] for k in class_store.reports_for("hello-web")}
    assert sorted(kept) == ["alice", "bob"] and kept["alice"]["generated_at"] == "2026-11-25T11:00:00Z"


@pytest.mark.parametrize(("body", "status", "sentence"), [
    (b"{not json", 422, "The report is not valid JSON"),
    (json.dumps({**report_for("alice"), "lessons": []}).encode(), 422, "was changed after the sandbox wrote it"),
    (json.dumps({**report_for("alice"), "extra": 1}).encode(), 422, "The report is not a valid progress report"),
    (json.dumps(seal({k: v for k, v in build_report(0, "alice", None).items() if k != "checksum"})).encode(), 422,
     "This report covers no lesson pack"),
    (b" " * (5 * 1024 * 1024 + 1), 413, "A progress report can be at most 5 MB."),
])
def test_a_report_that_is_not_valid_is_refused_with_a_sentence(web, class_store, body, status, sentence):
    r = web.post(PREFIX + "api/reports", body, headers={"Authorization": "token alice-server"},
                 content_type="application/json", status=status)
    assert sentence in r.json["error"]
    assert class_store.reports_for("hello-web") == []


def test_the_gradebook_and_its_csv_reuse_the_sandboxs_gradebook(teacher, class_store, monkeypatch):
    monkeypatch.setitem(TOKENS, "formula-server", server_model("=HYPERLINK(1)", ["choir"]))
    push_report(teacher, "alice-server", report_for("alice", passed=2))
    push_report(teacher, "bob-server", report_for("bob", passed=1))
    push_report(teacher, "formula-server", report_for("x", passed=0))
    home = teacher.get(PREFIX).text
    assert "Hello, web" in home and "<td>3</td>" in home and "gradebook?pack=hello-web" in home
    page = re.sub(r">\s+<", "><", " ".join(teacher.get(PREFIX + "gradebook", {"pack": "hello-web"}).text.split()))
    assert "3 learners" in page and "<td>alice</td><td>50%</td><td>2/3</td><td>0/1</td>" in page
    assert "<td>=HYPERLINK(1)</td>" in page  # a page shows it as text; only the CSV needs neutralising
    csv_answer = teacher.get(PREFIX + "gradebook.csv", {"pack": "hello-web"})
    assert csv_answer.content_type == "text/csv" and "attachment" in csv_answer.headers["Content-Disposition"]
    rows = csv_answer.text.splitlines()
    assert rows[0].startswith("learner,completion_percent,steps_passed")
    assert [row.split(",")[0] for row in rows[1:]] == ["'=HYPERLINK(1)", "alice", "bob"]
    assert rows[2].startswith("alice,50,2,4,")
    choir = teacher.get(PREFIX + "gradebook.csv", {"pack": "hello-web", "group": "choir"}).text.splitlines()
    assert [row.split(",")[0] for row in choir[1:]] == ["'=HYPERLINK(1)", "bob"]
    teacher.get(PREFIX + "gradebook", {"pack": "nope"}, status=404)


# -- the service as a process -----------------------------------------------------------------------


def test_the_service_reads_where_to_listen_from_the_hub():
    env = {"JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:10101", "JUPYTERHUB_API_TOKEN": "x",
           "JUPYTERHUB_SERVICE_PREFIX": "/services/classroom/"}
    assert listen_address(env) == ("127.0.0.1", 10101, "/services/classroom/")
    on_kubernetes = {**env, "JUPYTERHUB_SERVICE_URL": "http://hub:10101", "SANDBOX_CLASSROOM_BIND": "0.0.0.0"}
    assert listen_address(on_kubernetes) == ("0.0.0.0", 10101, "/services/classroom/")
    with pytest.raises(ConfigError, match="started by JupyterHub"):
        listen_address({})
    with pytest.raises(ConfigError, match="not an http address with a host and a port"):
        listen_address({**env, "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1"})
    args = options([], {"SANDBOX_CLASSROOM_DATA": "/srv/class", "SANDBOX_CLASSROOM_INSTRUCTORS": "teachers"})
    assert (args.data_dir, args.instructors) == (Path("/srv/class"), "teachers")
    assert options(["--instructors", "staff"], {}).instructors == "staff"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_python_m_sandbox_classroom_service_serves_where_the_hub_says(tmp_path):
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("JUPYTERHUB_")},
           "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}", "JUPYTERHUB_SERVICE_PREFIX": PREFIX,
           "JUPYTERHUB_SERVICE_NAME": "classroom", "JUPYTERHUB_API_TOKEN": "secret",
           "JUPYTERHUB_CLIENT_ID": "service-classroom", "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",
           "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{PREFIX}oauth_callback", "SANDBOX_CLASSROOM_DATA": str(tmp_path / "d")}
    with (tmp_path / "service.log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "sandbox.classroom_service"], env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        import urllib.error
        import urllib.request

        def answer():
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{PREFIX}api/offers", timeout=2)
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read())
            except OSError:
                return None

        assert wait_for(lambda: answer() or proc.poll() is not None, 20, "the service to answer") == (401, {
            "error": "Send the sandbox's Hub API token as 'Authorization: token ...'."})
        assert (tmp_path / "d" / "classroom.db").exists()
    finally:
        proc.terminate()
        proc.wait(10)
    bare = subprocess.run([sys.executable, "-m", "sandbox.classroom_service"], check=False, capture_output=True,
                          text=True,
                          env={k: v for k, v in os.environ.items() if not k.startswith("JUPYTERHUB_")}, timeout=60)
    assert bare.returncode == 1 and "started by JupyterHub" in bare.stderr and "Traceback" not in bare.stderr


# -- the sandbox's client, against the service served by Waitress ---------------------------------------


@pytest.fixture
def live(service):
    """The service's app on a free loopback port; its direct URL (``SANDBOX_CLASSROOM_URL``)."""
    from sandbox.launch.server import EmbeddedServer

    server = EmbeddedServer(service, host="127.0.0.1", port=0, max_body_bytes=64 * 1024 * 1024, threads=4)
    server.start()
    yield f"http://127.0.0.1:{server.port}{PREFIX}"
    server.stop()


@pytest.fixture
def published(teacher, tmp_path) -> Path:
    archive = pack_zip(tmp_path)
    publish(teacher, archive)
    return archive


def test_the_client_lists_downloads_and_pushes_as_the_tokens_owner(live, published, class_store):
    alice = ClassroomClient(live, "alice-server")
    offers = alice.offers()
    assert [(o["pack_id"], o["title"], o["version"], o["size"]) for o in offers] == [
        ("hello-web", "Hello, web", "1.0.0", published.stat().st_size)]
    assert alice.download(offers[0]["id"]) == published.read_bytes()
    assert alice.push(report_for("Somebody else")) == {"kept": True, "learner": "alice", "pack_id": "hello-web"}
    assert [k["report"]["learner"]["name"] for k in class_store.reports_for("hello-web")] == ["alice"]
    assert ClassroomClient(live, "eve-server").offers() == []


def test_the_clients_failures_are_one_sentence(live, published, tmp_path):
    alice = ClassroomClient(live, "alice-server")
    with pytest.raises(ClassroomError, match="That pack is not offered to your class"):
        alice.download("0123456789abcdef01234567")
    with pytest.raises(ClassroomError, match="does not know this token"):
        ClassroomClient(live, "unknown").offers()
    with pytest.raises(ClassroomError, match="was changed after the sandbox wrote it"):
        alice.push({**report_for("alice"), "lessons": []})
    with pytest.raises(ClassroomError, match="more than 0 MB, more than a lesson pack can be"):
        ClassroomClient(live, "alice-server", max_zip_bytes=100).download(offer_id("hello-web", "class-1"))
    gone = f"http://127.0.0.1:{free_port()}{PREFIX}"
    with pytest.raises(ClassroomError, match=r"The class's service at .* cannot be reached \(.*\); your work is kept"):
        ClassroomClient(gone, "alice-server").offers()
    with pytest.raises(ClassroomError, match="is not an http address"):
        ClassroomClient("file:///etc/", "alice-server")


def test_the_client_never_follows_a_redirect_with_its_token(live):
    seen = []

    def elsewhere(environ, start_response):
        seen.append(environ.get("HTTP_AUTHORIZATION"))
        start_response("302 Found", [("Location", live + "api/offers")])
        return [b""]

    from sandbox.launch.server import EmbeddedServer

    server = EmbeddedServer(elsewhere, host="127.0.0.1", port=0, max_body_bytes=1024, threads=1)
    server.start()
    try:
        with pytest.raises(ClassroomError, match=r"tried to send the sandbox elsewhere \(HTTP 302\)"):
            ClassroomClient(f"http://127.0.0.1:{server.port}/", "alice-server").offers()
    finally:
        server.stop()
    assert seen == ["token alice-server"]


# -- the sandbox: the Packs page and progress -------------------------------------------------------------


def test_the_packs_page_offers_the_class_packs_and_installs_one(client, services, settings, live, published,
                                                                tmp_path, teacher):
    services.classroom = ClassroomClient(live, "alice-server")
    page = client.get("/packs").text
    assert "Offered by your class" in page and "Hello, web" in page
    action = f"/packs/offered/{offer_id('hello-web', 'class-1')}/install"
    assert f'action="{action}"' in page and ">Install</button>" in page
    r = client.post(action, {"csrf_token": client.csrf})
    assert "Installed Hello, web 1.0.0." in r.text and ">Installed</td>" in r.text
    assert [p.id for p in services.catalog.packs()] == ["hello-web"]
    publish(teacher, pack_zip(tmp_path, "1.1.0"))
    page = client.get("/packs").text
    assert ">Update from 1.0.0</button>" in page
    assert "Upgraded Hello, web from 1.0.0 to 1.1.0" in client.post(action, {"csrf_token": client.csrf}).text
    assert not [p for p in settings.data_dir.iterdir() if p.name.startswith("offered-")]


def test_an_offered_zip_goes_through_the_sandboxs_checked_installer(client, services, settings, live, published,
                                                                   class_store):
    """A zip changed on the service's disk after it was checked is still refused by the sandbox."""
    (class_store.offers_dir / f"{offer_id('hello-web', 'class-1')}.zip").write_bytes(zip_of({"../evil.txt": b"x"}))
    services.classroom = ClassroomClient(live, "alice-server")
    r = client.post(f"/packs/offered/{offer_id('hello-web', 'class-1')}/install", {"csrf_token": client.csrf},
                    status=422)
    assert "Hello, web 1.0.0 from your class was not installed" in r.text and "../evil.txt" in r.text
    assert services.catalog.packs() == [] and not (settings.data_dir / "evil.txt").exists()


def test_the_packs_page_says_when_the_class_cannot_be_reached_or_offers_nothing(client, services, live):
    services.classroom = ClassroomClient(f"http://127.0.0.1:{free_port()}{PREFIX}", "alice-server")
    page = client.get("/packs").text
    assert "Offered by your class" in page and "cannot be reached" in page and "Install a pack" in page
    r = client.post(f"/packs/offered/{'0' * 24}/install", {"csrf_token": client.csrf}, status=502)
    assert "cannot be reached" in r.text
    services.classroom = ClassroomClient(live, "alice-server")
    assert "Your class offers no lesson pack yet." in client.get("/packs").text
    r = client.post(f"/packs/offered/{'0' * 24}/install", {"csrf_token": client.csrf}, status=404)
    assert "not offered to your class" in r.text


def test_outside_a_class_the_packs_page_offers_nothing(client, services):
    assert services.classroom is None
    assert "Offered by your class" not in client.get("/packs").text
    r = client.post(f"/packs/offered/{'0' * 24}/install", {"csrf_token": client.csrf}, status=404)
    assert "not part of a class" in r.text


GOOD = 'from bottle import Bottle\n\napp = Bottle()\n\n\n@app.route("/")\ndef home():\n    return "Hello, web!"\n'
STEP = "/learn/hello-web/01-first-routes/hello"


def test_a_passed_step_sends_the_learners_progress_in_the_background(client, services, settings, live,
                                                                      class_store):
    install_pack(FIXTURE_PACK, settings.packs_dir)
    services.classroom = ClassroomClient(live, "alice-server")
    client.post(STEP + "/check", {"file:app.py": GOOD.replace("Hello, web!", "Hi"), "csrf_token": client.csrf},
                headers={"HX-Request": "true"})
    assert services.classroom.idle() and class_store.reports_for("hello-web") == []  # a failed check sends nothing
    r = client.post(STEP + "/check", {"file:app.py": GOOD, "csrf_token": client.csrf}, headers={"HX-Request": "true"})
    assert "All checks passed." in r.text
    kept = wait_for(lambda: class_store.reports_for("hello-web"), what="the report to arrive")
    report = kept[0]["report"]
    assert report["learner"]["name"] == "alice"  # the Hub's name for the token, not the profile's ("Learner")
    assert report["totals"]["passed"] == 1 and report["totals"]["attempts"] == 2
    client.post("/learn/hello-web/01-first-routes/why-routes/quiz", {"choice": "0", "csrf_token": client.csrf},
                headers={"HX-Request": "true"})
    wait_for(lambda: class_store.reports_for("hello-web")[0]["report"]["totals"]["passed"] == 2,
             what="the quiz's report")


def test_a_push_that_fails_is_logged_and_the_page_still_answers(client, services, settings, caplog):
    install_pack(FIXTURE_PACK, settings.packs_dir)
    services.classroom = ClassroomClient(f"http://127.0.0.1:{free_port()}{PREFIX}", "alice-server")
    r = client.post(STEP + "/check", {"file:app.py": GOOD, "csrf_token": client.csrf}, headers={"HX-Request": "true"})
    assert "All checks passed." in r.text
    assert services.classroom.idle()
    assert "Progress not sent to the class" in caplog.text and "cannot be reached" in caplog.text


def test_push_all_sends_every_pack_each_learner_worked_on_within_its_budget(client, services, settings, live,
                                                                            class_store, store):
    from sandbox.store.models import Learner

    assert push_all(services) == 0  # no classroom: nothing to do
    install_pack(FIXTURE_PACK, settings.packs_dir)
    services.classroom = ClassroomClient(live, "alice-server")
    assert push_all(services) == 0  # nothing worked on yet
    client.post(STEP + "/check", {"file:app.py": GOOD.replace("Hello, web!", "Hi"), "csrf_token": client.csrf},
                headers={"HX-Request": "true"})
    assert push_all(services) == 1
    assert class_store.reports_for("hello-web")[0]["report"]["totals"]["attempts"] == 1
    learner = Learner.get()
    assert push_progress(services, learner.id, "not-installed") is None
    services.classroom = ClassroomClient(f"http://127.0.0.1:{free_port()}{PREFIX}", "alice-server")
    started = time.monotonic()
    assert push_all(services, budget=1.0) == 0
    assert time.monotonic() - started < 5  # a bound against a hang, not a speed measure

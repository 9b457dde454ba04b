"""The route table and the one error handler: every route has a name, every SandboxError answers its
own status and sentence, and no learner or instructor input reaches a 500."""

from __future__ import annotations

import itertools
import re

import pytest

from sandbox.errors import SandboxError, all_errors
from sandbox.packs.install import install_pack
from sandbox.web.routes import ROUTES
from tests.support import FIXTURE_PACK, HELLO_STEP

CODE_STEP = HELLO_STEP  # /learn/hello-web/01-first-routes/hello
QUIZ_STEP = "/learn/hello-web/01-first-routes/why-routes"


@pytest.fixture
def installed(settings):
    return install_pack(FIXTURE_PACK, settings.packs_dir).pack


# --- the table ---------------------------------------------------------------------------


def test_every_route_has_a_unique_name_and_method_and_path():
    names = [route.name for route in ROUTES]
    assert len(names) == len(set(names)) and all(names)
    assert len({(route.method, route.path) for route in ROUTES}) == len(ROUTES)
    # Only the learner's app behind the preview proxy takes every method.
    assert all(route.method in ("GET", "POST") or route.name == "preview_app" for route in ROUTES)


def test_urls_are_built_from_route_names(client, installed):
    page = client.get(CODE_STEP).text
    assert 'action="/learn/hello-web/01-first-routes/hello/check"' in page
    assert 'data-status-url="/preview-status"' in page and 'data-open-external-url="/open-external"' in page


def test_urls_follow_the_script_name_when_served_under_a_prefix(client, installed):
    """Everything the page links to stays under the prefix a proxy mounts the sandbox at."""
    page = client.get(CODE_STEP, extra_environ={"SCRIPT_NAME": "/user/ada"}).text
    assert 'action="/user/ada/learn/hello-web/01-first-routes/hello/check"' in page
    assert 'href="/user/ada/static/css/app.css"' in page
    links = re.findall(r'(?:href|action|src|data-[a-z-]*url)="(/[^"]*)"', page)
    assert links and all(link.startswith("/user/ada/") for link in links), [l for l in links if "/user/ada/" not in l]


# --- one handler for the family ----------------------------------------------------------


@pytest.mark.parametrize("error_type", all_errors(), ids=lambda cls: cls.__name__)
def test_every_sandbox_error_answers_its_own_status_title_and_sentence(error_type, wsgi, client):
    sentence = f"A sentence about {error_type.__name__}."

    def fail():
        raise error_type(sentence)

    wsgi.app.route("/fail", "GET", fail)
    page = client.get("/fail", status=error_type.status)
    assert sentence in page.text and error_type.title.replace("'", "&#039;") in page.text
    fragment = client.get("/fail", headers={"HX-Request": "true"}, status=error_type.status)
    assert 'role="alert"' in fragment.text and sentence in fragment.text
    plain = client.get("/fail", headers={"Accept": "text/plain"}, status=error_type.status)
    assert plain.text == sentence
    data = client.get("/fail", headers={"Accept": "application/json"}, status=error_type.status).json
    assert data["message"] == sentence and data["title"] == error_type.title


def test_every_error_status_is_a_client_or_server_status_with_a_title():
    for error_type in all_errors():
        assert 400 <= error_type.status < 600 and error_type.title, error_type
        assert issubclass(error_type, SandboxError)


def test_exporting_progress_for_an_unknown_pack_is_a_404_sentence(client, installed):
    r = client.post("/progress/export", {"pack": "nope", "csrf_token": client.csrf}, status=404)
    assert "No lesson pack called &#039;nope&#039; is installed." in r.text


def test_a_quiz_answer_posted_to_a_code_step_is_a_400_sentence(client, installed):
    r = client.post(CODE_STEP + "/quiz", {"choice": "0", "csrf_token": client.csrf}, status=400)
    assert "is a code step, not a quiz" in r.text


def test_reading_a_code_step_does_not_pass_it(client, installed):
    r = client.post(CODE_STEP + "/read", {"csrf_token": client.csrf}, status=400)
    assert "done when it passes" in r.text


# --- no input reaches a 500 --------------------------------------------------------------

ODD_TEXT = ["nope", "../..", "a" * 300 + "\u00b2", "é/x%00", "99999999999999999999999999", ""]
FIELDS = ("path", "content", "version", "choice", "mode", "url", "name", "confirm_name", "theme", "font_size",
          "pack", "format", "with_files", "force", "since", "page", "file", "table", "request", "file:app.py",
          "file:../evil.py", "file:.hidden")


def concrete_paths(path: str) -> list[str]:
    """The route's path with real ids, then with each wildcard replaced by odd values in turn."""
    real = {"pack_id": "hello-web", "lesson_id": "01-first-routes", "step_id": "hello", "record_id": "1",
            "learner_id": "1", "name": "progress-x.json", "path": "css/app.css", "terminal_id": "nope",
            "offer_id": "0" * 24, "key": "nope"}
    odd = {"record_id": ["0", "99999999999999999999999999"], "learner_id": ["0", "99999999999999999999999999"]}
    wildcards = re.findall(r"<([a-z_]+)(?::[a-z]+)?>", path)

    def fill(values):
        return re.sub(r"<([a-z_]+)(?::[a-z]+)?>", lambda m: values[m.group(1)], path)

    found = [fill(real)]
    if "step_id" in wildcards:
        found.append(fill({**real, "step_id": "why-routes"}))
    for wildcard in wildcards:
        for value in odd.get(wildcard, ["..%2F..", "x" * 200 + "%C2%B2"]):
            found.append(fill({**real, wildcard: value}))
    return found


def field_sets() -> list[dict]:
    return [{}] + [{field: value for field in FIELDS} for value in ODD_TEXT]


def test_no_route_answers_500_to_odd_input(client, installed, settings):
    client.post(CODE_STEP + "/start", {"csrf_token": client.csrf})
    answered, failures = [], []
    for route in ROUTES:
        for path, fields in itertools.product(concrete_paths(route.path), field_sets()):
            if route.method == "GET":
                r = client.get(path, fields, expect_errors=True)
            else:
                r = client.post(path, {**fields, "csrf_token": client.csrf},
                                headers={"HX-Request": "true"}, expect_errors=True)
            answered.append((route.name, r.status_int))
            if r.status_int >= 500:
                failures.append((route.method, path, next(iter(fields.values()), None), r.status))
    assert failures == [], "\n".join(map(str, failures))
    assert {name for name, _ in answered} == {route.name for route in ROUTES}
    log = (settings.logs_dir / "sandbox.log")
    assert not log.exists() or "Unhandled error" not in log.read_text()


# --- the app factory ---------------------------------------------------------------------


def test_two_apps_on_two_data_folders_serve_side_by_side_in_one_process(tmp_path, check_runner):
    """The database is handed to each app through its Services, never a module global."""
    from webtest import TestApp

    from sandbox.config import build_settings, prepare_data_dir
    from sandbox.packs.catalog import Catalog
    from sandbox.services import Services
    from sandbox.store import Store
    from sandbox.web import create_app
    from sandbox.web.security import csrf_token

    clients, stores = {}, []
    for name in ("ada", "bob"):
        settings = build_settings(data_dir=tmp_path / name, env={})
        settings.port = 8123
        prepare_data_dir(settings.data_dir)
        store = Store.open(settings.db_path)
        stores.append(store)
        app = TestApp(create_app(settings, Services(store=store, catalog=Catalog(settings.packs_dir))),
                      extra_environ={"HTTP_HOST": "127.0.0.1:8123"})
        app.get(f"/?token={settings.token}", status=303)
        app.csrf = csrf_token(settings.token)
        clients[name] = app
    try:
        for name in ("ada", "bob"):  # each renames its own profile, in turns
            clients[name].post("/settings", {"name": name.title(), "theme": "dark", "font_size": "16",
                                             "csrf_token": clients[name].csrf})
        assert "Welcome, Ada" in clients["ada"].get("/").text
        assert "Welcome, Bob" in clients["bob"].get("/").text
        assert "Welcome, Ada" in clients["ada"].get("/").text
    finally:
        for store in stores:
            store.close()


@pytest.mark.parametrize("fetch_site", ["same-site", "cross-site"])
def test_no_route_answers_a_request_from_another_site_or_port(client, installed, fetch_site):
    """Another port of 127.0.0.1 is the same site: its requests carry the session cookie."""
    answered = []
    for route in ROUTES:
        for path in concrete_paths(route.path)[:1]:
            headers = {"Sec-Fetch-Site": fetch_site}
            if route.method == "POST":
                headers["X-CSRF-Token"] = client.csrf
            send = client.post if route.method == "POST" else client.get
            response = send(path, headers=headers, expect_errors=True)
            if response.status_int != 403 or "another site or port" not in response.text:
                answered.append(f"{route.method} {path}: {response.status}")
    assert answered == []
    assert client.get("/about", headers={"Sec-Fetch-Site": "same-origin"}).status_int == 200
    assert client.get("/about", headers={"Sec-Fetch-Site": "none"}).status_int == 200


def test_a_loopback_ipv6_host_is_the_sandbox_too(client, settings):
    from sandbox.web.security import SESSION_COOKIE, session_value

    cookie = {"Cookie": f"{SESSION_COOKIE}={session_value(settings.token)}"}
    assert client.get("/", headers={"Host": f"[::1]:{settings.port}", **cookie}).status_int == 200
    assert client.get("/", headers={"Host": f"[::2]:{settings.port}", **cookie}, expect_errors=True).status_int == 400


def snapshot(settings) -> tuple:
    """Every row of the sandbox's database and every file under the data folder, with its bytes."""
    import sqlite3

    connection = sqlite3.connect(settings.data_dir / "sandbox.db")
    try:
        rows = list(connection.iterdump())
    finally:
        connection.close()
    files = {str(p.relative_to(settings.data_dir)): p.read_bytes() for p in sorted(settings.data_dir.rglob("*"))
             if p.is_file() and not p.name.startswith("sandbox.db")}
    return rows, files


def test_no_get_changes_anything(client, installed, settings):
    """A GET from anywhere (another port's page, a prefetch) creates no workspace and no row."""
    client.run_page_scripts = False
    client.get("/")  # the first launch makes the learner's profile; from here on, nothing may change
    before = snapshot(settings)
    for route in ROUTES:
        if route.method == "GET":
            for path in concrete_paths(route.path):
                client.get(path, expect_errors=True)
    after = snapshot(settings)
    assert after[1].keys() == before[1].keys(), "a GET made or removed files"
    assert after == before
    client.post(CODE_STEP + "/visit", headers={"X-CSRF-Token": client.csrf})
    assert snapshot(settings)[1].keys() != before[1].keys(), "the visit POST starts the lesson"

"""Faults with nothing lost: the sandbox killed mid-autosave, and a disk that is full or read-only."""

from __future__ import annotations

import errno
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading

import pytest

from sandbox.packs.install import install_pack
from sandbox.store.models import FileVersion
from sandbox.work.workspace import text_hash
from tests.conftest import ROOT, need, wait_for
from tests.support import FIXTURE_PACK, HELLO_APP, HELLO_STEP, Live

WORKSPACE = ("workspaces", "1", "hello-web", "01-first-routes")


def versions_in(db_path) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return [row[0] for row in conn.execute("SELECT content FROM fileversion WHERE path = 'app.py'")]
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_during_autosave_loses_no_acknowledged_save(sandbox_process, tmp_path):
    data = tmp_path / "data"
    install_pack(FIXTURE_PACK, data / "packs")
    proc, url = sandbox_process(data)
    learner = Live(url)
    assert learner.get(HELLO_STEP)[0] == 200
    acknowledged, sent, stop = [], [], threading.Event()

    def autosave():
        n = 0
        while not stop.is_set():
            n += 1
            content = HELLO_APP + f"# edit {n}\n"
            sent.append(content)
            try:
                status, _ = learner.post(HELLO_STEP + "/save", {"path": "app.py", "content": content}, timeout=5)
            except (OSError, http.client.HTTPException):
                return  # the server died mid-request: this save was never acknowledged
            if status == 200:
                acknowledged.append(content)

    saver = threading.Thread(target=autosave)
    saver.start()
    try:
        wait_for(lambda: len(acknowledged) >= 40, timeout=20, what="40 acknowledged saves")
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # no clean shutdown: not even the database gets closed
        proc.wait(10)
        stop.set()
        saver.join(10)

    on_disk = data.joinpath(*WORKSPACE, "app.py").read_text()
    assert on_disk in sent[sent.index(acknowledged[-1]):], "the file on disk is older than the last acknowledged save"
    history = versions_in(data / "sandbox.db")
    assert set(acknowledged) <= set(history), "an acknowledged save is missing from history"

    proc2, url2 = sandbox_process(data)  # the crash left a lock file and a WAL behind
    again = Live(url2)
    assert again.get(HELLO_STEP)[0] == 200
    # The text the crash left on disk is what the editor opens with, and its next save goes through.
    assert again.post(HELLO_STEP + "/save", {"path": "app.py", "content": on_disk + "# after the crash\n",
                                            "version": text_hash(on_disk)})[0] == 200
    leftovers = [p.name for p in data.joinpath(*WORKSPACE).iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []  # the cut-off save's temporary file was cleaned up at start
    os.kill(proc2.pid, signal.SIGTERM)
    proc2.wait(10)
    assert versions_in(data / "sandbox.db")[-1] == on_disk + "# after the crash\n"


# -- a full or read-only disk while saving -------------------------------------------------

@pytest.fixture
def started(client, settings):
    install_pack(FIXTURE_PACK, settings.packs_dir)
    client.post(HELLO_STEP + "/save", {"path": "app.py", "content": HELLO_APP, "csrf_token": client.csrf},
                status=200)
    return settings.workspaces_dir.joinpath(*WORKSPACE[1:])


def fail_with(code: int):
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    return refuse


@pytest.mark.parametrize("target, code, sentence", [
    ("replace", errno.ENOSPC, "the disk is full"),
    ("fsync", errno.ENOSPC, "the disk is full"),
    ("replace", errno.EROFS, "the data folder is read-only"),
    ("replace", errno.EIO, "input/output error"),
])
def test_a_failing_disk_gives_a_sentence_and_keeps_the_last_good_version(client, started, monkeypatch,
                                                                         target, code, sentence):
    before = FileVersion.select().count()
    monkeypatch.setattr(os, target, fail_with(code))
    r = client.post(HELLO_STEP + "/save", {"path": "app.py", "content": "half-typed", "csrf_token": client.csrf},
                    headers={"Accept": "*/*"}, status=507)
    monkeypatch.undo()
    assert r.content_type == "text/plain" and "Traceback" not in r.text
    assert sentence in r.text and "last saved version is kept" in r.text
    assert (started / "app.py").read_text() == HELLO_APP
    assert FileVersion.select().count() == before
    assert not [p for p in started.iterdir() if p.name.endswith(".tmp")]


def test_a_failing_disk_during_check_is_shown_in_the_result_area(client, started, monkeypatch):
    monkeypatch.setattr(os, "replace", fail_with(errno.ENOSPC))
    r = client.post(HELLO_STEP + "/check", {"file:app.py": "changed", "csrf_token": client.csrf},
                    headers={"HX-Request": "true"}, status=507)
    assert "the disk is full" in r.text and "Traceback" not in r.text
    assert (started / "app.py").read_text() == HELLO_APP


def test_a_database_that_cannot_be_written_gives_the_data_folder_page_not_a_crash(client, started, store,
                                                                                    monkeypatch):
    def full():
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = sqlite3.SQLITE_FULL
        raise error

    monkeypatch.setattr(store.db, "_connect", full)
    page = client.get(HELLO_STEP, status=507)
    assert "The data folder cannot be written" in page.text and "the disk is full" in page.text
    check = client.post(HELLO_STEP + "/check", {"file:app.py": "x", "csrf_token": client.csrf},
                        headers={"HX-Request": "true"}, status=507)
    assert 'role="alert"' in check.text and "everything saved before this is kept" in check.text


def test_a_folder_that_became_a_file_gives_a_sentence(client, started):
    (started / "lib").write_text("I am a file now")
    r = client.post(HELLO_STEP + "/save", {"path": "lib/helpers.py", "content": "x = 1",
                                           "csrf_token": client.csrf}, headers={"Accept": "*/*"}, status=400)
    assert "could not be saved because a folder on its path is a file" in r.text
    assert (started / "lib").read_text() == "I am a file now"


def test_a_workspace_whose_parent_became_a_file_gives_a_sentence(client, started):
    """As root, chmod cannot make a folder read-only, so the workspace's own place is taken by a file."""
    import shutil

    shutil.rmtree(started)
    started.write_text("not a folder")
    r = client.post(HELLO_STEP + "/save", {"path": "app.py", "content": "x = 1", "csrf_token": client.csrf},
                    headers={"Accept": "*/*"}, status=400)
    assert "could not be saved because a folder on its path is a file" in r.text
    assert "Traceback" not in r.text and len(r.text) < 400
    assert started.read_text() == "not a folder"


@pytest.mark.slow
def test_a_really_full_then_read_only_disk_keeps_the_last_good_version(tmp_path):
    """The real thing, not a mock: a 24 MB tmpfs in a private mount namespace under the sandbox."""
    unshare = shutil.which("unshare")
    need(unshare is not None and shutil.which("mount") is not None, "unshare and mount (util-linux) are needed")
    as_root = [] if os.geteuid() == 0 else ["--map-root-user"]
    done = subprocess.run([unshare, "--mount", *as_root, sys.executable, "-m", "tests.disk_probe",
                           str(tmp_path / "disk")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    need(done.returncode != 3 and "unshare failed" not in done.stderr,
         f"a tmpfs cannot be mounted here: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    good, after = HELLO_APP + "# good\n", HELLO_APP + "# after\n"

    assert seen["save_good"]["status"] == 200
    full = "could not be saved because the disk is full; your last saved version is kept"
    assert seen["full_save"]["status"] == 507 and full in seen["full_save"]["text"]
    assert seen["full_check"]["status"] == 507 and full in seen["full_check"]["text"]
    # Reading still works: the lesson page opens with the last good version in the editor.
    assert seen["full_page"]["status"] == 200 and seen["full_page_shows_last_good"], seen["log_errors"]
    assert seen["full_home"]["status"] == 200
    assert seen["remount_ro"] and seen["remount_rw"]
    assert seen["ro_save"]["status"] == 507 and "read-only" in seen["ro_save"]["text"], seen["ro_save"]
    assert seen["save_after"]["status"] == 200 and seen["alive"]

    assert seen["integrity"] == "ok"
    assert good in seen["history"] and seen["history"][-1] == after
    assert not any("# full" in text or "# read-only" in text for text in seen["history"])
    assert seen["on_disk"] == after and seen["temp_files"] == []


# -- another program holds a write lock on sandbox.db ----------------------------------------

@pytest.fixture
def brief_waits(monkeypatch):
    """The sandbox waits seconds for a busy database; a test need not."""
    from sandbox.store import engine

    monkeypatch.setattr(engine, "BUSY_WAIT_MS", 300)
    monkeypatch.setattr(engine, "BOOKKEEPING_WAIT_MS", 100)


@pytest.fixture
def other_program(settings):
    """Another program (a database browser, say) with an open write transaction on sandbox.db."""
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO preference (key, value) VALUES ('held-by', 'another program')")
    yield conn
    if conn.in_transaction:
        conn.rollback()
    conn.close()


def test_a_database_held_by_another_program_is_waited_for_then_explained_and_leaves_no_false_conflict(
        client, started, brief_waits, other_program):
    version = text_hash(HELLO_APP)
    typed = HELLO_APP + "# typed while another program held the database\n"
    save = client.post(HELLO_STEP + "/save", {"path": "app.py", "content": typed, "version": version,
                                              "csrf_token": client.csrf}, headers={"Accept": "*/*"}, status=503)
    assert "Another program is using the sandbox's database" in save.text and "Traceback" not in save.text
    assert (started / "app.py").read_text() == HELLO_APP  # nothing written that history does not know
    check = client.post(HELLO_STEP + "/check", {"file:app.py": typed, "version:app.py": version,
                                                "csrf_token": client.csrf}, headers={"HX-Request": "true"}, status=503)
    assert 'role="alert"' in check.text and "Another program is using the sandbox&#039;s database" in check.text
    assert client.get(HELLO_STEP).status_int == 200  # reading goes on; bookkeeping waits for another visit
    visit = client.post(HELLO_STEP + "/visit", {"csrf_token": client.csrf}, expect_errors=True)
    assert visit.status_int in (200, 404, 405), visit.text[:300]
    other_program.rollback()
    # The editor still starts from the text it had: its next save is not refused as "changed elsewhere".
    more = typed + "# and a little more\n"
    client.post(HELLO_STEP + "/save", {"path": "app.py", "content": more, "version": version,
                                       "csrf_token": client.csrf}, headers={"Accept": "*/*"}, status=200)
    assert (started / "app.py").read_text() == more
    assert FileVersion.select().where(FileVersion.reason == "conflict").count() == 0


# -- requests as large as the documented limits ---------------------------------------------

def test_a_file_of_300_kb_is_saved(client, started):
    content = "# " + "Привет, мир! Здравствуй, Bottle.\n" * 6000  # about 300 KB of UTF-8, 900 KB form-encoded
    assert 290_000 < len(content.encode()) < 1_000_000
    client.post(HELLO_STEP + "/save", {"path": "app.py", "content": content, "csrf_token": client.csrf},
                headers={"Accept": "application/json"}, status=200)
    assert (started / "app.py").read_text() == content


def test_a_workspace_with_a_70_kb_stylesheet_is_checked_with_or_without_javascript(client, started):
    css = "".join(f".rule-{n} {{ color: #{n % 4096:03x}; margin: 0 auto; }}\n" for n in range(1800))
    assert 65_000 < len(css) < 80_000
    client.post(HELLO_STEP + "/save", {"path": "static/style.css", "content": css, "csrf_token": client.csrf},
                headers={"Accept": "application/json"}, status=200)
    files = {"file:app.py": HELLO_APP, "file:static/style.css": css}
    # The page's script sends the token as a header...
    checked = client.post(HELLO_STEP + "/check", files, headers={"HX-Request": "true", "X-CSRF-Token": client.csrf})
    assert checked.status_int == 200 and "All checks passed" in checked.text
    # ...and a browser without it posts the form, token and all, in the body.
    plain = client.post(HELLO_STEP + "/check", {**files, "csrf_token": client.csrf}, expect_errors=True)
    assert plain.status_int in (200, 303), plain.text[:300]
    assert "form has expired" not in plain.text


# -- paths shown to a person are decoded, and every URL carrying a name is encoded ----------

def test_a_request_path_is_shown_decoded_in_the_inspector_and_the_address_bar():
    from sandbox.preview.inspector import RequestLog
    from sandbox.preview.manager import page_of

    raw = "/hello/Zoë".encode().decode("latin-1")  # what WSGI hands over in PATH_INFO
    record = RequestLog().add({"method": "GET", "path": raw, "query": "q=1", "status": 200})
    assert record.path == "/hello/Zoë" and record.url == "/hello/Zoë?q=1"
    assert page_of({"method": "GET", "path": raw, "status": 200, "content_type": "text/html"}) == "/hello/Zoë"
    assert page_of({"method": "GET", "path": "/plain", "status": 200, "content_type": "text/html"}) == "/plain"


@pytest.mark.slow
def test_a_preview_request_for_a_name_with_an_accent_is_recorded_as_typed(tmp_path):
    import urllib.request

    from sandbox.preview.inspector import Inspector
    from sandbox.preview.manager import PreviewManager

    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "app.py").write_text("from bottle import Bottle\napp = Bottle()\n\n\n@app.route('/hello/<name>')\n"
                                   "def hello(name):\n    return f'<h1>Hello {name}</h1>'\n")
    manager, inspector = PreviewManager(watch=False), Inspector()
    manager.add_listener(inspector.listen)
    try:
        url = manager.open(1, folder).url
        with urllib.request.urlopen(url + "hello/Zo%C3%AB", timeout=10) as answer:
            assert "Hello Zoë" in answer.read().decode()
        wait_for(lambda: manager.status(1).last_page == "/hello/Zoë", what="the address bar's path")
        assert [r.path for r in inspector.requests(1).recent()] == ["/hello/Zoë"]
    finally:
        manager.close()


def test_urls_carrying_names_are_encoded(wsgi, client, started):
    from bottle import request

    from sandbox.web import context

    request.bind({"bottle.app": wsgi.app, "SCRIPT_NAME": "", "PATH_INFO": "/", "REQUEST_METHOD": "GET"})
    history = context.url("history", pack_id="hello-web", lesson_id="01-first-routes", step_id="hello",
                          path="Q&A.txt")
    assert history == HELLO_STEP + "/history?path=Q%26A.txt"
    # A wildcard in the path is encoded too (Bottle puts it in as it is).
    assert context.url("download_export", name="progress-Zoë & Q?.json").endswith("/progress-Zo%C3%AB%20%26%20Q%3F.json")
    client.post(HELLO_STEP + "/save", {"path": "Q&A.txt", "content": "Why? Because.\n", "csrf_token": client.csrf},
                headers={"Accept": "application/json"}, status=200)
    shown = client.get(history, headers={"HX-Request": "true"})
    assert "History of <code>Q&amp;A.txt</code>" in shown.text and "Because." in shown.text


# -- what the learner's code printed is never lost ------------------------------------------

def test_what_the_code_printed_at_import_is_kept_in_every_check(check_runner, tmp_path):
    """The result message and the printed output travel on two pipes; the output must be read to its end."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "app.py").write_text("print('printed while importing app.py')\n" + HELLO_APP)
    check = tmp_path / "checks" / "test_home.py"
    check.parent.mkdir()
    check.write_text("def test_home(client):\n    assert client.get('/').status_int == 200\n")
    lost = []
    for run in range(40):
        result = check_runner.run(workspace, [check])
        assert result.passed, result.to_dict()
        if "printed while importing app.py" not in result.output_tail:
            lost.append(run)
    assert lost == [], f"the printed line was lost in {len(lost)} of 40 checks"


# -- a server started when the app is imported ---------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("serve", [
    "import waitress\nwaitress.serve(app, host='127.0.0.1', port=8080)\n",
    "from waitress import serve\nserve(app, listen='127.0.0.1:8080')\n",
    "from wsgiref.simple_server import make_server\nmake_server('127.0.0.1', 0, app).serve_forever()\n",
    "from waitress import create_server\ncreate_server(app, host='127.0.0.1', port=0).run()\n",
], ids=["waitress.serve", "from-waitress-import-serve", "wsgiref", "waitress.create_server"])
def test_a_server_started_at_import_is_skipped_and_said_so(tmp_path, serve):
    import urllib.request

    from sandbox.preview.manager import PreviewManager

    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "app.py").write_text(HELLO_APP + "\n\n" + serve)
    manager = PreviewManager(watch=False)
    try:
        status = manager.open(1, folder)
        running = wait_for(lambda: (s := manager.status(1)) and s.state != "starting" and s, timeout=5,
                           what="the preview to leave 'Starting your app...'")
        assert running.state == "running"
        with urllib.request.urlopen(status.url, timeout=5) as answer:
            assert answer.read().decode() == "Hello, web!"
        wait_for(lambda: "preview skipped the server" in manager.output(1)[0], what="a line in the console")
    finally:
        manager.close()


@pytest.mark.browser
def test_the_address_bar_shows_a_path_with_an_accent_and_reloads_it(sandbox_process, browser_page, tmp_path):
    from tests.support import install_fixture_pack

    app = ('from bottle import Bottle\n\napp = Bottle()\n\n\n@app.route("/")\ndef home():\n'
           '    return \'<a href="/hello/Zo%C3%AB">Say hello to Zoë</a>\'\n\n\n@app.route("/hello/<name>")\n'
           'def hello(name):\n    return f"<h1>Hello {name}</h1>"\n')
    data = tmp_path / "data"
    install_fixture_pack(data)
    _proc, url = sandbox_process(data)
    assert Live(url).post(HELLO_STEP + "/save", {"path": "app.py", "content": app})[0] == 200
    page = browser_page
    page.goto(url)
    page.goto(url.split("?")[0].rstrip("/") + HELLO_STEP)
    preview = page.frame_locator("#preview-frame")

    def shows(text: str) -> None:
        for _ in range(3):  # a load can be cut off while the app (re)starts: the learner presses reload
            try:
                preview.get_by_text(text).wait_for(timeout=10_000)
                return
            except Exception:  # noqa: BLE001 - playwright's TimeoutError
                page.locator("[data-preview=reload]").click()
        preview.get_by_text(text).wait_for(timeout=10_000)

    shows("Say hello to Zoë")
    preview.get_by_text("Say hello to Zoë").click()
    preview.get_by_text("Hello Zoë").wait_for()
    wait_for(lambda: page.locator("#preview-path").input_value() == "/hello/Zoë", timeout=20,
             what="the decoded path in the bar")
    page.locator("[data-preview=reload]").click()
    shows("Hello Zoë")
    assert preview.locator("h1").inner_text() == "Hello Zoë"
    assert page.locator("#preview-frame").get_attribute("src").endswith("/hello/Zo%C3%AB")  # built encoded
    page.locator("#preview-path").fill("/hello/Ada Lovelace & Q")
    page.locator("#preview-path").press("Enter")
    preview.get_by_text("Hello Ada Lovelace & Q").wait_for()

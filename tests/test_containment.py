"""Learner code and pack checks are contained: each check, preview and terminal runs in a bubblewrap
sandbox that sees only its own folder, nothing of the data folder or of other learners, no network
(checks and previews), and a PID namespace that takes every process along when it ends, when it is
stopped, and when the sandbox itself is killed.

These tests need bubblewrap working here: without it they are skipped (and fail in CI, where
SANDBOX_REQUIRE_ALL=1). The fallback's honesty (one sentence saying which walls hold) is tested
without it.
"""

from __future__ import annotations

import html
import itertools
import os
import random
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import urllib.request
from pathlib import Path

import pytest

from sandbox import containment
from sandbox.checker import CheckRunner
from sandbox.classroom.profiles import current_learner
from sandbox.errors import BrowseError
from sandbox.preview import dbbrowser
from sandbox.preview.manager import PreviewManager
from sandbox.terminal.manager import TerminalManager
from tests.conftest import ROOT, need, wait_for

APP = """\
from bottle import Bottle

app = Bottle()


@app.route("/")
def home():
    return "Hello"
"""
_names = itertools.count(1)


@pytest.fixture(scope="module")
def walls():
    found = containment.protection()
    need(found.active, f"bubblewrap cannot contain learner code here: {found.reason}")
    return found


def marker() -> str:
    """A `sleep` argument no other process on this computer has, to find the process by."""
    return f"{random.randint(10**6, 10**7)}.{next(_names)}"


def processes_with(mark: str) -> list[int]:
    """Live processes (as this computer sees them) whose argv holds ``mark`` or whose name is ``mark``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
            with open(f"/proc/{entry}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
            with open(f"/proc/{entry}/comm", "rb") as fh:
                comm = fh.read().strip()
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X") and (mark.encode() in argv or comm == mark.encode()):
            found.append(int(entry))
    return found


@pytest.fixture
def home():
    """A folder like a home folder on Debian (0755), so that without walls other users could reach in;
    not under pytest's base temp folder, which is private (0700) and would hide everything anyway."""
    folder = Path(tempfile.mkdtemp(prefix="sandbox-home-"))
    folder.chmod(0o755)
    yield folder
    subprocess.run(["rm", "-rf", str(folder)], check=False)


def data_folder(root: Path) -> dict:
    """A data folder as the sandbox keeps one: its database, the lock with the launch token, and two
    learners' workspaces of one lesson."""
    data = root / "data"
    (data / "workspaces").mkdir(parents=True)
    connection = sqlite3.connect(data / "sandbox.db")
    connection.execute("CREATE TABLE learner (name)")
    connection.execute("INSERT INTO learner VALUES ('Ada')")
    connection.commit()
    connection.close()
    (data / "sandbox.lock").write_text('{"port": 8123, "token": "launch-token-abc", "pid": 1}')
    mine = data / "workspaces" / "1" / "blog" / "01-hello"
    theirs = data / "workspaces" / "2" / "blog" / "01-hello"
    for folder in (mine, theirs):
        folder.mkdir(parents=True)
        (folder / "app.py").write_text(APP)
    (theirs / "notes.txt").write_text("Bob's own notes")
    return {"data": data, "mine": mine, "theirs": theirs}


def step(folder: Path, check: str) -> Path:
    path = folder / "checks" / "test_reach.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(check))
    return path


def reaching(places: dict) -> str:
    """Python that tries every way out of the learner's folder and returns what worked."""
    return textwrap.dedent(f"""
        import os, sqlite3

        def escapes():
            got = []
            for name in ({str(places['theirs'] / 'notes.txt')!r}, {str(places['data'] / 'sandbox.lock')!r},
                         {str(places['data'] / 'sandbox.db')!r}):
                try:
                    with open(name, 'rb') as fh:
                        got.append('read ' + name + ': ' + repr(fh.read(40)))
                except OSError:
                    pass
            for folder in ({str(places['data'])!r}, {str(places['data'] / 'workspaces')!r}):
                try:
                    seen = os.listdir(folder)
                except OSError:
                    continue
                if set(seen) - {{'workspaces', '1'}}:  # the way down to its own folder is all it may see
                    got.append('listed ' + repr(seen))
            try:
                with open({str(places['theirs'] / 'planted.py')!r}, 'w') as fh:
                    fh.write('planted')
                got.append('wrote into the other learner\\'s folder')
            except OSError:
                pass
            try:
                rows = sqlite3.connect('file:' + {str(places['data'] / 'sandbox.db')!r} + '?mode=ro', uri=True).execute(
                    'SELECT name FROM learner').fetchall()
                got.append('queried sandbox.db: ' + repr(rows))
            except sqlite3.Error:
                pass
            return got
    """)


# --- checks --------------------------------------------------------------------------------


def test_a_packs_check_reaches_neither_another_learner_nor_the_data_folder(walls, tmp_path, home, check_runner):
    places = data_folder(home)
    check = step(tmp_path, reaching(places) + textwrap.dedent("""
        def test_stays_in_its_own_folder():
            assert escapes() == []
    """))
    result = check_runner.run(places["mine"], [check], key="learner-1")
    assert result.passed, result.to_dict()
    assert sorted(p.name for p in places["theirs"].iterdir()) == ["app.py", "notes.txt"]


def test_a_check_has_no_network(walls, tmp_path, check_runner):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    check = step(tmp_path, f"""
        import socket

        def test_cannot_connect():
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
            except OSError:
                return
            raise AssertionError("connected to the computer's loopback")
    """)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "app.py").write_text(APP)
    try:
        result = check_runner.run(workspace, [check])
    finally:
        listener.close()
    assert result.passed, result.to_dict()


def test_each_learner_has_a_worker_of_their_own_that_cannot_see_another_learners_checks(walls, tmp_path, home):
    places = data_folder(home)
    with CheckRunner() as runner:
        assert runner.run(places["theirs"], [step(tmp_path / "a", "def test_ok():\n    pass\n")], key="learner-2").passed
        theirs = runner._workers["learner-2"]
        # A check of learner 1 looks for what learner 2's worker was handed.
        check = step(tmp_path / "b", f"""
            import os

            def test_sees_nothing_of_the_other_worker():
                assert not os.path.exists({str(theirs.stage)!r})
                # Its own processes only: the sandbox's init, its worker, and this check.
                assert sorted(int(p) for p in os.listdir('/proc') if p.isdigit()) == [1, 2, os.getpid()]
        """)
        result = runner.run(places["mine"], [check], key="learner-1")
        assert result.passed, result.to_dict()
        assert runner._workers["learner-1"].process.pid != theirs.process.pid


def test_a_learners_worker_stops_when_idle_and_comes_back_on_demand(walls, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "app.py").write_text(APP)
    check = step(tmp_path, "def test_ok(client):\n    assert client.get('/').text == 'Hello'\n")
    with CheckRunner(idle_seconds=0.5) as runner:
        assert runner.run(workspace, [check], key="learner-5").passed
        worker = runner._workers["learner-5"]
        wait_for(lambda: "learner-5" not in runner._workers and worker.process.poll() is not None
                 and not worker.stage.exists(), what="the idle worker to stop and its staging folder to go")
        assert runner.run(workspace, [check], key="learner-5").passed


def test_what_a_check_starts_with_setsid_ends_with_the_check(walls, tmp_path, check_runner):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "app.py").write_text(APP)
    left, child = marker(), marker()
    check = step(tmp_path, f"""
        import subprocess

        def test_starts_a_daemon():
            subprocess.Popen(['setsid', 'sleep', {left!r}])
            subprocess.Popen(['sleep', {child!r}], start_new_session=True)
    """)
    assert check_runner.run(workspace, [check]).passed
    wait_for(lambda: not processes_with(left) and not processes_with(child),
             what="what the check left running to end with it")


def test_stopping_the_runner_ends_a_checks_setsid_daemon(walls, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "app.py").write_text(APP)
    left = marker()
    check = step(tmp_path, f"""
        import subprocess, time

        def test_starts_a_daemon_and_waits():
            subprocess.Popen(['setsid', 'sleep', {left!r}])
            time.sleep(60)
    """)
    runner = CheckRunner()
    results = {}
    thread = threading.Thread(target=lambda: results.update(r=runner.run(workspace, [check], timeout=60)))
    thread.start()
    wait_for(lambda: processes_with(left), timeout=30, what="the check's daemon to start")
    runner.stop()
    thread.join(30)
    assert results["r"].cancelled
    wait_for(lambda: not processes_with(left), what="the daemon to end with the stopped runner")


# --- the preview -----------------------------------------------------------------------------


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def running(manager, key=1):
    return wait_for(lambda: (s := manager.status(key)) and s.state == "running" and s, timeout=30,
                    what="the app to run")


def test_a_learners_app_reaches_neither_another_learner_nor_the_data_folder(walls, home):
    places = data_folder(home)
    (places["mine"] / "app.py").write_text(APP + reaching(places) + textwrap.dedent("""

        @app.route("/escapes")
        def show_escapes():
            return repr(escapes())
    """))
    manager = PreviewManager(watch=False)
    try:
        manager.open(2, places["theirs"])  # the other learner's app ran first (as root: their files are nobody's)
        running(manager, 2)
        manager.stop(2)
        status = manager.open(1, places["mine"])
        running(manager)
        assert fetch(status.url + "escapes") == "[]"
    finally:
        manager.close()
    assert sorted(p.name for p in places["theirs"].iterdir() if not p.name.startswith(".")) == ["app.py", "notes.txt"]


def test_a_learners_app_listens_nowhere_but_its_own_address_and_connects_nowhere(walls, tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "app.py").write_text(APP + textwrap.dedent(f"""
        import socket

        side = socket.create_server(("0.0.0.0", 0))

        @app.route("/side")
        def side_port():
            return str(side.getsockname()[1])

        @app.route("/out")
        def out():
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
                return "connected"
            except OSError:
                return "refused"
    """))
    manager = PreviewManager(watch=False)
    try:
        status = manager.open(1, workspace)
        running(manager)
        assert fetch(status.url) == "Hello"
        assert fetch(status.url + "out") == "refused"
        side = int(fetch(status.url + "side"))
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", side), timeout=2).close()
    finally:
        manager.close()
        listener.close()


def test_the_preview_and_its_setsid_daemon_end_on_a_clean_stop(walls, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    left = marker()
    (workspace / "app.py").write_text(APP + f"import subprocess\nsubprocess.Popen(['setsid', 'sleep', {left!r}])\n")
    manager = PreviewManager(watch=False)
    try:
        manager.open(1, workspace)
        wait_for(lambda: processes_with(left), timeout=30, what="the app's daemon to start")
    finally:
        manager.close()
    wait_for(lambda: not processes_with(left), what="the app's daemon to end with the preview")


def test_opening_a_preview_changes_no_folder_above_the_workspace(walls, tmp_path):
    private = Path(tempfile.mkdtemp(prefix="sandbox-private-"))  # 0700, as a home folder is
    try:
        workspace = private / "data" / "workspaces" / "1" / "blog" / "01-hello"
        workspace.mkdir(parents=True)
        (workspace / "app.py").write_text(APP)
        modes = {folder: stat.S_IMODE(folder.stat().st_mode) for folder in workspace.parents}
        assert modes[private] == 0o700
        manager = PreviewManager(watch=False)
        try:
            status = manager.open(1, workspace)
            running(manager)
            assert fetch(status.url) == "Hello"
        finally:
            manager.close()
        assert {folder: stat.S_IMODE(folder.stat().st_mode) for folder in workspace.parents} == modes
    finally:
        subprocess.run(["rm", "-rf", str(private)], check=False)


# --- the terminal ----------------------------------------------------------------------------


def test_a_terminal_sees_its_folder_but_not_the_data_folder(walls, home):
    places = data_folder(home)
    manager = TerminalManager()
    try:
        info = manager.open(1, places["mine"])
        manager.write(1, info.id, f"cat {places['data'] / 'sandbox.lock'}; ls {places['theirs']}; "
                                  "ls; echo made > mine.txt; echo done-$((40+2))\r")
        text = wait_for(lambda: (out := manager.output(1, info.id, 0)[0]) and "done-42" in out and out, timeout=30,
                        what="the commands to run")
    finally:
        manager.close()
    assert "launch-token-abc" not in text and "notes.txt" not in text
    assert "app.py" in text
    assert (places["mine"] / "mine.txt").read_text() == "made\n"


# --- the sandbox killed hard -----------------------------------------------------------------

STANDIN = """
import sys, threading, time
sys.path.insert(0, {root!r})
from pathlib import Path
from sandbox.checker import CheckRunner
from sandbox.classroom.profiles import current_learner
from sandbox.preview.manager import PreviewManager
runner = CheckRunner()
threading.Thread(target=lambda: runner.run(Path({check_ws!r}), [Path({check!r})], timeout=120), daemon=True).start()
manager = PreviewManager(watch=False)
manager.open(1, Path({app_ws!r}))
print("ready", flush=True)
time.sleep(120)
"""


def test_nothing_a_check_or_an_app_started_outlives_the_sandbox_killed_hard(walls, tmp_path):
    marks = {name: marker() for name in ("check daemon", "check child", "app daemon", "app child")}
    forked = f"mp{random.randint(10**6, 10**7)}"  # a multiprocessing child's name (argv is its parent's)
    check_ws, app_ws = tmp_path / "check-ws", tmp_path / "app-ws"
    for folder in (check_ws, app_ws):
        folder.mkdir()
    (check_ws / "app.py").write_text(APP)
    check = step(tmp_path, f"""
        import subprocess, time

        def test_starts_and_waits():
            subprocess.Popen(['setsid', 'sleep', {marks['check daemon']!r}])
            subprocess.Popen(['sleep', {marks['check child']!r}])
            time.sleep(100)
    """)
    (app_ws / "app.py").write_text(APP + textwrap.dedent(f"""
        import ctypes, multiprocessing, subprocess, time

        def named_sleep():
            ctypes.CDLL(None).prctl(15, {forked.encode()!r}, 0, 0, 0)  # PR_SET_NAME
            time.sleep(100)

        subprocess.Popen(['setsid', 'sleep', {marks['app daemon']!r}])
        subprocess.Popen(['sleep', {marks['app child']!r}])
        multiprocessing.get_context('fork').Process(target=named_sleep).start()
    """))
    script = STANDIN.format(root=str(ROOT), check_ws=str(check_ws), check=str(check), app_ws=str(app_ws))
    sandbox = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert sandbox.stdout.readline().strip() == "ready"
        wait_for(lambda: all(processes_with(m) for m in [*marks.values(), forked]), timeout=60,
                 what="every process the check and the app start")
        sandbox.send_signal(signal.SIGKILL)
        sandbox.wait()
        wait_for(lambda: not any(processes_with(m) for m in [*marks.values(), forked]),
                 what="everything they started to end with the sandbox")
    finally:
        if sandbox.poll() is None:
            sandbox.kill()
        sandbox.stdout.close()
        for mark in [*marks.values(), forked]:
            for pid in processes_with(mark):
                os.kill(pid, signal.SIGKILL)


# --- the database browser --------------------------------------------------------------------


def secret_database(folder: Path) -> Path:
    folder.mkdir(mode=0o700)
    path = folder / "secret.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE passwords (word)")
    connection.execute("INSERT INTO passwords VALUES ('hunter2')")
    connection.commit()
    connection.close()
    path.chmod(0o600)
    return path


def test_the_database_browser_never_follows_a_link_the_learner_planted(tmp_path):
    secret = secret_database(tmp_path / "private")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    sqlite3.connect(workspace / "blog.db").close()
    path = dbbrowser.database_path(workspace, "blog.db")  # listed while it was a plain file
    (workspace / "blog.db").unlink()
    (workspace / "blog.db").symlink_to(secret)  # then swapped for a link by the learner's code
    (workspace / "data").symlink_to(secret.parent)
    for attempt in (lambda: dbbrowser.tables(path, root=workspace),
                    lambda: dbbrowser.rows(path, "passwords", root=workspace),
                    lambda: dbbrowser.tables(workspace / "data" / "secret.db", root=workspace),
                    lambda: dbbrowser.tables(path)):
        with pytest.raises(BrowseError, match="link"):
            attempt()
    assert "blog.db" not in dbbrowser.find_databases(workspace)


def test_the_database_page_refuses_a_link_swapped_in_after_the_list(client, services, tmp_path, monkeypatch):
    secret = secret_database(tmp_path / "private")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "blog.db").symlink_to(secret)
    services.start_preview(PreviewManager(watch=False))
    try:
        services.preview._last_workspace[current_learner().id] = workspace
        # The file list was made while blog.db was a plain file; the learner's code swapped it since.
        monkeypatch.setattr(dbbrowser, "find_databases", lambda folder, **_: ["blog.db"])
        page = client.get("/database?file=blog.db&table=passwords", expect_errors=True)
    finally:
        services.preview.close()
    assert "hunter2" not in page.text and "passwords" not in page.text.replace("table=passwords", "")
    assert page.status_int == 404 and "never follows links" in html.unescape(page.text)


# --- saying which walls hold ----------------------------------------------------------------


def test_without_bubblewrap_the_sandbox_says_plainly_that_learner_code_is_not_walled_in(tmp_path):
    missing = containment.probe(bwrap=str(tmp_path / "no-bwrap"), environ={})
    assert not missing.active and "not installed" in missing.reason
    assert "not walled in" in missing.sentence and "bubblewrap" in missing.sentence
    off = containment.probe(environ={containment.ENV_SWITCH: "off"})
    assert not off.active and "SANDBOX_CONTAINMENT=off" in off.sentence
    broken = tmp_path / "bwrap"
    broken.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n")
    broken.chmod(0o755)
    refused = containment.probe(bwrap=str(broken), environ={})
    assert not refused.active and "No permissions to creating new namespace" in refused.sentence
    # Then every learner process runs as before, with the limits only.
    assert containment.wrap(refused, "check", ["python", "-c", "pass"]) == ["python", "-c", "pass"]


def test_uncontained_checks_keep_todays_limits_and_still_run(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "app.py").write_text(APP)
    check = step(tmp_path, "def test_ok(client):\n    assert client.get('/').text == 'Hello'\n")
    with CheckRunner(walls=containment.Protection(False, reason="turned off for this test")) as runner:
        assert not runner.contained
        assert runner.run(workspace, [check]).passed


def test_the_about_page_says_which_protection_is_active(client):
    page = client.get("/about")
    assert containment.protection().sentence in html.unescape(page.text)

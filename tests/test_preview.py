"""The preview process manager: the learner's app runs in a child, restarts on save, and never outlives us."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sandbox import containment
from sandbox.files import learner_change
from sandbox.preview.manager import PreviewManager, crash_report
from tests.conftest import need, wait_for
from tests.support import is_running

ROOT = Path(__file__).resolve().parent.parent

APP = """\
from bottle import Bottle, request

app = Bottle()


@app.route("/")
def home():
    return "<h1>Hello, preview</h1>"


@app.route("/cookies")
def cookies():
    return request.headers.get("Cookie", "no cookies")


@app.route("/env")
def env():
    import os
    return ",".join(sorted(os.environ))
"""


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def workspace(tmp_path):
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "app.py").write_text(APP)
    return folder


@pytest.fixture
def manager():
    found = PreviewManager()
    yield found
    found.close()


def settled(manager, key=1):
    return wait_for(lambda: (s := manager.status(key)) and s.state != "starting" and s, what="the app to start")


def restarted(manager, before, key=1):
    """The status once a save has restarted the app in a new process; ``before`` is from before the save.

    A fetch straight after a save can reach the old process, or be cut off as it is replaced, so wait
    for this first. The new pid is read first: it is set only after the state went back to "starting",
    so a "running" read after it belongs to the new process, not the old one.
    """
    def new_process_running():
        first = manager.status(key)
        if first is None or first.pid in (None, before.pid):
            return None
        now = manager.status(key)
        return now if now.state == "running" and now.pid == first.pid else None

    return wait_for(new_process_running, what="the app to restart in a new process after the save")


def test_the_app_starts_on_a_loopback_port_of_its_own(manager, workspace):
    status = manager.open(1, workspace)
    assert status.url.startswith("http://localhost:")
    assert fetch(status.url) == (200, "<h1>Hello, preview</h1>")
    assert settled(manager).state == "running"


def test_a_saved_change_restarts_the_app(manager, workspace):
    status = manager.open(1, workspace)
    assert "Hello, preview" in fetch(status.url)[1]
    (workspace / "app.py").write_text(APP.replace("Hello, preview", "Changed text"))
    now = restarted(manager, status)
    assert fetch(now.url) == (200, "<h1>Changed text</h1>")
    assert now.changes >= 1 and now.generation >= 2  # counted as a change, so the page re-runs the checks


def test_database_writes_do_not_restart_the_app():
    assert not learner_change("blog.db") and not learner_change("blog.db-journal") and not learner_change("app.log")
    assert not learner_change(".app.py.x1y2.tmp") and not learner_change("__pycache__/app.pyc")
    assert not learner_change("venv/lib/site.py") and not learner_change(".venv/bin/activate")
    assert learner_change("app.py") and learner_change("views/index.tpl")


def test_a_data_folder_under_a_hidden_folder_still_restarts_the_app(manager, tmp_path):
    """An installed sandbox keeps its data in ~/.local/share: a hidden folder above the workspace."""
    workspace = tmp_path / ".local" / "share" / "ws"
    workspace.mkdir(parents=True)
    (workspace / "app.py").write_text(APP)
    status = manager.open(1, workspace)
    assert "Hello, preview" in fetch(status.url)[1]
    (workspace / "app.py").write_text(APP.replace("Hello, preview", "Changed text"))
    assert fetch(restarted(manager, status).url) == (200, "<h1>Changed text</h1>")


def test_an_import_error_is_shown_with_the_learners_file_and_line(manager, workspace):
    (workspace / "app.py").write_text("from bottle import Bottle\n\napp = Bottle(\n")
    status = manager.open(1, workspace)
    settled_status = settled(manager)
    assert settled_status.state == "error"
    assert settled_status.error["file"] == "app.py" and settled_status.error["line"] == 3
    code, page = fetch(status.url)
    assert code == 500 and "Your app could not start in app.py, line 3" in page
    assert "SyntaxError" in manager.output(1)[0]


def test_an_error_raised_while_importing_points_at_the_line(manager, workspace):
    (workspace / "app.py").write_text("from bottle import Bottle\napp = Bottle()\nprint('booting')\n1 / 0\n")
    manager.open(1, workspace)
    error = settled(manager).error
    assert (error["file"], error["line"]) == ("app.py", 4) and "ZeroDivisionError" in error["message"]
    assert "booting" in manager.output(1)[0]
    assert "sandbox" not in error["traceback"] and 'app.py", line 4' in error["traceback"]  # the learner's frames
    assert "preview" not in manager.output(1)[0].split("booting", 1)[1]  # nor in the console


def test_a_module_level_run_is_skipped_and_said_so_in_the_console(manager, workspace):
    (workspace / "app.py").write_text(APP + "\nfrom bottle import run\nrun(app, port=8080)\n")
    status = manager.open(1, workspace)
    assert settled(manager).state == "running"
    assert fetch(status.url) == (200, "<h1>Hello, preview</h1>")
    wait_for(lambda: "skipped run()" in manager.output(1)[0], what="the console to mention run()")


def test_a_crash_is_reported_and_the_port_refuses_instead_of_hanging(manager, workspace):
    (workspace / "app.py").write_text(APP + textwrap.dedent("""
        @app.route("/die")
        def die():
            import os, sys
            print("about to die", flush=True)
            os._exit(3)
    """))
    status = manager.open(1, workspace)
    with pytest.raises(OSError):
        urllib.request.urlopen(status.url + "die", timeout=5)
    crashed = wait_for(lambda: manager.status(1).state == "crashed" and manager.status(1), what="the crash")
    assert "exit code 3" in crashed.error["message"] and "about to die" in manager.output(1)[0]
    with pytest.raises(OSError):
        wait_for(lambda: urllib.request.urlopen(status.url, timeout=2) and False, timeout=2)
    (workspace / "app.py").write_text(APP)  # saving again brings it back
    assert fetch(restarted(manager, crashed).url) == (200, "<h1>Hello, preview</h1>")


def test_crash_report_finds_the_learners_line():
    output = 'Traceback (most recent call last):\n  File "/ws/app.py", line 7, in home\nKeyError: 1\n'
    report = crash_report(output, Path("/ws"), 1)
    assert (report["file"], report["line"]) == ("app.py", 7) and "KeyError: 1" in report["message"]


def test_the_child_gets_a_clean_environment(manager, workspace, monkeypatch):
    monkeypatch.setenv("SANDBOX_TOKEN", "secret-token")
    status = manager.open(1, workspace)
    names = fetch(status.url + "env")[1].split(",")
    assert "SANDBOX_TOKEN" not in names and not [n for n in names if n.startswith("SANDBOX")]


def test_one_preview_per_learner_and_opening_another_lesson_stops_the_first(manager, workspace, tmp_path):
    first = manager.open(1, workspace)
    other = tmp_path / "other"
    other.mkdir()
    (other / "app.py").write_text(APP.replace("Hello, preview", "Other lesson"))
    second = manager.open(1, other)
    assert "Other lesson" in fetch(second.url)[1]
    wait_for(lambda: not is_running(first.pid), what="the first app to stop")
    assert manager.open(1, other).pid == second.pid  # opening the same lesson again keeps it


def test_an_idle_preview_is_stopped(workspace):
    manager = PreviewManager(idle_seconds=0.2)
    try:
        pid = manager.open(1, workspace).pid
        wait_for(lambda: manager._previews.get(1) is None, timeout=5, what="the idle stop")
        assert manager.status(1) is None
        wait_for(lambda: not is_running(pid), what="the process to end")
    finally:
        manager.close()


def test_closing_the_manager_kills_the_app_and_what_it_started(workspace):
    (workspace / "app.py").write_text(APP + textwrap.dedent("""
        import subprocess
        helper = subprocess.Popen(["sleep", "60"])

        @app.route("/helper")
        def helper_pid():
            return str(helper.pid)
    """))
    manager = PreviewManager()
    status = manager.open(1, workspace)
    helper = int(fetch(status.url + "helper")[1])
    if containment.protection().active:  # the app has a PID namespace of its own
        helper = containment.host_pid(status.pid, helper)
    manager.close()
    wait_for(lambda: not is_running(status.pid) and not is_running(helper), what="the app and its helper to end")


SANDBOX_STANDIN = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from sandbox.preview.manager import PreviewManager
manager = PreviewManager()
status = manager.open(1, Path({workspace!r}))
print(status.pid, status.url, flush=True)
time.sleep(60)
"""


def test_the_app_exits_when_the_sandbox_is_killed_hard(workspace):
    script = SANDBOX_STANDIN.format(root=str(ROOT), workspace=str(workspace))
    sandbox = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pid, url = sandbox.stdout.readline().split()
        assert fetch(url)[0] == 200
        sandbox.send_signal(signal.SIGKILL)
        sandbox.wait()
        wait_for(lambda: not is_running(int(pid)), timeout=5, what="the orphaned app to exit")
    finally:
        if sandbox.poll() is None:
            sandbox.kill()
        sandbox.stdout.close()


def test_the_app_never_runs_as_root(manager, workspace):
    (workspace / "app.py").write_text(APP + '\n@app.route("/uid")\ndef uid():\n    import os\n    return str(os.getuid())\n')
    status = manager.open(1, workspace)
    uid = fetch(status.url + "uid")[1]
    # As root the app is dropped to `nobody`; otherwise it keeps the learner's own user.
    assert uid != "0" and (os.geteuid() == 0 or uid == str(os.geteuid()))


def test_the_preview_lends_htmx_until_the_learner_adds_their_own(manager, workspace):
    from sandbox.preview.child import HTMX_BUNDLE

    need(HTMX_BUNDLE.is_file(), "the front-end bundle is not built (npm)")
    status = manager.open(1, workspace)
    code, body = fetch(status.url + "static/htmx.min.js")
    assert code == 200 and "htmx" in body
    (workspace / "static").mkdir()
    (workspace / "static" / "htmx.min.js").write_text("/* mine */")  # a saved file: the app restarts
    code, body = fetch(restarted(manager, status).url + "static/htmx.min.js")
    assert code == 404  # the learner's own file is now theirs to serve; this app has no static route


def test_the_pane_may_frame_an_app_that_forbids_frames_and_the_app_alone_still_forbids_them(manager, tmp_path):
    """Django sends X-Frame-Options: DENY by default, and the course's security lessons add frame-ancestors:
    the preview pane's frame shows the app all the same; the app opened on its own keeps its headers."""
    from sandbox.preview.recorder import framable

    folder = tmp_path / "ws-frames"
    folder.mkdir()
    (folder / "app.py").write_text(
        "from bottle import Bottle, response\n\napp = Bottle()\n\n\n@app.route('/')\ndef home():\n"
        "    response.set_header('X-Frame-Options', 'DENY')\n"
        "    response.set_header('Content-Security-Policy', \"default-src 'self'; frame-ancestors 'none'\")\n"
        "    return '<h1>Framed?</h1>'\n")
    status = manager.open(1, folder)
    settled(manager)

    def headers(dest):
        request = urllib.request.Request(status.url, headers={"Sec-Fetch-Dest": dest})
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.headers

    framed, alone = headers("iframe"), headers("document")
    assert framed["X-Frame-Options"] is None and framed["Content-Security-Policy"] == "default-src 'self'"
    assert alone["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in alone["Content-Security-Policy"]
    assert framable([("Content-Security-Policy", "frame-ancestors 'none'")]) == []

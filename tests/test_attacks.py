"""Attacks on a running sandbox: hostile learner code through the real Check route, hostile paths in
every route that takes one, and hostile HTTP clients (oversized bodies, slow headers).

A real Waitress server (the one the launcher embeds) serves a fresh app per test on a free port.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from sandbox import containment
from sandbox.checker.limits import count_user_processes
from sandbox.launch.server import EmbeddedServer
from sandbox.packs.install import install_pack
from sandbox.services import Services
from tests.conftest import wait_for
from tests.support import FIXTURE_PACK, HELLO_APP, HELLO_STEP, Live, descendants

pytestmark = pytest.mark.slow
NOBODY = 65534
CHECK_SECONDS = 3.0  # each check's own timeout here, so a runaway ends quickly


def nobodys_left() -> int:
    """Processes of `nobody` still running. In a bubblewrap sandbox whatever a check started stays in
    it, below this process, so only those count (not other programs' `nobody` on this computer)."""
    if not containment.protection().active:
        return count_user_processes(NOBODY)
    mine = 0
    for pid in descendants(os.getpid()):
        try:
            mine += os.stat(f"/proc/{pid}").st_uid == NOBODY
        except OSError:
            pass
    return mine


def integrity(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


class ShortChecks:
    """The session's warm check runner, with every check given CHECK_SECONDS to finish."""

    def __init__(self, runner):
        self.runner = runner

    def run(self, *args, **kwargs):
        return self.runner.run(*args, **{**kwargs, "timeout": CHECK_SECONDS})

    def stop(self) -> None:
        """Nothing to stop: the warm worker belongs to the test session."""


@pytest.fixture
def live(settings, store, check_runner):
    """A real server on a free port with the fixture pack installed; yields a logged-in learner."""
    from sandbox.packs.catalog import Catalog
    from sandbox.web import create_app

    install_pack(FIXTURE_PACK, settings.packs_dir)
    services = Services(store=store, open_url=lambda url: True, catalog=Catalog(settings.packs_dir),
                        checker=ShortChecks(check_runner))
    server = EmbeddedServer(create_app(settings, services), host="127.0.0.1", port=0, max_body_bytes=64 * 1024)
    settings.port = server.port
    server.start()
    try:
        learner = Live(f"http://127.0.0.1:{server.port}/?token={settings.token}")
        learner.settings = settings
        assert learner.get(HELLO_STEP)[0] == 200
        yield learner
    finally:
        server.stop()


def check(learner, app_text: str) -> tuple[int, str]:
    return learner.post(HELLO_STEP + "/check", {"file:app.py": app_text}, headers={"HX-Request": "true"})


# -- learner code through the real check route ----------------------------------------------

RUNAWAYS = {
    "infinite loop": ("while True:\n    pass\n", f"did not finish within {CHECK_SECONDS:g} s"),
    "fork bomb": ("import os\nwhile True:\n    os.fork()\n", "more processes than a check allows|did not finish"),
    "memory bomb": ("hoard = bytearray(4 * 1024 ** 3)\n", "more memory than a check allows"),
    "100 MB of output": ("import sys\nfor _ in range(100):\n    sys.stdout.write('x' * 1024 * 1024)\n",
                         "printed too much"),
    "killing its parent": ("import os\nos.kill(os.getppid(), 9)\n",  # refused as nobody; else the worker is replaced
                           "Operation not permitted" if os.geteuid() == 0 else "stopped unexpectedly"),
}


@pytest.mark.parametrize("name", list(RUNAWAYS))
def test_runaway_learner_code_is_stopped_and_the_sandbox_stays_responsive(live, name):
    import re

    code, message = RUNAWAYS[name]
    answer = {}
    worker = threading.Thread(target=lambda: answer.update(result=check(live, HELLO_APP + code)))
    worker.start()
    # While the runaway runs, the learner keeps using the sandbox: every page answers (a hung
    # server fails the request's generous timeout instead of passing).
    home_answers = []
    deadline = time.monotonic() + 30
    while worker.is_alive() and time.monotonic() < deadline:
        home_answers.append(live.get("/", timeout=10)[0])
    worker.join(30)
    assert not worker.is_alive(), "the check never answered"
    status, body = answer["result"]
    assert status == 200  # the learner reads a sentence; the raw traceback is one click away, by design
    assert re.search(message, body), body[-3000:]
    assert all(s == 200 for s in home_answers), home_answers
    if os.geteuid() == 0:
        wait_for(lambda: nobodys_left() == 0, what="the check's processes to be gone")
    assert "All checks passed" in check(live, HELLO_APP)[1]  # and the next check works as usual


def test_learner_code_cannot_delete_the_database_or_real_workspace(live):
    settings = live.settings
    db = settings.db_path
    real_app = settings.workspaces_dir / "1" / "hello-web" / "01-first-routes" / "app.py"
    targets = ["../../sandbox.db", "../../../../sandbox.db", str(db), str(real_app), str(settings.data_dir)]
    attack = HELLO_APP + (
        "import os, shutil\n"
        f"for target in {targets!r}:\n"
        "    try:\n"
        "        shutil.rmtree(target) if os.path.isdir(target) else os.remove(target)\n"
        "    except OSError as exc:\n"
        "        print('refused', target, type(exc).__name__)\n"
        "    else:\n"
        "        print('DELETED', target)\n"
    )
    status, body = check(live, attack)
    assert status == 200
    assert db.is_file() and integrity(db) == "ok"
    assert real_app.read_text() == attack  # the check ran on a copy; the learner's file is untouched
    if os.geteuid() == 0:
        assert "DELETED" not in body  # as root, a check runs as nobody and may write nowhere of ours
    assert "All checks passed" in check(live, HELLO_APP)[1]


# -- hostile paths ---------------------------------------------------------------------------

HOSTILE_PATHS = ["../outside.py", "../../sandbox.db", "a/../../outside.py", "/etc/passwd", "/tmp/outside.py",
                 "C:/outside.py", "..\\outside.py", "app.py\x00.txt", "\x00", ".hidden/app.py", "", "a" * 500]


@pytest.mark.parametrize("rel", HOSTILE_PATHS)
def test_save_and_check_refuse_hostile_paths_with_a_sentence(client, settings, rel):
    install_pack(FIXTURE_PACK, settings.packs_dir)
    before = snapshot(settings.data_dir)
    r = client.post(HELLO_STEP + "/save", {"path": rel, "content": "owned", "csrf_token": client.csrf},
                    headers={"Accept": "text/plain"}, status=400)
    assert r.text and "Traceback" not in r.text and len(r.text) < 300
    r = client.post(HELLO_STEP + "/check", {f"file:{rel}": "owned", "csrf_token": client.csrf},
                    headers={"HX-Request": "true"}, status=400)
    assert "Traceback" not in r.text
    r = client.get(HELLO_STEP + "/history", {"path": rel}, expect_errors=True)
    assert r.status_int == 400 and "Traceback" not in r.text
    assert no_file_says_owned(settings.data_dir.parent, before)


def test_percent_encoded_dots_stay_inside_the_workspace(client, settings):
    """A form field is decoded once: %2e%2e arrives as the literal name '%2e%2e', a folder inside."""
    install_pack(FIXTURE_PACK, settings.packs_dir)
    client.post(HELLO_STEP + "/save", "path=%252e%252e%2Fescaped.py&content=owned&csrf_token=" + client.csrf,
                headers={"Content-Type": "application/x-www-form-urlencoded"}, status=200)
    workspace = settings.workspaces_dir / "1" / "hello-web" / "01-first-routes"
    assert (workspace / "%2e%2e" / "escaped.py").read_text() == "owned"
    assert not (workspace.parent / "escaped.py").exists()


def snapshot(root: Path) -> set[Path]:
    return set(root.rglob("*"))


def no_file_says_owned(root: Path, before: set[Path]) -> bool:
    workspace = root / "data" / "workspaces"
    for path in set(root.rglob("*")) - before:
        if path.is_file() and path.read_bytes() == b"owned" and workspace not in path.parents:
            return False
    return not Path("/tmp/outside.py").exists()


# A path climbing out with ".." is refused (403); any other odd name is simply no file of ours (404).
CLIMBING_OUT = ["/static/../web/security.py", "/static/%2e%2e/web/security.py", "/static/..%2fweb%2fsecurity.py",
                "/static/%2e%2e%2f%2e%2e%2fconfig.py"]
NO_SUCH_FILE = ["/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/css/app.css%00.py",
                "/static/..%5cweb%5csecurity.py"]  # on Linux a backslash is part of a file name


@pytest.mark.parametrize("path, status", [(p, 403) for p in CLIMBING_OUT] + [(p, 404) for p in NO_SUCH_FILE])
def test_static_files_never_leave_the_static_folder(client, path, status):
    r = client.get(path, status=status)
    assert "SecurityMiddleware" not in r.text and "root:" not in r.text


@pytest.mark.parametrize("path", ["/progress/exports/..%2fsandbox.db", "/progress/exports/%2e%2e",
                                  "/database?file=../../sandbox.db", "/database?file=/etc/passwd",
                                  "/database?file=%00"])
def test_other_routes_taking_a_path_refuse_to_leave_their_folder(client, path):
    r = client.get(path, status=404)  # nothing outside the folder exists, as far as these routes tell
    assert "SQLite format" not in r.text and "root:" not in r.text and "stepstate" not in r.text.lower()


# -- hostile HTTP clients --------------------------------------------------------------------

def raw(port: int, data: bytes, read: int = 300, timeout: float = 30.0) -> str:
    """Send ``data`` on a fresh connection and return the first bytes of the reply.

    A server that never answers fails the socket's (generous) timeout.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return sock.recv(read).decode("latin-1")


def test_an_oversized_save_is_refused_before_its_body_arrives(live):
    port = live.settings.port
    head = (f"POST {HELLO_STEP}/save HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 500000000\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n").encode()
    reply = raw(port, head + b"x" * 1000)  # 1 kB of a claimed 500 MB: the answer cannot wait for the rest
    assert reply.startswith("HTTP/1.1 413")


def test_a_client_sending_headers_one_byte_a_second_blocks_nobody(live):
    port = live.settings.port
    stop = threading.Event()
    connected = []

    def trickle():
        with socket.create_connection(("127.0.0.1", port)) as sock:
            connected.append(sock)
            for byte in f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ".encode() + b"y" * 200:
                if stop.wait(1.0):
                    return
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    return

    slow = [threading.Thread(target=trickle, daemon=True) for _ in range(12)]  # more than the 6 worker threads
    for t in slow:
        t.start()
    try:
        wait_for(lambda: len(connected) == len(slow), timeout=5, what="the slow clients to connect")
        for _ in range(5):  # a blocked server fails the requests' timeout
            assert live.get("/", timeout=10)[0] == 200
            assert live.post(HELLO_STEP + "/save", {"path": "app.py", "content": HELLO_APP}, timeout=10)[0] == 200
    finally:
        stop.set()
        for t in slow:
            t.join(5)


def test_the_server_drops_a_stalled_client_after_its_channel_timeout(settings, wsgi):
    """The embedded server's channel_timeout (60 s by default) frees a stalled connection; 1 s here."""
    server = EmbeddedServer(wsgi, host="127.0.0.1", port=0, max_body_bytes=1024, channel_timeout=1,
                            cleanup_interval=0.5)
    settings.port = server.port
    server.start()
    try:
        with socket.create_connection(server.address, timeout=30) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHo")
            # An empty read is the server closing the connection; our own timeout would raise instead.
            assert sock.recv(100) == b""
    finally:
        server.stop()


# -- hostile pack archives (beyond tests/test_packs.py) --------------------------------------

def pack_zip(target: Path, extra) -> Path:
    import zipfile

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(FIXTURE_PACK.rglob("*")):
            if path.is_file():
                zf.write(path, "hello/" + path.relative_to(FIXTURE_PACK).as_posix())
        for member, data in extra:
            zf.writestr(member, data)
    return target


def zip_info(name: str, *, mode: int = 0, flags: int = 0):
    import zipfile

    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    info.flag_bits |= flags
    return info


@pytest.mark.parametrize("extra, rule", [
    # Each part is below the per-member ratio check; together they are 60 MB of zeros.
    ([(f"hello/part{i}.bin", bytes(1024 * 1024 - 1)) for i in range(60)], "unpacks to more than 50 MB"),
    ([(zip_info("hello/pipe", mode=0o010644), b"")], "is not a regular file"),
    ([(zip_info("hello/lessons", mode=0o120777), b"/etc")], "is a symbolic link"),
    ([("hello/NOTES.txt", b"a"), ("hello/notes.txt", b"b")], "appears twice"),
], ids=["bomb-of-small-parts", "fifo", "linked-folder", "names-differing-in-case"])
def test_hostile_pack_archives_are_refused_and_leave_nothing(tmp_path, extra, rule):
    from sandbox.errors import PackError

    installed = tmp_path / "packs"
    with pytest.raises(PackError, match=rule):
        install_pack(pack_zip(tmp_path / "bad.zip", extra), installed)
    assert [p.name for p in installed.iterdir()] == []


def test_a_pack_folder_holding_a_linked_folder_is_refused(tmp_path):
    import shutil

    from sandbox.errors import PackError

    source = tmp_path / "hello"
    shutil.copytree(FIXTURE_PACK, source)
    (source / "lessons" / "01-first-routes" / "starter" / "etc").symlink_to("/etc", target_is_directory=True)
    with pytest.raises(PackError, match="starter/etc in hello is a symbolic link"):
        install_pack(source, tmp_path / "packs")
    assert [p.name for p in (tmp_path / "packs").iterdir()] == []

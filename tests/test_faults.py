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

    proc2, url2 = sandbox_process(data)  # the crash left a lock file and a WAL behind
    assert Live(url2).get(HELLO_STEP)[0] == 200
    os.kill(proc2.pid, signal.SIGTERM)
    proc2.wait(10)

    history = versions_in(data / "sandbox.db")
    assert set(acknowledged) <= set(history), "an acknowledged save is missing from history"
    on_disk = data.joinpath(*WORKSPACE, "app.py").read_text()
    assert on_disk in sent[sent.index(acknowledged[-1]):], "the file on disk is older than the last acknowledged save"
    leftovers = [p.name for p in data.joinpath(*WORKSPACE).iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 1  # at most the temp file of the save that was cut off


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

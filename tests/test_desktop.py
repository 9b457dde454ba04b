"""Desktop smoke test: the real pywebview window under Xvfb loads the page and closes cleanly."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, need

pytestmark = pytest.mark.desktop


@pytest.fixture(scope="module")
def xvfb():
    binary = shutil.which("Xvfb")
    need(binary is not None, "Xvfb is not installed (Debian package xvfb)")
    read, write = os.pipe()
    proc = subprocess.Popen([binary, "-displayfd", str(write), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()
    need(number.isdigit(), "Xvfb did not start")
    yield f":{number}"
    proc.terminate()
    proc.wait(5)


def descendants(pid: int) -> set[int]:
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, set()).add(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.add(child)
            todo.append(child)
    return found


def alive(pids):
    return {p for p in pids if Path(f"/proc/{p}").exists()}


def test_window_opens_loads_the_page_and_closes_cleanly(xvfb, tmp_path):
    from sandbox.launch.window import gui_problem

    env = {**os.environ, "DISPLAY": xvfb, "PYTHONUNBUFFERED": "1"}
    env.pop("WAYLAND_DISPLAY", None)
    problem = gui_problem(env)
    assert problem is None, f"no window can open here: {problem}"
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(ROOT / "launcher.py"), "--data-dir", str(tmp_path / "data")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        address = proc.stdout.readline()
        assert address.startswith("Sandbox running at http://127.0.0.1:"), address
        loaded = proc.stdout.readline()
        load_seconds = time.monotonic() - started
        port = address.split("127.0.0.1:")[1].split("/")[0]
        assert loaded.strip() == f"Window loaded: http://127.0.0.1:{port}/", loaded
        print(f"launch to window loaded: {load_seconds:.2f} s")
        family = descendants(proc.pid)
        stop_started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        print(f"window close to exit: {time.monotonic() - stop_started:.2f} s")
        assert time.monotonic() - stop_started < 2.0
        deadline = time.monotonic() + 2
        while alive(family) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(family), "a child process of the window outlived it"
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=5)
    assert proc.returncode == 0
    assert "Traceback" not in err
    log = (tmp_path / "data" / "logs" / "sandbox.log").read_text()
    assert "Top-frame guard installed: True" in log

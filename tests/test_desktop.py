"""Desktop smoke test: the real pywebview window under Xvfb loads the page and closes cleanly."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, need, wait_for
from tests.support import descendants, is_running

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
        print(f"launch to window loaded: {load_seconds:.2f} s")  # for the reader; bench/ times it
        family = descendants(proc.pid)  # found while it runs: once it exits they are no longer below it
        stop_started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)  # the bound only catches a hang
        print(f"window close to exit: {time.monotonic() - stop_started:.2f} s")
        wait_for(lambda: not [p for p in family if is_running(p)],
                 what=f"the window's children {family} to exit (one outlived the window)")
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=5)
    assert proc.returncode == 0
    assert "Traceback" not in err
    log = (tmp_path / "data" / "logs" / "sandbox.log").read_text()
    assert "Top-frame guard installed: True" in log


@pytest.mark.parametrize("screens, size", [
    ([], (1280, 860)),
    ([(1920, 1080)], (1280, 860)),
    ([(1024, 768)], (984, 678)),
    ([(800, 600)], (800, 560)),
])
def test_the_window_opens_no_larger_than_the_screen(screens, size):
    from sandbox.launch.window import window_size

    assert window_size(screens) == size


def test_the_window_stays_on_the_sandbox_when_its_page_navigates_elsewhere(xvfb, tmp_path):
    """A real top-frame navigation to another origin, started inside the real window over Qt
    WebEngine's DevTools protocol: the window stays, and the address goes to the system browser."""
    import json
    import socket
    import urllib.request

    import websocket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        devtools = probe.getsockname()[1]
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    env = {**os.environ, "DISPLAY": xvfb, "PYTHONUNBUFFERED": "1", "BROWSER": str(browser),
           "QTWEBENGINE_REMOTE_DEBUGGING": f"127.0.0.1:{devtools}"}
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.Popen([sys.executable, str(ROOT / "launcher.py"), "--data-dir", str(tmp_path / "data")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        address = proc.stdout.readline()
        port = address.split("127.0.0.1:")[1].split("/")[0]
        assert proc.stdout.readline().strip() == f"Window loaded: http://127.0.0.1:{port}/"
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{devtools}/json", timeout=10))
        [page] = [t for t in targets if t.get("type") == "page"]
        channel = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=10)

        def evaluate(number, expression):
            channel.send(json.dumps({"id": number, "method": "Runtime.evaluate",
                                     "params": {"expression": expression, "returnByValue": True}}))
            return json.loads(channel.recv())["result"]["result"].get("value")

        evaluate(1, "location.href = 'http://127.0.0.1:9/elsewhere'; 1")
        wait_for(lambda: opened.is_file(), what="the other address to go to the system browser")
        assert opened.read_text().strip() == "http://127.0.0.1:9/elsewhere"
        assert evaluate(2, "location.href") == f"http://127.0.0.1:{port}/"
        channel.close()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)

"""Startup: launch to the server answering (headless), and to the window's page loaded under Xvfb.

Baseline, measured in the same run: a bare interpreter importing the same web stack.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._util import ROOT, headless_sandbox, median, session

RUNS = 7


def time_bare_imports() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import bottle, waitress, peewee"], check=True)
    return time.perf_counter() - started


def time_headless(data_dir: Path) -> float:
    started = time.perf_counter()
    with headless_sandbox(data_dir) as (proc, url, _):
        session(url)  # the launch link answers with the home page
        return time.perf_counter() - started


def time_window(data_dir: Path) -> float | None:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        return None
    read, write = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write), "-nolisten", "tcp"], pass_fds=(write,),
                              stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as fh:
        display = ":" + fh.readline().strip()
    try:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(ROOT / "launcher.py"), "--data-dir", str(data_dir)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                env={**os.environ, "DISPLAY": display, "PYTHONUNBUFFERED": "1"})
        loaded = None
        for line in proc.stdout:
            if line.startswith("Window loaded"):
                loaded = time.perf_counter() - started
                break
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        return loaded
    finally:
        server.terminate()
        server.wait(5)


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        bare = [time_bare_imports() for _ in range(RUNS)]
        data = Path(tmp) / "data"
        time_headless(data)  # first start installs the built-in course; later starts are what users see
        headless = [time_headless(data) for _ in range(RUNS)]
        windows = [w for w in (time_window(data) for _ in range(3)) if w is not None]
    results = {"bare_imports_ms": median(bare) * 1000, "launch_to_answer_ms": median(headless) * 1000,
               "launch_to_window_loaded_ms": median(windows) * 1000 if windows else None}
    print(f"bare interpreter + imports p50: {results['bare_imports_ms']:.0f} ms")
    print(f"launch to server answering p50: {results['launch_to_answer_ms']:.0f} ms "
          f"({results['launch_to_answer_ms'] / results['bare_imports_ms']:.1f} x the bare imports)")
    if windows:
        print(f"launch to window loaded (Xvfb) p50: {results['launch_to_window_loaded_ms']:.0f} ms")
    else:
        print("launch to window loaded: not measured (Xvfb is not installed)")
    return results

"""How fast a typical step is checked: warm worker (fork per check) versus a fresh `python -m pytest`."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox.checker import CheckRunner

N = 20
ROOT = Path(__file__).resolve().parent.parent

APP = """\
from bottle import Bottle, template

app = Bottle()


@app.route('/')
def home():
    return '<h1>Welcome to my blog</h1>'


@app.route('/hello/<name>')
def hello(name):
    return template('<p>Hello {{name}}!</p>', name=name)
"""

CHECK = """\
def test_home_page(client):
    '''The home page welcomes visitors'''
    r = client.get('/', status='*')
    assert r.status_int == 200, f"Your / page answered {r.status_int}. Add a route for '/'."
    assert 'Welcome' in r.text, "Your home page should say Welcome."


def test_hello_names_the_visitor(client):
    '''/hello/<name> greets by name'''
    r = client.get('/hello/Ada', status='*')
    assert 'Hello Ada!' in r.text, "Visiting /hello/Ada should show 'Hello Ada!'."
    assert client.get('/missing', status='*').status_int == 404, "Unknown pages should answer 404."
"""


def build_step(folder: Path) -> tuple[Path, Path]:
    workspace = folder / "workspace"
    workspace.mkdir()
    (workspace / "app.py").write_text(APP)
    check = folder / "checks" / "test_step.py"
    check.parent.mkdir()
    check.write_text(CHECK)
    return workspace, check


def time_warm(workspace: Path, check: Path) -> list[float]:
    times = []
    with CheckRunner() as runner:
        runner.run(workspace, [check])  # the first run pays for nothing extra, but keep it out anyway
        for _ in range(N):
            started = time.perf_counter()
            result = runner.run(workspace, [check])
            times.append((time.perf_counter() - started) * 1000)
            if not result.passed:
                print("warning: the warm check did not pass:", result.summary)
    return times


def time_fresh(workspace: Path, check: Path) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "sandbox.checker.plugin",
               "--sandbox-workspace", str(workspace), str(check)]
    times = []
    for _ in range(N):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=check.parent, env=env, capture_output=True)
        times.append((time.perf_counter() - started) * 1000)
        if done.returncode != 0:
            print("warning: the fresh pytest run failed:", done.stdout.decode()[-300:])
    return times


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-check-") as folder:
        workspace, check = build_step(Path(folder))
        warm = statistics.median(time_warm(workspace, check))
        fresh = statistics.median(time_fresh(workspace, check))
    print(f"warm worker p50: {warm:.0f} ms")
    print(f"fresh pytest p50: {fresh:.0f} ms")
    print(f"speed-up: {fresh / warm:.1f} x")

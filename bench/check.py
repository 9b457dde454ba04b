"""How fast a typical step is checked: warm worker (fork per check) versus a fresh `python -m pytest`.

Click to result: POST .../check over HTTP to a headless sandbox with the tests' fixture pack,
as the lesson page's Check button sends it. Baseline in the same run: a fresh `python -m pytest`
process on the same check file and learner files. Targets: p50 <= 120 ms and >= 3x faster.

Frameworks: the same step written in Bottle, Flask, FastAPI and Django, each checked in the warm
worker of its own pack environment (``bench/frameworks.py``); goal within 2x of Bottle.

Containment: the same click to result on two sandboxes running side by side, one whose checks run
in bubblewrap (``sandbox.containment``, when it works here) and one started with
``SANDBOX_CONTAINMENT=off``, their requests alternating so both see the same machine. Goal: the
contained p50 within 10% of the uncontained one.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import frameworks
from bench._util import FIXTURE_PACK, HELLO_APP, HELLO_STEP, Live, headless_sandbox, install_fixture_pack, pct
from sandbox import containment
from sandbox.checker import CheckRunner
from sandbox.checker.results import headline

N = 20
ROUTE_N = 40
TARGET_P50_MS = 120
TARGET_RATIO = 3.0
TARGET_CONTAINED_RATIO = 1.10  # contained p50 / uncontained p50
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


def time_warm(workspace: Path, check: Path, walls=None) -> list[float]:
    times = []
    with CheckRunner(walls=walls) as runner:
        runner.run(workspace, [check])  # the first run pays for nothing extra, but keep it out anyway
        for _ in range(N):
            started = time.perf_counter()
            result = runner.run(workspace, [check])
            times.append((time.perf_counter() - started) * 1000)
            if not result.passed:
                print("warning: the warm check did not pass:", headline(result.to_dict()))
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


def time_routes(folder: Path) -> dict[str, list[float]]:
    """Click to result through the real server: the Check button's POST, answered with the result partial;
    on a sandbox with the walls it has here ("contained") and one with them off ("uncontained"),
    alternating one request each so drift on a shared machine hits both alike."""
    kinds = {"contained": {}, "uncontained": {containment.ENV_SWITCH: "off"}}
    fields = {"file:app.py": HELLO_APP}
    headers = {"HX-Request": "true"}
    with contextlib.ExitStack() as stack:
        learners = {}
        for kind, env in kinds.items():
            data_dir = folder / f"data-{kind}"
            install_fixture_pack(data_dir)
            _, url, _ = stack.enter_context(headless_sandbox(data_dir, env=env))
            learner = Live(url)
            learner.get(HELLO_STEP)  # opens the lesson: the workspace starts from its starter
            for _ in range(3):  # the worker may still be warming up just after launch
                learner.post(HELLO_STEP + "/check", fields, headers=headers)
            learners[kind] = learner
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(ROUTE_N):
            for kind, learner in learners.items():
                started = time.perf_counter()
                status, body = learner.post(HELLO_STEP + "/check", fields, headers=headers)
                times[kind].append((time.perf_counter() - started) * 1000)
                if status != 200 or "All checks passed" not in body:
                    print(f"warning: the {kind} check through the route answered {status} without passing")
    return times


def hello_step(folder: Path) -> tuple[Path, Path]:
    workspace = folder / "hello-workspace"
    workspace.mkdir()
    (workspace / "app.py").write_text(HELLO_APP)
    # Copied out of tests/, whose conftest.py would otherwise join the fresh pytest run.
    check = folder / "hello-checks" / "test_hello.py"
    check.parent.mkdir()
    check.write_text((FIXTURE_PACK / "lessons" / "01-first-routes" / "checks" / "test_hello.py").read_text())
    return workspace, check


def run() -> dict:
    walls = containment.protection()
    off = containment.Protection(False, reason=f"{containment.ENV_SWITCH}=off")
    with tempfile.TemporaryDirectory(prefix="bench-check-") as folder:
        routes = time_routes(Path(folder))
        route = routes["contained"]
        workspace, check = hello_step(Path(folder))
        runner = time_warm(workspace, check, walls)
        runner_off = time_warm(workspace, check, off)
        fresh = time_fresh(workspace, check)
        blog_workspace, blog_check = build_step(Path(folder))
        blog_warm = time_warm(blog_workspace, blog_check, walls)
        by_framework = frameworks.time_frameworks(Path(folder) / "frameworks", walls)
    results = {
        "containment": walls.sentence,
        "contained": walls.active,
        "route_p50_ms": pct(route, 50), "route_p95_ms": pct(route, 95),
        "route_uncontained_p50_ms": pct(routes["uncontained"], 50),
        "route_uncontained_p95_ms": pct(routes["uncontained"], 95),
        "runner_only_p50_ms": statistics.median(runner),
        "runner_only_uncontained_p50_ms": statistics.median(runner_off),
        "fresh_pytest_p50_ms": pct(fresh, 50), "fresh_pytest_p95_ms": pct(fresh, 95),
        "two_test_step_runner_p50_ms": statistics.median(blog_warm),
    }
    results["contained_over_uncontained_p50"] = results["route_p50_ms"] / results["route_uncontained_p50_ms"]
    results["speedup_p50"] = results["fresh_pytest_p50_ms"] / results["route_p50_ms"]
    results["meets_targets"] = (results["route_p50_ms"] <= TARGET_P50_MS and results["speedup_p50"] >= TARGET_RATIO
                                and results["contained_over_uncontained_p50"] <= TARGET_CONTAINED_RATIO)
    print(f"protection: {walls.sentence}")
    print(f"click to result (POST .../check over HTTP) p50 {results['route_p50_ms']:.0f} ms, "
          f"p95 {results['route_p95_ms']:.0f} ms  (target p50 <= {TARGET_P50_MS} ms)")
    print(f"the same with {containment.ENV_SWITCH}=off, alternating: p50 {results['route_uncontained_p50_ms']:.0f} ms, "
          f"p95 {results['route_uncontained_p95_ms']:.0f} ms; contained / uncontained at p50: "
          f"{results['contained_over_uncontained_p50']:.2f}  (goal <= {TARGET_CONTAINED_RATIO:.2f})")
    print(f"warm runner alone p50: {results['runner_only_p50_ms']:.0f} ms, uncontained "
          f"{results['runner_only_uncontained_p50_ms']:.0f} ms "
          f"(a two-test step: {results['two_test_step_runner_p50_ms']:.0f} ms)")
    print(f"fresh `python -m pytest` p50 {results['fresh_pytest_p50_ms']:.0f} ms, p95 {results['fresh_pytest_p95_ms']:.0f} ms")
    print(f"speed-up at p50: {results['speedup_p50']:.1f} x  (target >= {TARGET_RATIO:g} x)")
    results.update(frameworks.report(by_framework))
    return results

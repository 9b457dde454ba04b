"""Soak: a scripted learner edits, saves, checks and loads pages against the real server for N minutes.

`python -m bench soak --minutes N` (default 30). Loopback only, bounded in time. Reports error
responses, the server's open file handles, child processes and RSS at the start and the end.
tests/test_soak.py runs it for a minute (SANDBOX_SOAK_MINUTES) and asserts no errors and no leaks.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench._util import (
    HELLO_APP,
    HELLO_STEP,
    Live,
    descendants,
    fd_count,
    headless_sandbox,
    install_fixture_pack,
    rss_kb,
)

WRONG_APP = HELLO_APP.replace("Hello, web!", "Hi")
SETTLE_SECONDS = 10.0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench soak")
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to run (default 30)")
    return parser.parse_args(argv)


def holdings(pid: int) -> dict:
    return {"fds": fd_count(pid), "children": len(descendants(pid)), "rss_kb": rss_kb(pid)}


def settled(pid: int, baseline: dict) -> dict:
    """What the server holds once in-flight connections and checks have wound down."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        now = holdings(pid)
        calm = now["fds"] is None or (now["fds"] <= baseline["fds"] and now["children"] <= baseline["children"])
        if calm or time.monotonic() > deadline:
            return now
        time.sleep(0.2)


class Script:
    """One learner's loop: the things the lesson page does, each with the answer it must get."""

    def __init__(self, learner: Live):
        self.learner = learner
        self.requests = 0
        self.errors: list[str] = []
        self.n = 0

    def expect(self, what: str, answer: tuple[int, str], status: int, text: str | None = None) -> None:
        self.requests += 1
        got, body = answer
        if got != status or (text is not None and text not in body):
            self.errors.append(f"{what}: {got} {body[:160]!r}")

    def step(self) -> None:
        self.n += 1
        learner, n = self.learner, self.n
        draft = (WRONG_APP if n % 2 else HELLO_APP) + f"# edit {n}\n"
        self.expect("save", learner.post(HELLO_STEP + "/save", {"path": "app.py", "content": draft}), 200)
        self.expect("save notes", learner.post(HELLO_STEP + "/save", {"path": f"notes/n{n % 5}.txt",
                                                                      "content": f"note {n}"}), 200)
        verdict = "Not yet:" if n % 2 else "All checks passed"
        self.expect("check", learner.post(HELLO_STEP + "/check", {"file:app.py": draft},
                                          headers={"HX-Request": "true"}), 200, verdict)
        self.expect("lesson page", learner.get(HELLO_STEP), 200, "Say hello")
        self.expect("history", learner.get(HELLO_STEP + "/history?path=app.py"), 200)
        self.expect("home", learner.get("/"), 200, "Hello, web")
        if n % 5 == 0:
            self.expect("hint", learner.post(HELLO_STEP + "/hint", {}, headers={"HX-Request": "true"}), 200)
            self.expect("quiz page", learner.get("/learn/hello-web/01-first-routes/why-routes"), 200)
            self.expect("static", learner.get("/static/js/app.js"), 200)
        if n % 10 == 0:
            self.expect("settings", learner.get("/settings"), 200)
            self.expect("progress", learner.get("/progress"), 200)


def run(argv: list[str] | None = None) -> dict:
    options = parse(argv or [])
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        data = Path(tmp) / "data"
        install_fixture_pack(data)
        with headless_sandbox(data) as (proc, url, _):
            script = Script(Live(url))
            for _ in range(3):  # warm: the worker, templates, lazy imports
                script.step()
            start = settled(proc.pid, holdings(proc.pid))
            started = time.monotonic()
            stop = started + options.minutes * 60
            middle, next_report, by_minute = None, started + 60, []
            while time.monotonic() < stop:
                script.step()
                if middle is None and time.monotonic() >= started + options.minutes * 30:
                    middle = holdings(proc.pid)
                if time.monotonic() >= next_report:
                    next_report += 60
                    by_minute.append(rss_kb(proc.pid) / 1024)
                    print(f"  {int((time.monotonic() - started) / 60)} min: {script.requests} requests, "
                          f"{len(script.errors)} errors, {by_minute[-1]:.1f} MB", flush=True)
            seconds = time.monotonic() - started
            end = settled(proc.pid, start)
            alive = proc.poll() is None
    results = {
        "minutes": seconds / 60, "iterations": script.n, "requests": script.requests,
        "requests_per_second": script.requests / seconds, "errors": len(script.errors),
        "error_samples": script.errors[:5], "server_alive": alive,
        "fds_start": start["fds"], "fds_end": end["fds"],
        "children_start": start["children"], "children_end": end["children"],
        "rss_start_mb": start["rss_kb"] / 1024 if start["rss_kb"] else None,
        "rss_middle_mb": middle["rss_kb"] / 1024 if middle and middle["rss_kb"] else None,
        "rss_end_mb": end["rss_kb"] / 1024 if end["rss_kb"] else None,
        "rss_by_minute_mb": by_minute,
    }
    if start["rss_kb"] and end["rss_kb"]:
        results["rss_growth_pct"] = (end["rss_kb"] - start["rss_kb"]) / start["rss_kb"] * 100
    if middle and middle["rss_kb"] and end["rss_kb"]:
        # Warm-up (caches, allocator pools) shows in the first half; a leak shows in both.
        results["rss_second_half_growth_pct"] = (end["rss_kb"] - middle["rss_kb"]) / middle["rss_kb"] * 100
    results["leaked_fds"] = (end["fds"] or 0) - (start["fds"] or 0)
    results["leaked_children"] = end["children"] - start["children"]
    print(f"soak: {results['minutes']:.1f} min, {script.n} learner loops, {script.requests} requests "
          f"({results['requests_per_second']:.1f}/s), {len(script.errors)} errors")
    print(f"server file handles {start['fds']} -> {end['fds']}, child processes {start['children']} -> "
          f"{end['children']}, RSS {results['rss_start_mb']:.1f} -> {results['rss_end_mb']:.1f} MB "
          f"({results.get('rss_growth_pct', 0):+.1f}%; second half {results.get('rss_second_half_growth_pct', 0):+.1f}%)")
    for sample in script.errors[:5]:
        print("  error:", sample)
    return results

"""Memory: RSS of the sandbox process idle and after 500 checks, and of the warm check worker.

Read from /proc/<pid>/status (VmRSS), so Linux only. Target: the server grows by no more than
10% over 500 checks. Baseline in the same run: a bare interpreter importing the same web stack.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._util import HELLO_APP, HELLO_STEP, Live, descendants, headless_sandbox, install_fixture_pack, rss_kb

CHECKS = 500
TARGET_GROWTH = 0.10


def worker_pid(server_pid: int, timeout: float = 30.0) -> int | None:
    """The warm check worker: the sandbox's child whose command line runs sandbox.checker.worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in descendants(server_pid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"sandbox.checker.worker" in cmdline and b"--serve" in cmdline:
                return pid
        time.sleep(0.1)
    return None


def bare_imports_rss_kb() -> int:
    code = "import bottle, waitress, peewee; print(open('/proc/self/status').read().split('VmRSS:')[1].split()[0])"
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def run() -> dict:
    if not Path("/proc/self/status").exists():
        print("memory: not measured (needs Linux /proc)")
        return {"skipped": "needs Linux /proc"}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        data = Path(tmp) / "data"
        install_fixture_pack(data)
        with headless_sandbox(data) as (proc, url, _):
            learner = Live(url)
            learner.get(HELLO_STEP)
            fields, headers = {"file:app.py": HELLO_APP}, {"HX-Request": "true"}
            for _ in range(5):  # first checks and pages: lazy imports and caches fill up once
                learner.post(HELLO_STEP + "/check", fields, headers=headers)
                learner.get("/")
            worker = worker_pid(proc.pid)
            idle, worker_idle = rss_kb(proc.pid), rss_kb(worker) if worker else None
            failures, middle = 0, None
            started = time.perf_counter()
            for n in range(CHECKS):
                status, body = learner.post(HELLO_STEP + "/check", fields, headers=headers)
                failures += status != 200 or "All checks passed" not in body
                if n == CHECKS // 2:
                    middle = rss_kb(proc.pid)
            seconds = time.perf_counter() - started
            after, worker_after = rss_kb(proc.pid), rss_kb(worker) if worker else None
    results = {
        "bare_imports_rss_mb": bare_imports_rss_kb() / 1024,
        "server_idle_rss_mb": idle / 1024, "server_after_250_checks_rss_mb": middle / 1024,
        "server_after_500_checks_rss_mb": after / 1024, "server_growth_pct": (after - idle) / idle * 100,
        "worker_idle_rss_mb": worker_idle / 1024 if worker_idle else None,
        "worker_after_500_checks_rss_mb": worker_after / 1024 if worker_after else None,
        "checks": CHECKS, "checks_not_passing": failures, "checks_per_second": CHECKS / seconds,
    }
    results["meets_target"] = results["server_growth_pct"] <= TARGET_GROWTH * 100
    print(f"bare interpreter with bottle, waitress, peewee: {results['bare_imports_rss_mb']:.1f} MB")
    print(f"sandbox server idle: {results['server_idle_rss_mb']:.1f} MB; after {CHECKS // 2} checks "
          f"{results['server_after_250_checks_rss_mb']:.1f} MB; after {CHECKS}: "
          f"{results['server_after_500_checks_rss_mb']:.1f} MB ({results['server_growth_pct']:+.1f}%, target <= +10%)")
    if worker_idle:
        print(f"warm check worker: {results['worker_idle_rss_mb']:.1f} MB idle, "
              f"{results['worker_after_500_checks_rss_mb']:.1f} MB after {CHECKS} checks")
    print(f"{CHECKS} checks at {results['checks_per_second']:.1f}/s, {failures} not passing")
    return results

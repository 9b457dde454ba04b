"""Shared helpers for benchmarks: start the real sandbox, time things, summarise samples."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


@contextmanager
def headless_sandbox(data_dir: Path, env: dict | None = None):
    """Start ``launcher.py --headless``; yield (process, url, seconds until the address line)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "launcher.py"), "--headless", "--data-dir", str(data_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    try:
        for line in proc.stdout:
            if line.startswith("Sandbox running at "):
                yield proc, line.split(" at ", 1)[1].strip(), time.perf_counter() - started
                break
        else:
            raise RuntimeError("the sandbox did not start")
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def session(url: str):
    """A urllib opener holding the sandbox's session cookie."""
    import urllib.request
    from http.cookiejar import CookieJar

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    opener.open(url, timeout=10).read()
    return opener

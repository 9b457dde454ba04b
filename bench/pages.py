"""Page render: p50/p99 of the home and lesson pages against the real server, and requests/s at 8 clients.

Baseline in the same run: a static file through the same server and security layer.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from bench._util import headless_sandbox, pct, session

REQUESTS = 300
CLIENTS = 8


def timed_gets(opener, url: str, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        with opener.open(url, timeout=10) as r:
            r.read()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def throughput(url_base: str, launch_url: str, path: str, seconds: float = 3.0) -> float:
    count = [0] * CLIENTS
    stop = time.perf_counter() + seconds

    def client(i):
        opener = session(launch_url)
        while time.perf_counter() < stop:
            with opener.open(url_base + path, timeout=10) as r:
                r.read()
            count[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(count) / seconds


def first_lesson_path(opener, base: str) -> str | None:
    """The built-in course's next step, when the course is installed."""
    from urllib.error import HTTPError

    try:
        with opener.open(base + "learn/blog", timeout=10) as r:
            return r.url[len(base) - 1:] if "/learn/blog/" in r.url else None
    except HTTPError:
        print("the built-in course is not installed: the lesson page is not measured")
        return None


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        with headless_sandbox(Path(tmp) / "data") as (proc, url, _):
            base = url.split("?")[0]
            opener = session(url)
            pages = {"static file (baseline)": "static/favicon.svg", "home": ""}
            lesson = first_lesson_path(opener, base)
            if lesson:
                pages["lesson"] = lesson.lstrip("/")
            results = {}
            for name, path in pages.items():
                timed_gets(opener, base + path, 20)  # warm up
                samples = timed_gets(opener, base + path, REQUESTS)
                results[name] = {"p50_ms": pct(samples, 50), "p99_ms": pct(samples, 99)}
            results["home_rps_8_clients"] = throughput(base, url, "")
    baseline = results["static file (baseline)"]["p50_ms"]
    for name in pages:
        r = results[name]
        print(f"{name:24} p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  ({r['p50_ms'] / baseline:.1f} x static)")
    print(f"home page at {CLIENTS} concurrent clients: {results['home_rps_8_clients']:.0f} requests/s")
    return results

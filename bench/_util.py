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


FIXTURE_PACK = ROOT / "tests" / "fixtures" / "packs" / "hello"
HELLO_STEP = "/learn/hello-web/01-first-routes/hello"
HELLO_APP = 'from bottle import Bottle\n\napp = Bottle()\n\n\n@app.route("/")\ndef home():\n    return "Hello, web!"\n'


def install_fixture_pack(data_dir: Path) -> None:
    """Put the tests' small 'hello-web' pack into a data dir before the sandbox starts."""
    from sandbox.packs.install import install_pack

    install_pack(FIXTURE_PACK, Path(data_dir) / "packs")


class Live:
    """A learner's browser against a running sandbox: session cookie, CSRF token, status codes, no raising."""

    def __init__(self, launch_url: str):
        import re

        self.base = launch_url.split("?")[0].rstrip("/")
        self.opener = session(launch_url)
        status, page = self.get("/")
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        if status != 200 or not found:
            raise RuntimeError(f"the home page did not carry a CSRF token (status {status})")
        self.csrf = found.group(1)

    def request(self, method: str, path: str, fields: dict | None = None, headers: dict | None = None,
                timeout: float = 30) -> tuple[int, str]:
        import urllib.error
        import urllib.parse
        import urllib.request

        data = urllib.parse.urlencode(fields or {}).encode() if method == "POST" else None
        heads = {"X-CSRF-Token": self.csrf, "Origin": self.base, **(headers or {})} if method == "POST" else {}
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=heads)
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode("utf-8", "replace")

    def get(self, path: str, **kw) -> tuple[int, str]:
        return self.request("GET", path, **kw)

    def post(self, path: str, fields: dict, **kw) -> tuple[int, str]:
        return self.request("POST", path, fields, **kw)


# --- what a process holds (Linux /proc; None elsewhere) ------------------------------------

def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def fd_count(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, grandchildren...), from /proc's parent links."""
    parents = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                if fields[0] != "Z":
                    parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        here = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == here]
        found += kids
        frontier += kids
    return sorted(found)

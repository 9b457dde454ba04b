"""Public helpers for driving a real sandbox process over HTTP, shared by tests and ``bench/``.

Start ``launcher.py --headless`` on a data folder (``headless_sandbox``), put the tests' small
'hello-web' pack in it first (``install_fixture_pack``), act as a learner with a session cookie
and a CSRF token (``Live``), and find every process the sandbox started (``descendants``).
Nothing here measures time for a verdict: benchmarks time things, tests check behaviour.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_PACK = ROOT / "tests" / "fixtures" / "packs" / "hello"
HELLO_STEP = "/learn/hello-web/01-first-routes/hello"  # the fixture pack's first code step
HELLO_APP = 'from bottle import Bottle\n\napp = Bottle()\n\n\n@app.route("/")\ndef home():\n    return "Hello, web!"\n'


def install_fixture_pack(data_dir: Path) -> None:
    """Put the tests' small 'hello-web' pack into a data folder before the sandbox starts."""
    from sandbox.packs.install import install_pack

    install_pack(FIXTURE_PACK, Path(data_dir) / "packs")


@contextmanager
def headless_sandbox(data_dir: Path, env: dict | None = None) -> Iterator[tuple[subprocess.Popen, str, float]]:
    """Start ``launcher.py --headless`` on ``data_dir`` and yield (process, launch URL, seconds to the address line).

    The seconds are for benchmarks; the sandbox is stopped with SIGTERM when the block ends.
    Raises RuntimeError when the sandbox exits without printing its address.
    """
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


def session(url: str) -> urllib.request.OpenerDirector:
    """Open the launch link ``url`` and return a urllib opener holding the sandbox's session cookie."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    opener.open(url, timeout=10).read()
    return opener


class Live:
    """A learner's browser against a running sandbox: session cookie, CSRF token, status codes, no raising."""

    def __init__(self, launch_url: str):
        """Open the launch link and read the CSRF token from the home page (RuntimeError if it has none)."""
        self.base = launch_url.split("?")[0].rstrip("/")
        self.opener = session(launch_url)
        status, page = self.get("/")
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        if status != 200 or not found:
            raise RuntimeError(f"the home page did not carry a CSRF token (status {status})")
        self.csrf = found.group(1)

    def request(self, method: str, path: str, fields: dict | None = None, headers: dict | None = None,
                timeout: float = 30) -> tuple[int, str]:
        """Send one request as the page's own script would; return (status, body) whatever the status."""
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
        """GET ``path``: (status, body)."""
        return self.request("GET", path, **kw)

    def post(self, path: str, fields: dict, **kw) -> tuple[int, str]:
        """POST ``fields`` as a form, with the CSRF token and the sandbox's own Origin: (status, body)."""
        return self.request("POST", path, fields, **kw)


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, grandchildren...), from /proc's parent links.

    Zombies are left out: they hold nothing but a process table entry. Empty where there is no /proc.
    """
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


def is_running(pid: int) -> bool:
    """Is ``pid`` a live process (not gone, not a zombie waiting to be reaped)?"""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False

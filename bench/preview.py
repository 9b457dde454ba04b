"""Save to new response: how long after a learner saves app.py the preview answers with the change.

Twenty saves (atomic, as the sandbox's own editor saves), each timed from the rename until a
GET to the preview returns the new text. The issue's target: the median under 300 ms.
"""

from __future__ import annotations

import http.client
import os
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from sandbox.preview.manager import PreviewManager

N = 20
TARGET_MS = 300
TIMEOUT_S = 10.0

APP = """\
from bottle import Bottle, template
from peewee import CharField, Model, SqliteDatabase

db = SqliteDatabase("bench.db")


class Note(Model):
    text = CharField()

    class Meta:
        database = db


db.create_tables([Note])
app = Bottle()


@app.route("/")
def home():
    return template("<h1>{{marker}}</h1><p>{{count}} notes</p>", marker="MARKER", count=Note.select().count())
"""


def save(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)


def page(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            return response.read().decode()
    except (OSError, http.client.HTTPException):
        return ""  # the old process was stopped mid-answer


def time_saves(workspace: Path, url: str) -> list[float]:
    times = []
    for i in range(N):
        marker = f"version-{i}"
        started = time.perf_counter()
        save(workspace / "app.py", APP.replace("MARKER", marker))
        while marker not in page(url):
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError(f"save {i} never reached the preview: {page(url)[:300]!r}")
            time.sleep(0.002)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as folder:
        workspace = Path(folder) / "ws"
        workspace.mkdir()
        (workspace / "app.py").write_text(APP.replace("MARKER", "start"))
        manager = PreviewManager()
        try:
            started = time.perf_counter()
            url = manager.open(1, workspace).url
            while "start" not in page(url):
                time.sleep(0.002)
            first = (time.perf_counter() - started) * 1000
            times = time_saves(workspace, url)
        finally:
            manager.close()
    median = statistics.median(times)
    print(f"first start to first response: {first:.0f} ms")
    print(f"save to new response over {N} saves: median {median:.0f} ms, max {max(times):.0f} ms "
          f"(target < {TARGET_MS} ms)")
    print(f"{median:.0f} ms")
    return {"first_response_ms": round(first, 1), "save_to_response_p50_ms": round(median, 1),
            "save_to_response_max_ms": round(max(times), 1), "meets_target": median < TARGET_MS}

"""A real full, then read-only, disk under the running sandbox (run by tests/test_faults.py).

`unshare --mount python -m tests.disk_probe DIR` mounts a small tmpfs at DIR inside a private
mount namespace (gone when the probe exits), starts the sandbox with its data folder there,
and saves and checks while the disk is full and while the lesson's folder is read-only. It prints one JSON
object of what it saw; exit status 3 means the tmpfs could not be mounted.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support import HELLO_APP, HELLO_STEP, Live, headless_sandbox, install_fixture_pack

WORKSPACE = ("workspaces", "1", "hello-web", "01-first-routes")


def mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def fill(path: Path) -> None:
    with open(path, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError:
            pass
        try:  # the last few blocks, so even a tiny write finds no room
            while True:
                fh.write(b"\0" * 512)
        except OSError:
            pass


def answer(result: tuple[int, str]) -> dict:
    return {"status": result[0], "text": result[1][:600]}


def probe(where: Path) -> dict:
    data = where / "data"
    install_fixture_pack(data)
    seen = {}
    with headless_sandbox(data) as (proc, url, _):
        learner = Live(url)
        seen["page"] = learner.get(HELLO_STEP)[0]
        good = HELLO_APP + "# good\n"
        seen["save_good"] = answer(learner.post(HELLO_STEP + "/save", {"path": "app.py", "content": good}))

        fill(where / "filler")
        seen["full_save"] = answer(learner.post(HELLO_STEP + "/save", {"path": "app.py",
                                                                      "content": HELLO_APP + "# full\n"},
                                               headers={"Accept": "*/*"}))
        seen["full_check"] = answer(learner.post(HELLO_STEP + "/check", {"file:app.py": HELLO_APP + "# full\n"},
                                                 headers={"HX-Request": "true"}))
        page = learner.get(HELLO_STEP)
        seen["full_page"] = answer(page)
        seen["full_page_shows_last_good"] = "# good" in page[1]
        seen["full_home"] = answer(learner.get("/"))
        (where / "filler").unlink()

        # The database stays open for writing, so the workspace folder is made read-only instead.
        folder = str(data.joinpath(*WORKSPACE))
        seen["remount_ro"] = mount("--bind", folder, folder) and mount("-o", "remount,bind,ro", folder)
        seen["ro_save"] = answer(learner.post(HELLO_STEP + "/save", {"path": "app.py",
                                                                    "content": HELLO_APP + "# read-only\n"},
                                             headers={"Accept": "*/*"}))
        seen["remount_rw"] = subprocess.run(["umount", folder], capture_output=True).returncode == 0

        after = HELLO_APP + "# after\n"
        seen["save_after"] = answer(learner.post(HELLO_STEP + "/save", {"path": "app.py", "content": after}))
        seen["alive"] = proc.poll() is None
    conn = sqlite3.connect(data / "sandbox.db")
    try:
        seen["integrity"] = conn.execute("PRAGMA integrity_check").fetchone()[0]
        seen["history"] = [row[0] for row in conn.execute(
            "SELECT content FROM fileversion WHERE path = 'app.py' ORDER BY id")]
    finally:
        conn.close()
    log = (data / "logs" / "sandbox.log").read_text()
    seen["log_errors"] = log[log.find(" ERROR "):][:4000] if " ERROR " in log else ""
    seen["on_disk"] = data.joinpath(*WORKSPACE, "app.py").read_text()
    seen["temp_files"] = [p.name for p in data.joinpath(*WORKSPACE).iterdir() if p.name.endswith(".tmp")]
    return seen


def main(argv: list[str]) -> int:
    where = Path(argv[0])
    where.mkdir(parents=True, exist_ok=True)
    if not mount("-t", "tmpfs", "-o", "size=24m", "tmpfs", str(where)):
        print("could not mount a tmpfs", file=sys.stderr)
        return 3
    try:
        print(json.dumps(probe(where)))
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
    return 0


if __name__ == "__main__":
    os.environ.pop("DISPLAY", None)
    raise SystemExit(main(sys.argv[1:]))

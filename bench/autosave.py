"""Autosave latency with full durability (synchronous=FULL: the history row is on the disk when the
save answers) against the previous setting (synchronous=NORMAL: the row may wait for a checkpoint).

One save is one request to the real web app in this process (WSGI, no socket): the security layer,
the critical section (an IMMEDIATE transaction), the file written and fsync'ed, its history row
committed. Rounds of both settings alternate in one run on one data folder, so a busy disk moves
both; the figure is the ratio of the medians. The data folder is made beside the sandbox's default
one (a real disk, not a RAM-backed /tmp), since fsync is what is measured.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench._util import HELLO_APP, HELLO_STEP, install_fixture_pack, median, pct

ROUNDS = 12
SAVES_PER_ROUND = 15


def data_parent() -> Path:
    from sandbox.config import default_data_dir

    for folder in (default_data_dir().parent, Path.home()):
        if folder.is_dir():
            return folder
    return Path(tempfile.gettempdir())


def run() -> dict:
    from webtest import TestApp

    from sandbox.config import build_settings, prepare_data_dir
    from sandbox.packs.catalog import Catalog
    from sandbox.services import Services
    from sandbox.store import Store, engine
    from sandbox.web import create_app
    from sandbox.web.security import csrf_token
    from sandbox.work.workspace import text_hash

    chosen = engine.SYNCHRONOUS
    samples: dict[str, list[float]] = {"normal": [], "full": []}
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-autosave-", dir=data_parent()) as tmp:
        data = Path(tmp) / "data"
        prepare_data_dir(data)
        install_fixture_pack(data)
        settings = build_settings(data_dir=data, env={})
        store = Store.open(settings.db_path)
        try:
            app = TestApp(create_app(settings, Services(store=store, catalog=Catalog(settings.packs_dir))),
                          extra_environ={"HTTP_HOST": f"127.0.0.1:{settings.port}"})
            app.get(f"/?token={settings.token}")
            csrf = csrf_token(settings.token)
            text = HELLO_APP
            app.post(HELLO_STEP + "/save", {"path": "app.py", "content": text, "csrf_token": csrf})
            n = 0
            for _round in range(ROUNDS):
                for mode in ("normal", "full"):
                    engine.SYNCHRONOUS = mode  # read when each request connects
                    for _ in range(SAVES_PER_ROUND):
                        n += 1
                        typed = HELLO_APP + f"# edit {n}\n"
                        started = time.perf_counter()
                        app.post(HELLO_STEP + "/save", {"path": "app.py", "content": typed,
                                                        "version": text_hash(text), "csrf_token": csrf})
                        samples[mode].append((time.perf_counter() - started) * 1000)
                        text = typed
        finally:
            engine.SYNCHRONOUS = chosen
            store.close()
    normal, full = median(samples["normal"]), median(samples["full"])
    figures = {
        "normal_p50_ms": round(normal, 2), "normal_p95_ms": round(pct(samples["normal"], 95), 2),
        "full_p50_ms": round(full, 2), "full_p95_ms": round(pct(samples["full"], 95), 2),
        "full_over_normal_p50": round(full / normal, 2) if normal else None,
        "saves_each": len(samples["full"]), "chosen": chosen,
    }
    print(f"autosave p50: synchronous=FULL {figures['full_p50_ms']} ms, NORMAL {figures['normal_p50_ms']} ms "
          f"({figures['full_over_normal_p50']} x); p95 {figures['full_p95_ms']} ms against "
          f"{figures['normal_p95_ms']} ms; the sandbox uses {chosen.upper()}")
    return figures

"""Scale: a generated pack of 500 steps (validate, install, outline, lesson page), pages with
20,000 attempts in the learner's history, and autosaves of one file as 1,000 versions pile up.

Pages are rendered through the WSGI app in this process (the server's work, no network).
Baselines in the same run: the same pages with an empty history and with the 4-step fixture pack.
Target: the progress page (or, before it exists, the lesson and home pages) p50 <= 50 ms.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path

from bench._util import FIXTURE_PACK, pct

LESSONS, STEPS_PER_LESSON = 50, 10
ATTEMPTS = 20_000
HISTORY_SAVES = 1_000
SAMPLES = 40
TARGET_P50_MS = 50

CHECK = "def test_home(client):\n    assert client.get('/').status_int == 200, 'Add a route for /.'\n"
APP = "from bottle import Bottle\n\napp = Bottle()\n\n\n@app.route('/')\ndef home():\n    return 'Hello'\n"


def generate_pack(folder: Path) -> Path:
    """LESSONS lessons of STEPS_PER_LESSON steps each, cycling through code, quiz and read steps."""
    root = folder / "big-pack"
    names = [f"{n:02d}-lesson" for n in range(LESSONS)]
    root.mkdir(parents=True)
    (root / "pack.toml").write_text(
        'format = 1\nid = "big-pack"\ntitle = "A big pack"\nversion = "1.0.0"\nauthors = ["Bench"]\n'
        'description = "500 generated steps."\nrequires = "0.1.0"\n'
        f"lessons = {json.dumps(names)}\n")
    for name in names:
        lesson = root / "lessons" / name
        (lesson / "starter").mkdir(parents=True)
        (lesson / "checks").mkdir()
        (lesson / "starter" / "app.py").write_text(APP)
        toml = [f'title = "Lesson {name}"', 'summary = "Generated."', ""]
        for s in range(STEPS_PER_LESSON):
            sid = f"step-{s:02d}"
            (lesson / f"{sid}.md").write_text(f"# Step {s}\n\nDo the thing number {s}.\n")
            toml += ["[[steps]]", f'id = "{sid}"', f'title = "Step {s}"', f'instructions = "{sid}.md"']
            kind = ("code", "quiz", "read")[s % 3]
            toml.append(f'kind = "{kind}"')
            if kind == "code":
                (lesson / "checks" / f"test_{s:02d}.py").write_text(CHECK)
                (lesson / "solution" / sid).mkdir(parents=True)
                (lesson / "solution" / sid / "app.py").write_text(APP)
                toml.append(f'checks = ["checks/test_{s:02d}.py"]')
            elif kind == "quiz":
                toml += ['question = "Which?"', "", "[[steps.choices]]", 'text = "This one"', "correct = true",
                         "", "[[steps.choices]]", 'text = "That one"']
            toml.append("")
        (lesson / "lesson.toml").write_text("\n".join(toml))
    return root


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    value = function()
    return (time.perf_counter() - started) * 1000, value


def page_p50(app, path: str) -> dict:
    app.get(path)  # warm: templates compiled, caches filled
    samples = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        app.get(path)
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": pct(samples, 50), "p95_ms": pct(samples, 95)}


def add_attempts(count: int, pack) -> None:
    from sandbox.store import atomic
    from sandbox.store.models import Attempt

    steps = [(lesson.id, step.id, step.kind) for lesson in pack.lessons for step in lesson.steps if step.kind != "read"]
    start = dt.datetime(2024, 1, 1)
    from sandbox.checker.results import CheckResult, TestOutcome

    failed = TestOutcome(name="test_step.py::test_home", title="Home", outcome="failed",
                         message="Your / page answered 404. Add a route for '/'.")
    result = json.dumps(CheckResult(passed=False, tests=[failed], duration_ms=80.0).to_dict())
    rows = []
    for n in range(count):
        lesson_id, step_id, kind = random.choice(steps)
        rows.append({"learner": 1, "pack_id": pack.id, "lesson_id": lesson_id, "step_id": step_id, "kind": kind,
                     "passed": n % 7 == 0, "duration_ms": 60 + n % 90, "result_json": result,
                     "created_at": start + dt.timedelta(minutes=7 * n)})
    with atomic():
        for at in range(0, len(rows), 500):
            Attempt.insert_many(rows[at:at + 500]).execute()


def save_timings(workspaces: Path, saves: int) -> dict:
    """Autosave p50/p95 of a file's first SAMPLES versions and of its last, when history holds
    more than KEEP_RECENT versions and every save also thins it; and the rows left at the end."""
    from sandbox.store.models import FileVersion
    from sandbox.work import workspace

    ws = workspace.open_workspace(workspaces, 1, "bench", "history")
    workspace.ensure_started(ws, {"app.py": APP.encode()})
    samples = []
    for n in range(saves):
        started = time.perf_counter()
        workspace.save_file(ws, "app.py", APP + f"# edit {n}\n")
        samples.append((time.perf_counter() - started) * 1000)
    first, last = samples[:SAMPLES], samples[-SAMPLES:]
    rows = FileVersion.select().where((FileVersion.pack_id == "bench") & (FileVersion.path == "app.py")).count()
    return {"saves": saves, "first_p50_ms": pct(first, 50), "first_p95_ms": pct(first, 95),
            "last_p50_ms": pct(last, 50), "last_p95_ms": pct(last, 95), "versions_kept": rows}


def run() -> dict:
    from webtest import TestApp

    from sandbox.config import build_settings, prepare_data_dir
    from sandbox.packs.catalog import Catalog
    from sandbox.packs.install import install_pack
    from sandbox.packs.reader import validate_pack
    from sandbox.services import Services
    from sandbox.store import Store
    from sandbox.web import create_app

    random.seed(1)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        source = generate_pack(Path(tmp))
        settings = build_settings(data_dir=Path(tmp) / "data", env={})
        settings.port = 8123
        prepare_data_dir(settings.data_dir)
        with Store.open(settings.db_path) as store:
            results["validate_500_steps_ms"], problems = timed(lambda: validate_pack(source))
            results["install_500_steps_ms"], installed = timed(lambda: install_pack(source, settings.packs_dir))
            small_ms, _ = timed(lambda: install_pack(FIXTURE_PACK, settings.packs_dir))
            results["install_fixture_pack_ms"] = small_ms
            big = installed.pack
            from sandbox.work import progress

            progress.outline(1, big)
            results["outline_500_steps_ms"], _ = timed(lambda: progress.outline(1, big))
            app = TestApp(create_app(settings, Services(store=store, catalog=Catalog(settings.packs_dir))),
                          extra_environ={"HTTP_HOST": f"127.0.0.1:{settings.port}"})
            app.get(f"/?token={settings.token}")
            pages = {"home": "/", "big pack lesson": "/learn/big-pack/00-lesson/step-00",
                     "fixture lesson": "/learn/hello-web/01-first-routes/hello"}
            if any(getattr(r, "rule", "") == "/progress" for r in app.app.app.routes):
                pages["progress"] = "/progress"
            empty = {name: page_p50(app, path) for name, path in pages.items()}
            results["attempts_insert_ms"], _ = timed(lambda: add_attempts(ATTEMPTS, big))
            full = {name: page_p50(app, path) for name, path in pages.items()}
            results["autosave"] = save_timings(settings.workspaces_dir, HISTORY_SAVES)
    results["problems"] = len(problems)
    results["pages_empty_history"] = empty
    results["pages_20000_attempts"] = full
    watched = "progress" if "progress" in full else "big pack lesson"
    results["meets_target"] = all(full[name]["p50_ms"] <= TARGET_P50_MS for name in full)
    print(f"500-step pack: validate {results['validate_500_steps_ms']:.0f} ms ({len(problems)} problems), "
          f"install {results['install_500_steps_ms']:.0f} ms (the 4-step fixture: {small_ms:.0f} ms), "
          f"outline {results['outline_500_steps_ms']:.1f} ms")
    for name in pages:
        before, after = empty[name]["p50_ms"], full[name]["p50_ms"]
        print(f"{name:18} p50 {before:6.1f} ms empty history -> {after:6.1f} ms with {ATTEMPTS} attempts "
              f"({after / before:.2f} x; p95 {full[name]['p95_ms']:.1f} ms)")
    saves = results["autosave"]
    print(f"autosave p50 {saves['first_p50_ms']:.1f} ms for a file's first versions -> {saves['last_p50_ms']:.1f} ms "
          f"after {saves['saves']} saves ({saves['last_p50_ms'] / saves['first_p50_ms']:.2f} x; "
          f"p95 {saves['last_p95_ms']:.1f} ms); {saves['versions_kept']} versions kept")
    print(f"target: p50 <= {TARGET_P50_MS} ms with {ATTEMPTS} attempts ({watched} page watched): "
          f"{'met' if results['meets_target'] else 'NOT met'}")
    return results

"""The whole authoring path: pack new -> edit -> pack check -> pack build -> a learner installs the zip
and works -> the learner's report -> the gradebook. Plus `pack check --watch`.
"""

import csv
import io
import threading
import time

import pytest

from sandbox.classroom import profiles
from sandbox.launch.cli import main
from sandbox.packs.catalog import Catalog
from sandbox.store import Store
from sandbox.work import coursework
from sandbox.work.watch import watch_pack

pytestmark = pytest.mark.slow


def test_from_a_new_pack_to_the_class_gradebook(tmp_path, check_runner, capsys):
    folder, data = tmp_path / "class-pack", tmp_path / "learner-data"
    assert main(["pack", "new", str(folder), "--id", "class-pack", "--title", "Class pack"]) == 0

    # The author edits: a friendlier title and one more hint.
    manifest = folder / "pack.toml"
    manifest.write_text(manifest.read_text().replace('title = "Class pack"', 'title = "Our first routes"'))
    lesson_toml = folder / "lessons" / "01-first-route" / "lesson.toml"
    lesson_toml.write_text(lesson_toml.read_text().replace('"return \\"Hello, web!\\""',
                                                           '"return \\"Hello, web!\\"", "Save, then press Check."'))

    assert main(["pack", "check", str(folder)]) == 0
    assert "0 problems" in capsys.readouterr().out
    (tmp_path / "dist").mkdir()
    assert main(["pack", "build", str(folder), str(tmp_path / "dist")]) == 0
    (built,) = (tmp_path / "dist").glob("class-pack-*.zip")
    assert main(["pack", "install", str(built), "--data-dir", str(data)]) == 0

    with Store.open(data / "sandbox.db"):
        catalog = Catalog(data / "packs")
        assert catalog.get("class-pack").title == "Our first routes"
        ada = profiles.create_profile("Ada")
        work_through(catalog, ada.id, data, check_runner, mistakes=0, hints=0)
        bob = profiles.create_profile("Bob")
        work_through(catalog, bob.id, data, check_runner, mistakes=1, hints=2)

    for name in ("Ada", "Bob"):
        assert main(["progress", "export", "--learner", name, "--data-dir", str(data),
                     "-o", str(tmp_path / f"{name}.json")]) == 0
    assert main(["gradebook", str(tmp_path / "Ada.json"), str(tmp_path / "Bob.json"),
                 "-o", str(tmp_path / "class.csv")]) == 0
    out = capsys.readouterr().out
    assert "Our first routes (class-pack 0.1.0): 2 learners" in out
    assert "01-first-route/hello: 1.5 attempts on average, 1 of 2 used hints" in out
    rows = {r["learner"]: r for r in csv.DictReader(io.StringIO((tmp_path / "class.csv").read_text()))}
    assert (rows["Ada"]["completion_percent"], rows["Ada"]["attempts"], rows["Ada"]["hints_used"]) == ("100", "2", "0")
    assert (rows["Bob"]["completion_percent"], rows["Bob"]["attempts"], rows["Bob"]["hints_used"]) == ("100", "3", "2")


def work_through(catalog, learner_id, data, runner, *, mistakes, hints):
    place = coursework.find(catalog, learner_id, data / "workspaces", "class-pack", "01-first-route", "hello")
    coursework.visit(place)
    for _ in range(hints):
        coursework.reveal_hint(place)
    for _ in range(mistakes):
        assert coursework.run_check(place, runner)["passed"] is False
    solution = (place.step.solution / "app.py").read_text()
    coursework.save(place, "app.py", solution)
    assert coursework.run_check(place, runner)["passed"] is True
    quiz = coursework.find(catalog, learner_id, data / "workspaces", "class-pack", "01-first-route", "what-is-a-route")
    assert coursework.answer_quiz(quiz, [0])["passed"] is True


# -- pack check --watch -----------------------------------------------------------------------

def test_watch_checks_once_and_again_after_each_change(tmp_path):
    seen, out = [], io.StringIO()

    def check(path, runner):
        seen.append(path)
        return len(seen) != 2, f"report {len(seen)}"

    changes = [{(1, str(tmp_path / "pack.toml"))}, {(2, str(tmp_path / "lessons" / "a.md"))}]
    assert watch_pack(tmp_path, None, check=check, changes=changes, out=out) == 0
    text = out.getvalue()
    assert [line for line in text.splitlines() if line.startswith("report")] == ["report 1", "report 2", "report 3"]
    assert "--- changed: pack.toml ---" in text and "press Ctrl+C to stop" in text


def test_watch_stops_quietly_on_ctrl_c(tmp_path):
    def changes():
        raise KeyboardInterrupt
        yield  # pragma: no cover

    out = io.StringIO()
    assert watch_pack(tmp_path, None, check=lambda p, r: (False, "bad"), changes=changes(), out=out) == 1
    assert out.getvalue().endswith("Stopped watching.\n")


def test_watch_notices_a_real_edit_with_watchfiles(tmp_path):
    from watchfiles import watch

    (tmp_path / "pack.toml").write_text("id = 'x'\n")
    stop, reports, out = threading.Event(), [], io.StringIO()

    def check(path, runner):
        reports.append(path)
        return True, f"report {len(reports)}"

    worker = threading.Thread(target=watch_pack, args=(tmp_path, None),
                              kwargs={"check": check, "changes": watch(tmp_path, stop_event=stop, debounce=50,
                                                                       rust_timeout=100),
                                      "out": out}, daemon=True)
    worker.start()
    deadline = time.monotonic() + 15
    edits = 0
    # The watcher starts a moment after the first report, so edit until it notices.
    while len(reports) < 2 and time.monotonic() < deadline:
        edits += 1
        (tmp_path / "pack.toml").write_text(f"id = 'x'\n# edit {edits}\n")
        threading.Event().wait(0.1)
    stop.set()
    worker.join(timeout=10)
    assert len(reports) >= 2, out.getvalue()
    assert "--- changed: pack.toml ---" in out.getvalue()

"""The gradebook: importing reports (deduplicated, one pack version, all or nothing) and the class view."""

import csv
import io
import json
from pathlib import Path

import pytest

from sandbox.classroom import gradebook, reports
from sandbox.classroom.reports import ReportError
from sandbox.launch.cli import main
from sandbox.packs.install import install_pack
from sandbox.store import Store
from sandbox.store.models import ImportedReport, Learner
from sandbox.work import progress

PRACTICE = Path(__file__).parent / "fixtures" / "packs" / "practice"


@pytest.fixture
def pack(settings):
    return install_pack(PRACTICE, settings.packs_dir).pack


def report_for(name, pack, *, quiz_failures=0, hints=0, finish=True):
    learner = Learner.create(name=name)
    lesson = pack.lessons[0]
    progress.mark_read(learner.id, pack, lesson, lesson.steps[0])
    for _ in range(hints):
        progress.reveal_hint(learner.id, pack.id, lesson, lesson.steps[1])
    for _ in range(quiz_failures):
        progress.record_attempt(learner.id, pack, lesson, lesson.steps[1], passed=False, result={})
    if finish:
        progress.record_attempt(learner.id, pack, lesson, lesson.steps[1], passed=True, result={})
    return reports.build_report(learner.id, name, pack)


def as_file(report, name=None):
    return (name or f"{report['learner']['name']}.json", json.dumps(report).encode())


def test_import_builds_a_class_table_and_the_hardest_steps(settings, pack):
    notes = gradebook.import_files([as_file(report_for("Ada", pack)),
                                    as_file(report_for("Bob", pack, quiz_failures=3, hints=2, finish=False))])
    assert notes == ["Ada.json: imported Ada.", "Bob.json: imported Bob."]
    view = gradebook.class_view(gradebook.stored_reports())
    assert [lesson["id"] for lesson in view["lessons"]] == ["01-basics", "02-more"]
    ada, bob = view["learners"]
    assert (ada["name"], ada["percent"], [c["done"] for c in ada["lessons"]]) == ("Ada", 67, [2, 0])
    assert (bob["name"], bob["attempts"], bob["hints"]) == ("Bob", 4, 2)
    hardest = view["struggles"][0]
    assert (hardest["step"], hardest["learners"], hardest["stuck"], hardest["hint_users"]) == ("routes-quiz", 2, 1, 1)
    assert hardest["mean_attempts"] == 2.0


def test_importing_the_same_report_twice_does_not_double_count(settings, pack):
    report = report_for("Ada", pack)
    gradebook.import_files([as_file(report)])
    notes = gradebook.import_files([as_file(report, "again.json")])
    assert notes == ["again.json: skipped, this report (Ada) was already imported."]
    assert ImportedReport.select().count() == 1


def test_a_newer_report_for_the_same_learner_replaces_the_older(settings, pack):
    old = report_for("Ada", pack, finish=False)
    new = reports.seal({**{k: v for k, v in old.items() if k != "checksum"},
                        "report_id": "00000000-0000-4000-8000-000000000001", "generated_at": "2999-01-01T00:00:00Z"})
    gradebook.import_files([as_file(old)])
    assert gradebook.import_files([as_file(new, "new.json")]) == ["new.json: replaced the older report for Ada."]
    assert [r["report_id"] for r in gradebook.stored_reports()] == [new["report_id"]]
    assert gradebook.import_files([as_file(old, "old.json")]) == [
        "old.json: skipped, a newer report for Ada is already imported."]


def test_a_report_for_another_pack_version_says_so_and_changes_nothing(settings, pack, tmp_path):
    gradebook.import_files([as_file(report_for("Ada", pack))])
    body = {k: v for k, v in report_for("Bob", pack).items() if k != "checksum"}
    body["pack"] = {**body["pack"], "version": "2.0.0"}
    with pytest.raises(ReportError) as caught:
        gradebook.import_files([as_file(reports.seal(body))])
    assert "Bob.json is a report for pack 'practice' version 2.0.0, but this gradebook is for 'practice' version " \
           "1.0.0" in str(caught.value)
    assert [r["learner"]["name"] for r in gradebook.stored_reports()] == ["Ada"]


def test_one_bad_file_means_nothing_from_the_batch_is_imported(settings, pack):
    good = as_file(report_for("Ada", pack))
    tampered = report_for("Bob", pack)
    tampered["totals"]["passed"] = 99
    with pytest.raises(ReportError) as caught:
        gradebook.import_files([good, as_file(tampered), ("broken.json", b"{")])
    assert caught.value.problems[0].startswith("Bob.json was changed after the sandbox wrote it")
    assert caught.value.problems[1].startswith("broken.json is not valid JSON")
    assert ImportedReport.select().count() == 0


def test_a_report_without_a_pack_cannot_be_graded(settings):
    empty = reports.build_report(1, "Learner", None)
    with pytest.raises(ReportError, match="empty.json covers no lesson pack"):
        gradebook.import_files([as_file(empty, "empty.json")])


def test_imported_reports_survive_a_restart_until_cleared(settings, store, pack):
    gradebook.import_files([as_file(report_for("Ada", pack))])
    store.close()
    with Store.open(settings.db_path):
        assert [r["learner"]["name"] for r in gradebook.stored_reports()] == ["Ada"]
        assert gradebook.clear() == 1
        assert gradebook.stored_reports() == []


def test_class_csv_has_a_row_per_learner_and_a_column_per_lesson(settings, pack):
    view = gradebook.class_view([report_for("Ada", pack), report_for("Bob", pack, finish=False)])
    rows = list(csv.DictReader(io.StringIO(gradebook.class_csv(view))))
    assert [(r["learner"], r["lesson:01-basics"], r["lesson:02-more"]) for r in rows] == [
        ("Ada", "2/2", "0/1"), ("Bob", "1/2", "0/1")]


def test_cli_gradebook_prints_the_class_and_writes_csv(settings, pack, tmp_path, capsys):
    paths = []
    for report in (report_for("Ada", pack), report_for("Bob", pack, quiz_failures=2)):
        path = tmp_path / f"{report['learner']['name']}.json"
        path.write_text(json.dumps(report))
        paths.append(str(path))
    out = tmp_path / "class.csv"
    assert main(["gradebook", *paths, paths[0], "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "Practice (practice 1.0.0): 2 learners" in captured.out
    assert "already imported" in captured.err
    assert out.read_text().splitlines()[1].startswith("Ada,67,2,3")


def test_cli_gradebook_names_a_bad_file_and_fails(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("nope")
    assert main(["gradebook", str(bad), str(tmp_path / "missing.json")]) == 1
    err = capsys.readouterr().err
    assert "bad.json is not valid JSON" in err and "missing.json cannot be read" in err

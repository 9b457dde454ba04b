"""Progress reports: export, the checksum, reading back, and the hostile files import must refuse."""

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from sandbox.classroom import reports
from sandbox.classroom.profiles import current_learner
from sandbox.classroom.reports import ReportError, parse_report
from sandbox.launch.cli import main
from sandbox.packs.install import install_pack
from sandbox.work import progress

PRACTICE = Path(__file__).parent / "fixtures" / "packs" / "practice"
HELLO = Path(__file__).parent / "fixtures" / "packs" / "hello"


@pytest.fixture
def pack(settings):
    return install_pack(PRACTICE, settings.packs_dir).pack


def do_first_lesson(learner_id, pack):
    lesson = pack.lessons[0]
    progress.mark_read(learner_id, pack, lesson, lesson.steps[0])
    quiz = lesson.steps[1]
    progress.reveal_hint(learner_id, pack.id, lesson, quiz)
    progress.record_attempt(learner_id, pack, lesson, quiz, passed=False, result={})
    progress.record_attempt(learner_id, pack, lesson, quiz, passed=True, result={})


def encoded(report) -> bytes:
    return json.dumps(report).encode()


def test_a_report_lists_every_step_with_status_attempts_hints_and_times(settings, pack):
    learner = current_learner()
    do_first_lesson(learner.id, pack)
    report = reports.build_report(learner.id, learner.name, pack)
    assert (report["format"], report["version"]) == ("sandbox-progress", 1)
    assert report["pack"] == {"id": "practice", "title": "Practice", "version": "1.0.0"}
    assert report["learner"] == {"name": "Learner"}
    welcome, quiz = report["lessons"][0]["steps"]
    further = report["lessons"][1]["steps"][0]
    assert welcome["status"] == "passed" and welcome["attempts"] == 1
    assert quiz["status"] == "passed" and quiz["attempts"] == 2 and quiz["hints_used"] == 1
    assert quiz["first_pass_seconds"] is not None and quiz["solution_viewed"] is False
    assert further["status"] == "not-started" and further["first_pass_seconds"] is None
    assert report["totals"] == {"steps": 3, "passed": 2, "attempts": 3, "hints_used": 1, "seconds_spent": 0}


def test_export_then_parse_round_trips(settings, pack, tmp_path):
    learner = current_learner()
    do_first_lesson(learner.id, pack)
    result = reports.export(learner.id, learner.name, pack, tmp_path / "r.json")
    assert parse_report((tmp_path / "r.json").read_bytes(), "r.json") == result.report


def test_two_exports_have_different_report_ids(settings, pack):
    learner = current_learner()
    first = reports.build_report(learner.id, learner.name, pack)
    second = reports.build_report(learner.id, learner.name, pack)
    assert first["report_id"] != second["report_id"]


def test_checksum_covers_canonical_json_without_the_checksum(settings, pack):
    import hashlib

    report = reports.build_report(1, "Ada", pack)
    body = {k: v for k, v in report.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert report["checksum"] == {"algorithm": "sha256", "value": hashlib.sha256(canonical).hexdigest()}


def test_a_hand_edited_report_is_detected(settings, pack):
    report = reports.build_report(1, "Ada", pack)
    report["lessons"][0]["steps"][0]["status"] = "passed"
    with pytest.raises(ReportError, match=r"edited\.json was changed after the sandbox wrote it"):
        parse_report(encoded(report), "edited.json")


def test_reformatting_a_report_keeps_it_valid(settings, pack):
    report = reports.build_report(1, "Zoë", pack)
    pretty = json.dumps(report, indent=4, sort_keys=True, ensure_ascii=True).encode()
    assert parse_report(pretty, "pretty.json")["learner"]["name"] == "Zoë"


def test_a_report_without_a_checksum_is_refused(settings, pack):
    report = reports.build_report(1, "Ada", pack)
    del report["checksum"]
    with pytest.raises(ReportError, match="no sha256 checksum"):
        parse_report(encoded(report), "bare.json")


@pytest.mark.parametrize("data, message", [
    (b"{not json", r"bad\.json is not valid JSON \(line 1"),
    (b"\xff\xfe\x00garbage", r"bad\.json is not a text file"),
    (b"[1, 2, 3]", r"bad\.json is not a sandbox progress report"),
    (json.dumps({"format": "something-else"}).encode(), "not a sandbox progress report"),
    (b"[" * 100000 + b"]" * 100000, r"bad\.json is not JSON the sandbox can read"),
])
def test_malformed_files_are_refused_with_the_file_name(data, message):
    with pytest.raises(ReportError, match=message):
        parse_report(data, "bad.json")


def test_a_huge_file_is_refused_before_parsing():
    with pytest.raises(ReportError, match=r"big\.json is 5\.0 MB; a progress report can be at most 5 MB"):
        parse_report(b" " * (reports.MAX_REPORT_BYTES + 1), "big.json")


def test_a_newer_format_version_asks_for_an_update(settings, pack):
    report = reports.seal({**{k: v for k, v in reports.build_report(1, "Ada", pack).items() if k != "checksum"},
                           "version": 2})
    with pytest.raises(ReportError, match="version 2, and this sandbox reads version 1; update the sandbox"):
        parse_report(encoded(report), "new.json")


def test_a_resealed_report_with_a_wrong_shape_names_the_field(settings, pack):
    body = {k: v for k, v in reports.build_report(1, "Ada", pack).items() if k != "checksum"}
    body["lessons"][0]["steps"][1]["attempts"] = "many"
    with pytest.raises(ReportError, match=r"lessons\[0\]\.steps\[1\]\.attempts is missing or has the wrong type"):
        parse_report(encoded(reports.seal(body)), "shape.json")


def test_csv_has_one_row_per_step(settings, pack):
    learner = current_learner()
    do_first_lesson(learner.id, pack)
    rows = list(csv.DictReader(io.StringIO(reports.to_csv(reports.build_report(learner.id, learner.name, pack)))))
    assert [r["step"] for r in rows] == ["welcome", "routes-quiz", "further"]
    assert rows[1]["attempts"] == "2" and rows[1]["hints_used"] == "1" and rows[1]["status"] == "passed"


def test_with_files_writes_the_final_files_per_lesson(settings, tmp_path):
    from sandbox.work import workspace

    pack = install_pack(HELLO, settings.packs_dir).pack
    learner = current_learner()
    ws = workspace.open_workspace(settings.workspaces_dir, learner.id, pack.id, "01-first-routes")
    workspace.ensure_started(ws, {"app.py": b"print('mine')\n"})
    result = reports.export(learner.id, learner.name, pack, tmp_path / "out.json", with_files=True,
                            workspaces_dir=settings.workspaces_dir)
    assert [p.name for p in result.paths] == ["out.json", "out-files.zip"]
    with zipfile.ZipFile(result.paths[1]) as archive:
        assert archive.read("01-first-routes/app.py") == b"print('mine')\n"


def test_cli_export_on_a_fresh_data_dir_writes_an_empty_report(tmp_path, capsys):
    out = tmp_path / "report.json"
    assert main(["progress", "export", "--data-dir", str(tmp_path / "fresh"), "-o", str(out)]) == 0
    report = parse_report(out.read_bytes(), "report.json")
    assert report["pack"] is None and report["lessons"] == []
    assert "no pack" in capsys.readouterr().out


def test_cli_export_names_learner_and_format(settings, pack, capsys):
    learner = current_learner()
    do_first_lesson(learner.id, pack)
    code = main(["progress", "export", "--data-dir", str(settings.data_dir), "--learner", "learner",
                 "--format", "csv", "-o", "-"])
    assert code == 0
    assert "Learner,practice,1.0.0,01-basics,routes-quiz,quiz,passed,2" in capsys.readouterr().out


def test_cli_export_defaults_to_the_exports_folder(settings, pack, capsys):
    assert main(["progress", "export", "--data-dir", str(settings.data_dir)]) == 0
    written = list((settings.data_dir / "exports").glob("progress-learner-practice-*.json"))
    assert len(written) == 1 and str(written[0]) in capsys.readouterr().out


def test_cli_export_for_an_unknown_learner_is_one_sentence(settings, capsys):
    assert main(["progress", "export", "--data-dir", str(settings.data_dir), "--learner", "Nobody"]) == 1
    assert "There is no profile called 'Nobody'. The profiles are: Learner." in capsys.readouterr().err

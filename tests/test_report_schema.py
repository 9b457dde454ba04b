"""Progress reports are validated against one strict schema (jsonschema), and every way a report can
break it is refused with a sentence naming the file and the field, never a 500. CSV cells a
spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from sandbox.classroom import gradebook, report_schema, reports
from sandbox.classroom.reports import ReportError, parse_report
from sandbox.packs.install import install_pack

PRACTICE = Path(__file__).parent / "fixtures" / "packs" / "practice"


@pytest.fixture
def pack(settings):
    return install_pack(PRACTICE, settings.packs_dir).pack


def body(pack, name="Ada") -> dict:
    return {k: v for k, v in reports.build_report(1, name, pack).items() if k != "checksum"}


def sealed_text(content: dict) -> bytes:
    """The report as JSON with a checksum that matches, the way a careful forger would write it.

    ``allow_nan`` writes NaN and Infinity as Python's JSON does; lone surrogates go out as \\u escapes.
    """
    report = dict(content)
    report["checksum"] = {"algorithm": "sha256", "value": "0" * 64}
    try:
        report["checksum"]["value"] = reports.checksum(report)
    except (UnicodeEncodeError, ValueError):
        pass  # content that cannot even be hashed (a lone surrogate): the checksum stays wrong
    return json.dumps(report, ensure_ascii=True, allow_nan=True).encode()


def test_every_report_the_sandbox_writes_fits_the_schema(settings, pack):
    assert report_schema.problems(reports.build_report(1, "Zoë", pack)) == []
    assert report_schema.problems(reports.build_report(1, "Ada", None)) == []


@pytest.mark.parametrize("change, words", [
    (lambda r: r["lessons"][0]["steps"][0].update(attempts=float("nan")), "lessons[0].steps[0].attempts is nan"),
    (lambda r: r["lessons"][0]["steps"][0].update(seconds_spent=float("inf")), "seconds_spent is inf"),
    (lambda r: r["totals"].update(attempts=float("-inf")), "totals.attempts is -inf"),
    (lambda r: r["lessons"][0]["steps"][0].update(first_pass_seconds=float("nan")), "first_pass_seconds is nan"),
    (lambda r: r.update(extra="x"), "the report has a field the format does not know (Additional properties are not allowed ('extra' was unexpected))"),
    (lambda r: r["learner"].update(email="a@b"), "learner has a field the format does not know"),
    (lambda r: r["lessons"][0]["steps"][1].update(grade="A"), "lessons[0].steps[1] has a field the format does not know"),
    (lambda r: r["totals"].update(bonus=1), "totals has a field"),
    (lambda r: r["learner"].update(name="Ada\ud800"), "learner.name holds a lone surrogate"),
    (lambda r: r["lessons"][0].update(title="\udfff"), "lessons[0].title holds a lone surrogate"),
    (lambda r: r["learner"].update(name="Ada\x1b[31m"), "learner.name holds a control character"),
    (lambda r: r["lessons"][0]["steps"][0].update(attempts=-1), "attempts is out of range"),
    (lambda r: r["lessons"][0]["steps"][0].update(attempts=True), "attempts is missing or has the wrong type"),
    (lambda r: r["lessons"][0]["steps"][0].update(status="done"), "status is missing or has the wrong type"),
    (lambda r: r["lessons"][0]["steps"][0].pop("kind"), "lessons[0].steps[0] is missing a field ('kind' is a required"),
    (lambda r: r.update(report_id="not-a-uuid"), "report_id is not in the expected form"),
    (lambda r: r.update(generated_at="yesterday"), "generated_at is not in the expected form"),
    (lambda r: r.update(pack={"id": "Practice!", "title": "x", "version": "1"}), "pack is missing or has the wrong type"),
    (lambda r: r["learner"].update(name=""), "learner.name is out of range"),
    (lambda r: r["learner"].update(name="x" * 81), "learner.name is out of range"),
])
def test_a_resealed_report_that_breaks_the_schema_is_refused_with_a_sentence(settings, pack, change, words):
    content = body(pack)
    change(content)
    with pytest.raises(ReportError) as caught:
        parse_report(sealed_text(content), "forged.json")
    message = str(caught.value)
    assert message.startswith("forged.json is not a valid progress report: "), message
    assert words in message, message
    assert message.endswith(".") and "\n" not in message
    assert "\ud800" not in message and "\x1b" not in message


def test_a_lone_surrogate_in_an_unsealed_report_is_a_sentence_not_a_crash(settings, pack):
    content = body(pack)
    content["learner"]["name"] = "\ud83d"  # half of an emoji
    data = json.dumps({**content, "checksum": {"algorithm": "sha256", "value": "0" * 64}}).encode()
    with pytest.raises(ReportError, match="learner.name holds a lone surrogate"):
        parse_report(data, "half.json")


def test_importing_hostile_reports_on_the_instructor_page_answers_with_sentences(client, settings, pack):
    files = []
    for i, change in enumerate([lambda r: r["totals"].update(passed=float("nan")),
                                lambda r: r.update(unknown=1),
                                lambda r: r["learner"].update(name="\ud800")]):
        content = body(pack, f"Learner {i}")
        change(content)
        files.append(("reports", f"bad{i}.json", sealed_text(content)))
    r = client.post("/instructor/import", {"csrf_token": client.csrf}, upload_files=files, status=422)
    for i in range(3):
        assert f"bad{i}.json is not a valid progress report" in r.text
    assert gradebook.stored_reports() == []


def test_a_valid_report_still_round_trips(settings, pack, tmp_path):
    report = reports.build_report(1, "Zoë", pack)
    assert parse_report(json.dumps(report, indent=2).encode(), "ok.json") == report


# -- CSV for spreadsheets ----------------------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x.invalid\",\"click\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1",
            " =1+1", "\uff1d1+1"]


@pytest.mark.parametrize("name", FORMULAS)
def test_a_learner_name_that_looks_like_a_formula_is_written_as_text(name):
    cell = reports.spreadsheet_cell(name)
    assert cell == "'" + name


def test_plain_cells_and_numbers_are_unchanged():
    assert reports.spreadsheet_row(["Ada", "Zoë", "O'Brien", 3, 0, None, "", "1.0.0", "a-b"]) == \
        ["Ada", "Zoë", "O'Brien", 3, 0, None, "", "1.0.0", "a-b"]


def test_class_csv_and_progress_csv_neutralise_formula_names(settings, pack):
    view = gradebook.class_view([reports.build_report(1, name, pack) for name in ("=1+1", "@cmd", "-5", "Ada")])
    rows = list(csv.reader(io.StringIO(gradebook.class_csv(view))))[1:]
    names = sorted(row[0] for row in rows)
    assert names == sorted(["'=1+1", "'@cmd", "'-5", "Ada"])
    assert all(not row[0].startswith(("=", "+", "-", "@")) for row in rows)
    one = list(csv.reader(io.StringIO(reports.to_csv(reports.build_report(1, "+SUM(1)", pack)))))[1:]
    assert one and all(row[0] == "'+SUM(1)" for row in one)


def test_class_csv_download_neutralises_formula_names(client, settings, pack):
    for name in ("=2+2", "+cmd|' /C calc'!A0"):
        report = reports.build_report(1, name, pack)
        client.post("/instructor/import", {"csrf_token": client.csrf},
                    upload_files=[("reports", "r.json", json.dumps(report).encode())])
    text = client.get("/instructor/class.csv").text
    names = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert sorted(names) == sorted(["'=2+2", "'+cmd|' /C calc'!A0"])

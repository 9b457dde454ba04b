"""WSGI tests of the Progress and Instructor pages: charts, export, upload, class table, CSV, clear."""

import json
import re
from pathlib import Path

import pytest

from sandbox.classroom import reports
from sandbox.packs.install import install_pack
from sandbox.store.models import ImportedReport, Learner
from sandbox.work import progress

PRACTICE = Path(__file__).parent / "fixtures" / "packs" / "practice"


@pytest.fixture
def pack(settings):
    return install_pack(PRACTICE, settings.packs_dir).pack


def test_progress_page_without_packs_is_an_empty_state(client):
    page = client.get("/progress")
    assert "No course is installed yet" in page.text and "<svg" in page.text


def test_progress_page_shows_lessons_calendar_and_recent_attempts(client, pack):
    client.post("/learn/practice/01-basics/welcome/read", {"csrf_token": client.csrf}, status=303)
    client.post("/learn/practice/01-basics/routes-quiz/quiz", {"csrf_token": client.csrf, "choice": "1"}, status=303)
    page = client.get("/progress")
    assert "1/3" in page.text and "steps done in Practice" in page.text
    assert 'aria-label="Steps done per lesson"' in page.text
    assert re.search(r'class="day level-1"[^>]*><title>[\d-]+: 2 attempts</title>', page.text)
    assert "Routes quiz" in page.text and "not yet" in page.text and "passed" in page.text
    assert "<script>" not in page.text and "cdn" not in page.text.lower()


def test_export_button_writes_to_exports_and_offers_a_download(client, pack, settings):
    page = client.post("/progress/export", {"csrf_token": client.csrf, "pack": "practice", "with_files": "on"})
    written = sorted((settings.data_dir / "exports").iterdir(), key=lambda p: p.suffix)
    assert [p.suffix for p in written] == [".json", ".zip"]
    assert str(written[0]) in page.text
    download = client.get(f"/progress/exports/{written[0].name}")
    assert "attachment" in download.headers["Content-Disposition"]
    assert reports.parse_report(download.body, "x.json")["pack"]["id"] == "practice"


def test_export_downloads_cannot_leave_the_exports_folder(client):
    client.get("/progress/exports/..%2Fsandbox.db", status=404)
    client.get("/progress/exports/sandbox.db", status=404)


def test_progress_csv_export(client, pack, settings):
    client.post("/progress/export", {"csrf_token": client.csrf, "format": "csv"})
    (written,) = (settings.data_dir / "exports").glob("*.csv")
    assert written.read_text().startswith("learner,pack_id,pack_version,lesson,step")


def report_bytes(name, pack, *, passed=True) -> bytes:
    learner = Learner.create(name=name)
    if passed:
        progress.mark_read(learner.id, pack, pack.lessons[0], pack.lessons[0].steps[0])
    return json.dumps(reports.build_report(learner.id, name, pack)).encode()


def test_instructor_imports_several_reports_and_shows_the_class(client, pack):
    page = client.post("/instructor/import", {"csrf_token": client.csrf},
                       upload_files=[("reports", "ada.json", report_bytes("Ada", pack)),
                                     ("reports", "bob.json", report_bytes("Bob", pack, passed=False))])
    assert "ada.json: imported Ada." in page.text and "bob.json: imported Bob." in page.text
    table = client.get("/instructor").text
    assert re.search(r"<td>Ada</td><td>33%</td>", table) and re.search(r"<td>Bob</td><td>0%</td>", table)
    csv_text = client.get("/instructor/class.csv")
    assert csv_text.headers["Content-Type"].startswith("text/csv")
    assert "Ada,33,1,3" in csv_text.text


def test_a_tampered_upload_is_named_and_nothing_is_imported(client, pack):
    good = report_bytes("Ada", pack)
    page = client.post("/instructor/import", {"csrf_token": client.csrf},
                       upload_files=[("reports", "ada.json", good),
                                     ("reports", "forged.json", good.replace(b'"passed"', b'"started"', 1))],
                       status=422)
    assert "Nothing was imported" in page.text and "forged.json was changed after the sandbox wrote it" in page.text
    assert ImportedReport.select().count() == 0


def test_an_oversized_upload_is_refused_by_name(client):
    page = client.post("/instructor/import", {"csrf_token": client.csrf},
                       upload_files=[("reports", "huge.json", b" " * (reports.MAX_REPORT_BYTES + 10))], status=422)
    assert "huge.json is 5.0 MB; a progress report can be at most 5 MB" in page.text


def test_importing_nothing_is_explained(client):
    assert "Choose one or more report files" in client.post("/instructor/import", {"csrf_token": client.csrf},
                                                            status=422).text


def test_clear_empties_the_gradebook(client, pack):
    client.post("/instructor/import", {"csrf_token": client.csrf},
                upload_files=[("reports", "ada.json", report_bytes("Ada", pack))])
    client.post("/instructor/clear", {"csrf_token": client.csrf}, status=303)
    assert "No reports imported yet" in client.get("/instructor").text


def test_instructor_posts_need_the_csrf_token(client):
    client.post("/instructor/clear", status=403)

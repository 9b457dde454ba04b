"""``pack check``: starting points fail, solutions pass, mistakes fail with their message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sandbox.checker import CheckResult, TestOutcome
from sandbox.packs.build import new_pack
from sandbox.packs.check import check_pack, format_report

FIXTURE = Path(__file__).parent / "fixtures" / "packs" / "hello"
LESSON = "lessons/01-first-routes"


@pytest.fixture
def pack_dir(tmp_path):
    target = tmp_path / "hello"
    shutil.copytree(FIXTURE, target)
    return target


def test_fixture_pack_passes_with_the_real_checker(check_runner):
    seen = []
    report = check_pack(FIXTURE, check_runner, on_row=seen.append)
    assert report.ok, format_report(report)
    assert [(r.step, r.variant, r.expected, r.got) for r in report.rows] == [
        ("hello", "start", "fail", "fail"),
        ("hello", "solution", "pass", "pass"),
        ("hello", "mistake:wrong-path", "fail", "fail"),
        ("about", "start", "fail", "fail"),
        ("about", "solution", "pass", "pass"),
    ]
    assert seen == report.rows
    assert format_report(report).splitlines()[-1].startswith("5 checks, 5 ok, 0 problems in ")


def test_scaffolded_pack_passes_pack_check(check_runner, tmp_path):
    new_pack(tmp_path / "fresh-pack")
    report = check_pack(tmp_path / "fresh-pack", check_runner)
    assert report.ok and len(report.rows) == 3, format_report(report)


def test_solution_that_fails_is_reported_not_ok(check_runner, pack_dir):
    solution = pack_dir / LESSON / "solution" / "hello" / "app.py"
    solution.write_text(solution.read_text().replace("Hello, web!", "Hi"))
    report = check_pack(pack_dir, check_runner)
    assert not report.ok
    bad = report.failed_rows
    assert [(r.step, r.variant, r.got) for r in bad] == [("hello", "solution", "fail")]
    assert "The home page should say 'Hello, web!'" in bad[0].reason
    text = format_report(report)
    assert "NOT OK" in text and text.splitlines()[-1].startswith("5 checks, 4 ok, 1 problem in ")


def test_mistake_whose_message_never_shows_is_reported(check_runner, pack_dir):
    (pack_dir / LESSON / "mistakes" / "hello" / "wrong-path" / "mistake.toml").write_text('message = "Check your spelling"\n')
    report = check_pack(pack_dir, check_runner)
    [bad] = report.failed_rows
    assert bad.variant == "mistake:wrong-path" and bad.got == "fail"
    assert "no failure message contains 'Check your spelling'" in bad.reason
    assert "Visiting / should show a page" in bad.reason


def test_starting_point_that_already_passes_is_reported(check_runner, pack_dir):
    shutil.copy(pack_dir / LESSON / "solution" / "hello" / "app.py", pack_dir / LESSON / "starter" / "app.py")
    report = check_pack(pack_dir, check_runner)
    bad = [r for r in report.failed_rows if r.step == "hello"]
    assert [(r.variant, r.got) for r in bad] == [("start", "pass")]
    assert "should fail" in bad[0].reason


class FakeRunner:
    """Answers every run with the same result, and remembers what it was asked."""

    def __init__(self, result: CheckResult):
        self.result, self.calls = result, []

    def run(self, workspace, check_files, app_module="app.py", **kw):
        self.calls.append((sorted(p.name for p in Path(workspace).iterdir()), [p.name for p in check_files], app_module))
        return self.result


def test_invalid_pack_reports_problems_and_runs_nothing(pack_dir):
    (pack_dir / LESSON / "checks" / "test_hello.py").unlink()
    fake = FakeRunner(CheckResult(passed=True))
    report = check_pack(pack_dir, fake)
    assert fake.calls == [] and report.rows == [] and not report.ok
    text = format_report(report)
    assert "names checks/test_hello.py, which does not exist" in text
    assert text.splitlines()[-1].startswith("0 checks, 0 ok, 1 problem in ")


def test_each_variant_gets_its_own_workspace_and_the_step_checks(pack_dir):
    fake = FakeRunner(CheckResult(passed=False, tests=[TestOutcome("t", "T", "failed", "Visiting / should show a page")]))
    report = check_pack(pack_dir, fake)
    assert fake.calls[0] == (["app.py"], ["test_hello.py"], "app.py")
    assert [r.ok for r in report.rows] == [True, False, True, True, False]  # the solutions "failed"


@pytest.mark.parametrize("result, got, reason", [
    (CheckResult(passed=False, timed_out=True, output_tail="still going"), "timeout", "the checks timed out (output: still going)"),
    (CheckResult(passed=False, error="The check worker could not start."), "error", "could not run: The check worker"),
    (CheckResult(passed=False, limited="memory"), "limit", "hit the memory limit"),
])
def test_timeouts_and_faults_never_count_as_a_failing_start(pack_dir, result, got, reason):
    report = check_pack(pack_dir, FakeRunner(result))
    assert all(r.got == got and not r.ok for r in report.rows)
    assert reason in report.rows[0].reason

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
    assert sorted(seen, key=report.rows.index) == report.rows  # each row reported once, as it finished
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


# -- alternatives and edits -------------------------------------------------------------------

def add_variant(pack_dir: Path, kind: str, name: str, toml: str, files: dict | None = None) -> Path:
    folder = pack_dir / LESSON / f"{kind}s" / "hello" / name
    folder.mkdir(parents=True)
    (folder / f"{kind}.toml").write_text(toml)
    for rel, text in (files or {}).items():
        (folder / rel).write_text(text)
    return folder


def test_an_alternative_written_as_edits_must_pass(check_runner, pack_dir):
    add_variant(pack_dir, "alternative", "two-parts", 'description = "joins two strings"\n'
                '[[edits]]\nfile = "app.py"\nfind = \'return "Hello, web!"\'\nreplace = \'return "Hello, " + "web!"\'\n')
    add_variant(pack_dir, "alternative", "shouts", '[[edits]]\nfile = "app.py"\nfind = "Hello, web!"\nreplace = "HELLO, WEB!"\n')
    report = check_pack(pack_dir, check_runner)
    rows = {r.variant: r for r in report.rows if r.step == "hello"}
    assert rows["alternative:two-parts"].ok and rows["alternative:two-parts"].expected == "pass"
    bad = rows["alternative:shouts"]
    assert (bad.got, bad.ok) == ("fail", False)
    assert bad.reason.startswith("the alternative failed: ") and "Hello, web!" in bad.reason


def test_a_mistake_written_as_edits_starts_from_the_solution(check_runner, pack_dir):
    wrong = pack_dir / LESSON / "mistakes" / "hello" / "wrong-path"
    (wrong / "app.py").unlink()
    (wrong / "mistake.toml").write_text('message = "Visiting / should show a page"\n'
                                        '[[edits]]\nfile = "app.py"\nfind = \'route("/")\'\nreplace = \'route("/hello")\'\n')
    report = check_pack(pack_dir, check_runner)
    assert report.ok, format_report(report)


def test_an_edit_that_no_longer_applies_is_a_row_with_the_file_and_text(pack_dir):
    add_variant(pack_dir, "alternative", "stale", '[[edits]]\nfile = "app.py"\nfind = "Goodbye"\nreplace = "Hi"\n')
    add_variant(pack_dir, "mistake", "twice", 'message = "x"\n[[edits]]\nfile = "app.py"\nfind = "()"\nreplace = "[]"\n')
    add_variant(pack_dir, "mistake", "gone", 'message = "x"\nremove = ["views/nothing.tpl"]\n')
    fake = FakeRunner(CheckResult(passed=True))
    report = check_pack(pack_dir, fake)
    rows = {r.variant: r for r in report.rows}
    assert rows["alternative:stale"].got == "error" and not rows["alternative:stale"].ok
    assert "app.py does not occur" in rows["alternative:stale"].reason and "'Goodbye'" in rows["alternative:stale"].reason
    assert "mistakes/hello/twice/mistake.toml: the text to find in app.py occurs 2 times" in rows["mistake:twice"].reason
    assert "remove names views/nothing.tpl, which the solution does not have" in rows["mistake:gone"].reason
    assert len(fake.calls) == len(report.rows) - 3  # nothing ran for the broken variants


def test_rows_run_side_by_side_and_keep_the_packs_order(pack_dir):
    import threading
    import time

    seen_at_once, running, lock = [], [0], threading.Lock()

    class SlowRunner(FakeRunner):
        def run(self, workspace, check_files, app_module="app.py", **kw):
            with lock:
                running[0] += 1
                seen_at_once.append(running[0])
            time.sleep(0.2)
            with lock:
                running[0] -= 1
            assert kw["key"].startswith("pack-check-")
            return super().run(workspace, check_files, app_module)

    report = check_pack(pack_dir, SlowRunner(CheckResult(passed=False)), jobs=3)
    assert max(seen_at_once) == 3
    assert [(r.step, r.variant) for r in report.rows] == [
        ("hello", "start"), ("hello", "solution"), ("hello", "mistake:wrong-path"), ("about", "start"), ("about", "solution")]


def test_one_lesson_can_be_checked_alone(pack_dir):
    fake = FakeRunner(CheckResult(passed=False))
    report = check_pack(pack_dir, fake, lessons=["01-first-routes", "09-nope"])
    assert {r.lesson for r in report.rows} == {"01-first-routes"}
    assert [str(p) for p in report.problems] == ["pack.toml: there is no lesson '09-nope' to check"]

"""``pack check``: prove a pack's content works, the way its learners will meet it.

After validation, every code step's checks run against its starting point (must fail), its
solution (must pass), each of its alternatives (must pass) and each of its mistakes (must
fail, showing the mistake's message). Rows are independent and run side by side on the warm
worker, ``jobs`` at a time.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import PackError
from sandbox.packs.archive import pack_folder
from sandbox.packs.format import Lesson, Problem, Step, step_files, write_files
from sandbox.packs.reader import load_pack

MAX_REASON = 300


@dataclass
class CheckRow:
    lesson: str
    step: str
    variant: str  # start | solution | mistake:<name> | alternative:<name>
    expected: str  # pass | fail
    got: str  # pass | fail | timeout | error | limit
    ok: bool
    ms: float
    reason: str = ""  # why the row is not ok, in a sentence


@dataclass
class PackReport:
    path: Path
    problems: list[Problem] = field(default_factory=list)
    rows: list[CheckRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed_rows(self) -> list[CheckRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failed_rows


def default_jobs() -> int:
    """How many rows run at once by default: the machine's processors, at least 2."""
    return max(2, os.cpu_count() or 1)


def check_pack(path, runner, **options) -> PackReport:
    """Validate the pack in folder ``path`` (or in the zip ``path``, unpacked to a temporary folder with
    the rules of installing it), then run every code step's checks with ``runner``; see ``_check_folder``."""
    try:
        with pack_folder(Path(path)) as folder:
            report = _check_folder(folder, runner, **options)
    except PackError as exc:  # the zip itself was refused
        report = PackReport(Path(path), problems=exc.problems or [Problem(Path(path).name, None, str(exc))])
    report.path = Path(path)
    return report


def _check_folder(path, runner, *, on_row=None, jobs: int | None = None, lessons=(), environments=None,
                  on_progress=None) -> PackReport:
    """Validate the pack in ``path``, then run every code step's checks with ``runner``.

    ``runner`` has ``run(workspace, check_files, app_module=..., key=...) -> CheckResult`` (a warm
    ``sandbox.checker.CheckRunner``, which runs checks with different keys side by side);
    ``jobs`` rows run at once (default ``default_jobs()``); ``on_row`` is called with each row
    as it is done, from the thread that ran it. ``report.rows`` keep the pack's order.
    ``lessons``: lesson ids to check (default: all); an unknown id is a problem in the report.
    ``environments`` (``packs.environment.Environments``) installs the libraries the pack requires
    first, telling ``on_progress(sentence)``; a pack that requires some cannot be checked without it.
    """
    started = time.monotonic()
    report = PackReport(Path(path))
    try:
        pack = load_pack(path)
    except PackError as exc:
        report.problems = exc.problems or [Problem(str(path), None, str(exc))]
        report.seconds = time.monotonic() - started
        return report
    environment = None
    if pack.requirements:
        if environments is None:
            report.problems = [Problem("pack.toml", None, "requires libraries, but no place to install them was given")]
            report.seconds = time.monotonic() - started
            return report
        try:
            wheels = Path(path) / "wheels"
            environment = environments.prepare(pack.requirements, wheels=wheels if wheels.is_dir() else None,
                                               progress=on_progress)
        except PackError as exc:
            report.problems = [Problem("pack.toml", None, str(exc))]
            report.seconds = time.monotonic() - started
            return report
    known = {lesson.id for lesson in pack.lessons}
    report.problems = [Problem("pack.toml", None, f"there is no lesson '{name}' to check") for name in lessons if name not in known]
    work = []
    for lesson in pack.lessons:
        if lessons and lesson.id not in lessons:
            continue
        for step in lesson.steps:
            if step.kind != "code":
                continue
            work += [(lesson, step, "start", "start", "fail", None), (lesson, step, "solution", "solution", "pass", None)]
            work += [(lesson, step, a.name, f"alternative:{a.name}", "pass", None) for a in step.alternatives]
            work += [(lesson, step, m.name, f"mistake:{m.name}", "fail", m.message) for m in step.mistakes]

    def one(number: int, item) -> CheckRow:
        row = _check_variant(runner, *item, key=f"pack-check-{number}", environment=environment)
        if on_row is not None:
            on_row(row)
        return row

    with ThreadPoolExecutor(max_workers=max(1, jobs or default_jobs()), thread_name_prefix="pack-check") as pool:
        report.rows = list(pool.map(one, range(len(work)), work))
    report.seconds = time.monotonic() - started
    return report


def _check_variant(runner, lesson: Lesson, step: Step, variant: str, label: str, expected: str,
                   message: str | None, *, key: str, environment: Path | None = None) -> CheckRow:
    with tempfile.TemporaryDirectory(prefix="pack-check-") as temp:
        workspace = Path(temp)
        try:
            write_files(step_files(lesson, step, variant), workspace)
        except PackError as exc:
            return CheckRow(lesson.id, step.id, label, expected, "error", False, 0.0, _clip(str(exc)))
        began = time.monotonic()
        result = runner.run(workspace, list(step.checks), app_module=lesson.app, key=key, timeout=step.timeout,
                            environment=environment)
        ms = getattr(result, "duration_ms", 0.0) or (time.monotonic() - began) * 1000
    got = _got(result)
    ok, reason = got == expected, ""
    failures = [t for t in result.tests if t.outcome in ("failed", "error")]
    broken = unloadable(result)
    if broken:  # the pack's fault whatever the row expected: no verdict means anything
        return CheckRow(lesson.id, step.id, label, expected, "error", False, round(ms, 1), _clip(broken))
    if got in ("timeout", "error", "limit"):
        reason = _trouble(result)
    elif not ok and expected == "pass":
        what = "alternative" if label.startswith("alternative:") else "solution"
        reason = f"the {what} failed: " + _messages(failures)
    elif not ok:
        what = "starting point" if variant == "start" else "mistake"
        reason = f"all {len(result.tests)} checks passed on the {what}, but it should fail one"
    elif message is not None and not any(message in (t.message or "") for t in failures):
        ok, reason = False, f"no failure message contains {message!r}; the messages were: {_messages(failures)}"
    return CheckRow(lesson.id, step.id, label, expected, got, ok, round(ms, 1), reason)


def unloadable(result) -> str | None:
    """Why the step's check files could not run at all (an import error, a fixture that does not
    exist, no tests collected), as a sentence; None when they ran. Such a row is an error, never ok."""
    for test in result.tests:
        if test.outcome != "error":
            continue
        text = f"{test.message}\n{test.detail}"
        if "::" not in test.name:  # a collection error of a whole file, or no tests at all
            return f"a check file could not be loaded: {test.message or 'no tests were collected'}"
        if "FixtureLookupError" in text or re.search(r"fixture '[^']*' not found", text):
            found = re.search(r"fixture '([^']*)' not found", text) or re.search(r"FixtureLookupError: \('([^']*)'", text)
            name = f"'{found.group(1)}' " if found else ""
            return (f"{test.title} asks for a fixture {name}that does not exist (docs/lesson-packs.md lists the "
                    "fixtures a check can use)")
    return None


def _got(result) -> str:
    if result.timed_out:
        return "timeout"
    if result.error:
        return "error"
    if result.limited:
        return "limit"
    return "pass" if result.passed else "fail"


def _trouble(result) -> str:
    if result.timed_out:
        text = "the checks timed out"
    elif result.error:
        text = f"the checks could not run: {result.error}"
    else:
        text = f"the checks hit the {result.limited} limit"
    tail = (result.output_tail or "").strip().splitlines()[-3:]
    return _clip(text + (" (output: " + " / ".join(tail) + ")" if tail else ""))


def _messages(failures) -> str:
    if not failures:
        return "(no test failed; did the check file collect any tests?)"
    return _clip("; ".join(f"{t.title}: {t.message or t.outcome}" for t in failures))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def format_report(report: PackReport) -> str:
    """The report as a text table, then one summary line."""
    lines = [str(problem) for problem in report.problems]
    if report.rows:
        header = ("Lesson", "Step", "Variant", "Expected", "Got", "Time", "")
        table = [(r.lesson, r.step, r.variant, r.expected, r.got, f"{r.ms:.0f} ms", "ok" if r.ok else "NOT OK")
                 for r in report.rows]
        widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
        for cells, row in zip([header, *table], [None, *report.rows]):
            lines.append("  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip())
            if row is not None and row.reason:
                lines.append(f"    -> {row.reason}")
    count, good = len(report.rows), len(report.rows) - len(report.failed_rows)
    bad = len(report.problems) + len(report.failed_rows)
    checks = "1 check" if count == 1 else f"{count} checks"
    problems = "1 problem" if bad == 1 else f"{bad} problems"
    lines.append(f"{checks}, {good} ok, {problems} in {report.seconds:.1f} s")
    return "\n".join(lines)

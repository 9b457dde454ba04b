"""Whose fault is it? When a learner's check runs out of time or hits a limit, the step's reference
solution is run through the same checks, once per step and pack version (remembered while the
sandbox runs). If the author's own solution ends the same way, the check misbehaves, not the
learner's code, and the learner is told so instead of being sent looking for a loop.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from sandbox.errors import PackError
from sandbox.packs.format import Lesson, Pack, Step, step_files, write_files

_known: dict[tuple, str | None] = {}  # (pack root, version, lesson, step) -> how the reference solution ended
_lock = threading.Lock()
_LEARNER_BLAME = ("Your code", "The check stopped unexpectedly")  # how a stopped check's message starts


def trouble(result) -> str | None:
    """How a check run ended badly: "timeout", a limit's name ("output", "memory"...), or None."""
    if getattr(result, "cancelled", False) or getattr(result, "error", None):
        return None
    if result.timed_out:
        return "timeout"
    return result.limited or None


def reference_trouble(pack: Pack, lesson: Lesson, step: Step, runner, environment: Path | None = None) -> str | None:
    """How the step's reference solution ends under its own checks: "timeout", a limit, or None when it
    runs to the end. Run once per step and pack version; None when it cannot be run at all."""
    key = (str(pack.root), pack.version, lesson.id, step.id)
    with _lock:
        if key in _known:
            return _known[key]
    if step.solution is None:
        return None
    try:
        files = step_files(lesson, step, "solution")
    except PackError:
        return None
    with tempfile.TemporaryDirectory(prefix="reference-") as temp:
        write_files(files, Path(temp))
        result = runner.run(Path(temp), list(step.checks), app_module=lesson.app, timeout=step.timeout,
                            key=f"reference-{pack.id}-{lesson.id}-{step.id}", environment=environment)
    if getattr(result, "cancelled", False) or getattr(result, "error", None):
        return None  # not an answer: ask again next time
    found = trouble(result)
    with _lock:
        _known[key] = found
    return found


def misbehaving_check(pack: Pack, lesson: Lesson, step: Step, runner, result, *,
                      environment: Path | None = None) -> str | None:
    """A sentence for the learner when ``result`` ended badly *and* the reference solution ends the same
    way (so the check is at fault, not their code); None otherwise."""
    mine = trouble(result)
    if mine is None or reference_trouble(pack, lesson, step, runner, environment) != mine:
        return None
    what = "runs out of time" if mine == "timeout" else (
        "prints too much" if mine == "output" else f"hits the {mine} limit")
    return (f"This step's check misbehaved: it {what} on the pack author's own solution too, so it is not your "
            f"code. Tell whoever gave you the pack '{pack.id}' (version {pack.version}).")


def blame_the_check(data: dict, sentence: str) -> dict:
    """The check result ``data`` (``CheckResult.to_dict()``) told as the check's fault: ``check_fault``
    heads it, and the stopped test's "Your code..." message says the same."""
    data["check_fault"] = sentence
    for test in data.get("tests", []):
        if test.get("outcome") == "error" and str(test.get("message", "")).startswith(_LEARNER_BLAME):
            test["message"] = sentence
    return data


def forget() -> None:
    """Forget every remembered reference run (tests, or after packs change)."""
    with _lock:
        _known.clear()

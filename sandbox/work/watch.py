"""Watch mode: re-check the current step whenever any editor saves a file in its workspace.

It sits beside the core loop and only uses it: the learner's current step comes from progress,
checks run through the checker, and each result is printed as one or two compact lines.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sandbox import store
from sandbox.errors import SandboxError
from sandbox.preview.manager import changed_matters
from sandbox.work import coursework


class NothingToWatch(SandboxError):
    """No code step has been opened yet, so there is no workspace to watch."""


def current_place(catalog, workspaces_dir: Path) -> coursework.Place:
    """The code step the learner was last active on."""
    learner = store.current_learner()
    states = (store.StepState.select().where(store.StepState.learner == learner.id)
              .order_by(store.StepState.last_active_at.desc(nulls="LAST"), store.StepState.id.desc()))
    for state in states:
        try:
            place = coursework.find(catalog, learner.id, workspaces_dir, state.pack_id, state.lesson_id, state.step_id)
        except SandboxError:
            continue  # a pack removed since
        if place.step.kind == "code" and place.ws.path.is_dir():
            return place
    raise NothingToWatch("Open a code step in the sandbox first: watch mode follows the step you are working on.")


def summarize(result: dict) -> list[str]:
    """A check result as the lines a terminal shows."""
    tests = result.get("tests", [])
    passed = sum(1 for t in tests if t.get("outcome") == "passed")
    took = f"{int(result.get('duration_ms') or 0)} ms"
    if result.get("error"):
        return [f"! the check could not run: {result['error']}"]
    if result.get("timed_out"):
        return [f"✗ your code took too long, so the check was stopped ({took})"]
    if result.get("passed"):
        return [f"✓ all {len(tests)} checks passed ({took})"]
    lines = [f"✗ {passed}/{len(tests)} checks passed ({took})"]
    for test in tests:
        if test.get("outcome") != "passed":
            where = f" ({test['file']}:{test['line']})" if test.get("file") and test.get("line") else ""
            message = (test.get("message") or "").strip().splitlines()
            lines.append(f"  - {test.get('title')}: {message[0] if message else 'failed'}{where}")
    return lines


def watch(place: coursework.Place, runner, say, *, stop: threading.Event | None = None, on_change=None) -> None:
    """Check now, then after every saved change until ``stop`` is set (or Ctrl+C)."""
    import watchfiles

    def check(reason: str) -> None:
        say(f"[{reason}] checking '{place.step.title}'…")
        for line in summarize(coursework.run_check(place, runner)):
            say(line)

    check("start")
    for changes in watchfiles.watch(place.ws.path, watch_filter=lambda change, path: changed_matters(path),
                                    debounce=400, step=50, stop_event=stop, raise_interrupt=False):
        names = sorted({Path(path).name for _, path in changes})
        if on_change is not None:
            on_change()
        check("saved " + ", ".join(names))

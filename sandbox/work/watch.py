"""Watch mode: check again whenever a file is saved, in any editor.

For a learner, ``watch`` re-checks the step they were last working on (``sandbox watch``); for
an author, ``watch_pack`` re-runs ``pack check`` on their pack (``sandbox pack check --watch``).
It sits beside the core loop and only uses it.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from sandbox.checker.results import headline
from sandbox.errors import NothingToWatch, SandboxError
from sandbox.files import learner_change
from sandbox.packs.check import check_pack, format_report
from sandbox.store.models import StepState
from sandbox.work import coursework


def current_place(catalog, workspaces_dir: Path, learner_id: int) -> coursework.Place:
    """The code step the learner was last active on; NothingToWatch when there is none yet."""
    states = (StepState.select().where(StepState.learner == learner_id)
              .order_by(StepState.last_active_at.desc(nulls="LAST"), StepState.id.desc()))
    for state in states:
        try:
            place = coursework.find(catalog, learner_id, workspaces_dir, state.pack_id, state.lesson_id, state.step_id)
        except SandboxError:
            continue  # a pack removed since
        if place.step.kind == "code" and place.ws.path.is_dir():
            return place
    raise NothingToWatch("Open a code step in the sandbox first: watch mode follows the step you are working on.")


def summarize(result: dict) -> list[str]:
    """A check result as the lines a terminal shows: the headline, then each failure and where it is."""
    took = f"{int(result.get('duration_ms') or 0)} ms"
    mark = "✓" if result.get("passed") else "!" if result.get("error") else "✗"
    lines = [f"{mark} {headline(result)} ({took})"]
    if result.get("error") or result.get("passed"):
        return lines
    for test in result.get("tests", []):
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
    root = str(place.ws.path)

    def matters(change, path) -> bool:  # relative: the folders above the workspace may be hidden
        return learner_change(os.path.relpath(path, root))

    for changes in watchfiles.watch(place.ws.path, watch_filter=matters,
                                    debounce=400, step=50, stop_event=stop, raise_interrupt=False):
        names = sorted({Path(path).name for _, path in changes})
        if on_change is not None:
            on_change()
        check("saved " + ", ".join(names))


def watch_pack(path: Path, runner, *, check=None, changes=None, out=None, environments=None) -> int:
    """Check the pack now and again after every change under ``path``, until Ctrl+C (or ``changes`` ends).

    ``check(path, runner) -> (ok, text)`` runs one check; ``changes`` is an iterable of change
    sets (default: ``watchfiles.watch(path)``); ``environments`` installs the libraries a pack
    requires (``packs.environment.Environments``). Returns the status of the last check.
    """
    out = out or sys.stdout
    check = check or (lambda folder, run: _check_once(folder, run, environments))
    if changes is None:
        from watchfiles import watch

        changes = watch(path)
    ok, text = check(path, runner)
    print(text, file=out, flush=True)
    print(f"Watching {path} for changes; press Ctrl+C to stop.", file=out, flush=True)
    try:
        for changed in changes:
            names = sorted({Path(p).name for _, p in changed})
            print(f"\n--- changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''} ---", file=out, flush=True)
            ok, text = check(path, runner)
            print(text, file=out, flush=True)
    except KeyboardInterrupt:
        print("Stopped watching.", file=out, flush=True)
    return 0 if ok else 1


def _check_once(path: Path, runner, environments=None) -> tuple[bool, str]:
    report = check_pack(path, runner, environments=environments)
    return report.ok, format_report(report)

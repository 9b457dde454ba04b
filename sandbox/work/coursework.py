"""What a learner does on a step: open it, save files, check, reveal hints, see the solution,
reset, answer a quiz. It joins packs, workspace, checker and progress into plain data for pages.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import PackNotFound, Refused, WorkspaceError, WrongStepKind
from sandbox.packs.format import Lesson, Pack, Step, check_quiz, read_tree, starter_files, step_files
from sandbox.packs import reference
from sandbox.store import unless_disk_fails
from sandbox.files import is_data
from sandbox.work import encoding as encodings
from sandbox.work import progress, tree, workspace
from sandbox.work import versions as versions_module


@dataclass
class Place:
    """One step of one lesson of one pack, for one learner."""

    pack: Pack
    lesson: Lesson
    step: Step
    learner_id: int
    workspaces_dir: Path
    environments: object = None  # the catalog's ``packs.environment.Environments``, when it has them

    @property
    def environment(self) -> Path | None:
        """The folder of the pack's own libraries, None when it needs none; raises EnvironmentNotReady
        while they are being installed (which this starts)."""
        return self.environments.path_for(self.pack) if self.environments is not None else None

    @property
    def ws(self) -> workspace.Workspace:
        return workspace.open_workspace(self.workspaces_dir, self.learner_id, self.pack.id, self.lesson.id)

    @property
    def ids(self) -> dict[str, str]:
        """The step's address as ids: pack_id, lesson_id and step_id."""
        return {"pack_id": self.pack.id, "lesson_id": self.lesson.id, "step_id": self.step.id}


def find(catalog, learner_id: int, workspaces_dir: Path, pack_id: str, lesson_id: str, step_id: str, *,
         unlocked: bool = False) -> Place:
    """The step ``pack_id/lesson_id/step_id`` for one learner.

    Raises PackNotFound when the pack, lesson or step does not exist, and, with ``unlocked``,
    Refused when the steps before it are not done yet.
    """
    pack = catalog.get(pack_id)
    lesson = pack.lesson(lesson_id)
    place = Place(pack, lesson, lesson.step(step_id), learner_id, workspaces_dir,
                  environments=getattr(catalog, "environments", None))
    if unlocked and progress.step_state(learner_id, pack, lesson_id, step_id) == "locked":
        raise Refused("This step unlocks when the steps before it are done.")
    return place


def continue_at(learner_id: int, pack: Pack) -> tuple[str, str]:
    """(lesson id, step id) where the learner carries on: the first open step, else the very last."""
    upcoming = progress.summary(learner_id, pack)["next"]
    return upcoming or (pack.lessons[-1].id, pack.lessons[-1].steps[-1].id)


def previous_workspace(place: Place) -> workspace.Workspace | None:
    if place.lesson.index == 0:
        return None
    earlier = place.pack.lessons[place.lesson.index - 1]
    ws = workspace.open_workspace(place.workspaces_dir, place.learner_id, place.pack.id, earlier.id)
    return ws if ws.path.is_dir() else None


def needs_start_choice(place: Place) -> bool:
    """A new lesson can start from its starter files or from the learner's own previous code."""
    return not place.ws.path.is_dir() and previous_workspace(place) is not None


def start_lesson(place: Place, *, carry: bool = False) -> None:
    carry_from = previous_workspace(place) if carry else None
    workspace.ensure_started(place.ws, starter_files(place.lesson), carry_from=carry_from)


_starting = threading.Lock()


def visit(place: Place) -> bool:
    """The learner opened the step's page: start a code step's lesson when there is nothing to
    choose, keep files changed by other editors in history, and count time on the step.

    The page itself (``step_page``) only reads, so that no GET changes anything; its script
    sends this (a POST) once it has loaded. True when the lesson's files were just created.
    """
    started = False
    with _starting:  # the page's visit and its preview pane's first request may both arrive first
        if place.step.kind == "code" and not place.ws.path.is_dir() and not needs_start_choice(place):
            if progress.step_state(place.learner_id, place.pack, place.lesson.id, place.step.id) != "locked":
                start_lesson(place)
                started = True
    if place.ws.path.is_dir() and place.step.kind == "code":
        with unless_disk_fails("recording outside edits"):
            workspace.adopt_outside_edits(place.ws)  # what the page shows is what the history knows
    with unless_disk_fails("counting time on the step"):
        progress.touch(place.learner_id, place.pack.id, place.lesson.id, place.step.id)
    return started


def step_page(place: Place) -> dict:
    """Everything the lesson page shows, as plain data (the instructions as Markdown); reads only."""
    ws = place.ws
    files = []
    if ws.path.is_dir() and place.step.kind == "code":
        # The lesson's app file first, whatever it is called: the editor opens on it.
        for rel in sorted(workspace.list_files(ws), key=lambda rel: rel != place.lesson.app):
            try:
                text = workspace.read_file(ws, rel)
            except WorkspaceError:
                continue  # binary files (images) are not edited here
            files.append({"path": rel, "content": text, "language": workspace.language_for(rel),
                          "version": workspace.text_hash(text)})
    elif place.step.kind == "code" and not needs_start_choice(place):
        # Not started yet: show the files the visit (or the first save) is about to write, as they
        # will be, so the page needs no second load; nothing is written by this GET.
        starting = starter_files(place.lesson)
        for rel in sorted(starting, key=lambda rel: (rel != place.lesson.app, rel.lower(), rel)):
            text, encoding = encodings.decode(starting[rel])
            if text is None or not encodings.is_utf8(encoding) or is_data(rel):  # junk: read_tree left it out
                continue
            files.append({"path": rel, "content": text, "language": workspace.language_for(rel),
                          "version": workspace.text_hash(text)})
    record = progress.step_record(place.learner_id, place.pack.id, place.lesson.id, place.step.id)
    following = progress.next_step(place.pack, place.lesson.id, place.step.id)
    state = progress.step_state(place.learner_id, place.pack, place.lesson.id, place.step.id)
    return {
        "pack": {"id": place.pack.id, "title": place.pack.title, "show_solutions": place.pack.show_solutions},
        "lesson": {"id": place.lesson.id, "title": place.lesson.title, "summary": place.lesson.summary},
        "step": {"id": place.step.id, "title": place.step.title, "kind": place.step.kind,
                 "hint_count": len(place.step.hints), "question": place.step.question,
                 "multiple": place.step.multiple, "choices": [c.text for c in place.step.choices]},
        "instructions": without_title(place.step.instructions_text(), place.step.title),
        "hints": place.step.hints[: record["hints_revealed"]],
        "record": record,
        "state": state,
        "outline": progress.outline(place.learner_id, place.pack),
        "files": files,
        "start_choice": place.step.kind == "code" and state != "locked" and needs_start_choice(place),
        "app_file": place.lesson.app,
        "result": progress.last_result(place.learner_id, place.pack.id, place.lesson.id, place.step.id),
        "next_step": following,
        "workspace_path": str(ws.path),
    }


def ensure_ready(place: Place) -> None:
    """Files are only written into a started workspace, so the starter is always in history first."""
    if not place.ws.path.is_dir():
        start_lesson(place)


def without_title(markdown: str, title: str) -> str:
    """Drop a leading ``# Title`` that repeats the step title the page already shows."""
    first, _, rest = markdown.lstrip().partition("\n")
    if first.startswith("# ") and first[2:].strip().lower() == title.strip().lower():
        return rest
    return markdown


def save(place: Place, rel: str, content: str, *, base: str | None = None) -> None:
    """Save one file from the editor; ``base`` is the fingerprint of the text the editor started from."""
    ensure_ready(place)
    workspace.save_file(place.ws, rel, content, guard=True, base=base)


def save_many(place: Place, files: dict[str, str], reason: str = "check", bases: dict[str, str] | None = None) -> None:
    """Save the editor's files (before a check); each with its base, as ``save``."""
    ensure_ready(place)
    for rel, content in files.items():
        workspace.save_file(place.ws, rel, content, reason=reason, guard=True, base=(bases or {}).get(rel))


def save_and_check(place: Place, files: dict[str, str], runner, bases: dict[str, str] | None = None) -> dict:
    """Save the editor's files, then check them: nothing is written for a step that has no code."""
    require_code(place)
    save_many(place, files, bases=bases)
    return run_check(place, runner)


def require_code(place: Place) -> None:
    if place.step.kind != "code":
        raise WrongStepKind(f"'{place.step.title}' is a {place.step.kind} step: it has no code to check.")


def run_check(place: Place, runner) -> dict:
    """Run the step's checks on the learner's files; record the attempt; return the result for the page."""
    require_code(place)
    ensure_ready(place)
    environment = place.environment  # EnvironmentNotReady while the pack's libraries are installed
    workspace.adopt_outside_edits(place.ws)  # a check from watch mode keeps another editor's saves in history
    started = time.perf_counter()
    result = runner.run(place.ws.path, place.step.checks, app_module=place.lesson.app,
                        key=f"learner-{place.learner_id}", timeout=place.step.timeout, environment=environment)
    data = result.to_dict()
    if result.cancelled:
        return {**data, "outcome": None}
    fault = reference.misbehaving_check(place.pack, place.lesson, place.step, runner, result,
                                        environment=environment)
    if fault:  # the reference solution ends the same way: the check's fault, not the learner's code
        reference.blame_the_check(data, fault)
    elapsed = int((time.perf_counter() - started) * 1000)
    outcome = progress.record_attempt(place.learner_id, place.pack, place.lesson, place.step,
                                      passed=result.passed, result=data, duration_ms=elapsed)
    return {**data, "outcome": outcome_dict(place, outcome)}


def answer_quiz(place: Place, chosen: list[int]) -> dict:
    """Mark a quiz answer, record the attempt, return the result; WrongStepKind for other steps.

    No choice at all is not an attempt: the result asks for an answer and nothing is recorded.
    """
    if place.step.kind == "quiz" and not chosen:
        return {"quiz": True, "empty": True, "passed": False, "explanations": [], "outcome": None}
    verdict = check_quiz(place.step, chosen)
    result = {"quiz": True, "passed": verdict.correct, "chosen": verdict.chosen, "summary": verdict.summary,
              "explanations": [{"text": c.text, "explain": e, "correct": c.correct, "chosen": i in verdict.chosen}
                               for i, (c, e) in enumerate(zip(place.step.choices, verdict.explanations))]}
    outcome = progress.record_attempt(place.learner_id, place.pack, place.lesson, place.step,
                                      passed=verdict.correct, result=result)
    return {**result, "outcome": outcome_dict(place, outcome)}


def mark_read(place: Place) -> dict:
    """Mark a reading step done; WrongStepKind for code and quiz steps, which must be passed."""
    if place.step.kind != "read":
        raise WrongStepKind(f"'{place.step.title}' is a {place.step.kind} step: it is done when it passes, "
                            "not when it is read.")
    outcome = progress.mark_read(place.learner_id, place.pack, place.lesson, place.step)
    return {"passed": True, "read": True, "outcome": outcome_dict(place, outcome)}


def outcome_dict(place: Place, outcome: progress.AttemptOutcome) -> dict:
    return {"passed": outcome.passed, "newly_passed": outcome.newly_passed, "next_step": outcome.next_step}


def reveal_hint(place: Place) -> list[str]:
    shown = progress.reveal_hint(place.learner_id, place.pack.id, place.lesson, place.step)
    return place.step.hints[:shown]


def solution(place: Place) -> list[dict]:
    """The reference solution's files, each beside the learner's own version of it ("" when they have none)."""
    if not place.pack.show_solutions:
        raise Refused("The author of this pack chose not to show solutions. Try the hints instead.")
    progress.view_solution(place.learner_id, place.pack.id, place.lesson, place.step)
    files = read_tree(place.step.solution) if place.step.solution else {}
    shown = []
    for rel, data in sorted(files.items()):
        try:
            mine = workspace.read_file(place.ws, rel)
        except WorkspaceError:
            mine = ""
        shown.append({"path": rel, "content": data.decode("utf-8", "replace"), "mine": mine,
                      "language": workspace.language_for(rel)})
    return shown


def use_solution_file(place: Place, rel: str) -> None:
    """Put the reference solution's version of ``rel`` in the workspace; the learner's stays in history."""
    if not place.pack.show_solutions:
        raise Refused("The author of this pack chose not to show solutions. Try the hints instead.")
    files = read_tree(place.step.solution) if place.step.solution else {}
    if rel not in files:
        raise PackNotFound(f"The reference solution has no file called '{rel}'.")
    ensure_ready(place)
    workspace.save_file(place.ws, rel, files[rel].decode("utf-8", "replace"), reason="solution")


def reset(place: Place) -> list[str]:
    return workspace.reset_step(place.ws, step_files(place.lesson, place.step, "start"))


def history(place: Place, rel: str) -> dict:
    """One file's versions, newest first, each with why it was kept and what it changed from the one
    before it; and the files history holds that are no longer on disk (deleted or renamed)."""
    versions = workspace.history(place.ws, rel, limit=51)
    rows = []
    for newer, older in zip(versions[:50], [*versions[1:], None]):
        rows.append({"id": newer.id, "reason": versions_module.reason_words(newer.reason),
                     "created_at": newer.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                     "lines": newer.content.count("\n") + 1,
                     "diff": versions_module.diff_lines(older.content if older else "", newer.content)})
    return {"versions": rows, "deleted": tree.deleted_files(place.ws)}


def restore(place: Place, version_id: int) -> None:
    workspace.restore(place.ws, version_id)

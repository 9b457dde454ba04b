"""A learner's progress through a pack: step states, attempts, hints, solutions and time spent.

Steps unlock in order: a step is open once every step before it in the pack has passed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sandbox.packs.format import Lesson, Pack, Step
from sandbox.store import atomic
from sandbox.store.models import Attempt, StepState, now

IDLE_SECONDS = 300  # a gap longer than this between actions is not counted as time spent


@dataclass
class StepView:
    lesson_id: str
    step_id: str
    title: str
    kind: str
    state: str  # passed | open | locked


@dataclass
class LessonView:
    lesson_id: str
    title: str
    steps: list[StepView] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(s.state == "passed" for s in self.steps)


@dataclass
class AttemptOutcome:
    passed: bool
    newly_passed: bool
    next_step: tuple[str, str] | None
    attempt_id: int


def _ordered(pack: Pack) -> list[tuple[Lesson, Step]]:
    return [(lesson, step) for lesson in pack.lessons for step in lesson.steps]


def _states(learner_id: int, pack_id: str) -> dict[tuple[str, str], StepState]:
    rows = StepState.select().where((StepState.learner == learner_id) & (StepState.pack_id == pack_id))
    return {(r.lesson_id, r.step_id): r for r in rows}


def outline(learner_id: int, pack: Pack) -> list[LessonView]:
    states = _states(learner_id, pack.id)
    lessons, unlocked = [], True
    for lesson in pack.lessons:
        view = LessonView(lesson.id, lesson.title)
        for step in lesson.steps:
            row = states.get((lesson.id, step.id))
            passed = row is not None and row.status == "passed"
            state = "passed" if passed else ("open" if unlocked else "locked")
            unlocked = unlocked and passed
            view.steps.append(StepView(lesson.id, step.id, step.title, step.kind, state))
        lessons.append(view)
    return lessons


def summary(learner_id: int, pack: Pack) -> dict:
    steps = [s for lesson in outline(learner_id, pack) for s in lesson.steps]
    done = sum(s.state == "passed" for s in steps)
    upcoming = next((s for s in steps if s.state == "open"), None)
    return {
        "done": done,
        "total": len(steps),
        "percent": round(100 * done / len(steps)) if steps else 0,
        "next": (upcoming.lesson_id, upcoming.step_id) if upcoming else None,
    }


def step_state(learner_id: int, pack: Pack, lesson_id: str, step_id: str) -> str:
    for lesson in outline(learner_id, pack):
        for step in lesson.steps:
            if (lesson.lesson_id, step.step_id) == (lesson_id, step_id):
                return step.state
    return "locked"


def next_step(pack: Pack, lesson_id: str, step_id: str) -> tuple[str, str] | None:
    order = [(lesson.id, step.id) for lesson, step in _ordered(pack)]
    position = order.index((lesson_id, step_id))
    return order[position + 1] if position + 1 < len(order) else None


def touch(learner_id: int, pack_id: str, lesson_id: str, step_id: str) -> StepState:
    """The learner is working on this step now: create its row and count the time since the last action."""
    row, _ = StepState.get_or_create(learner=learner_id, pack_id=pack_id, lesson_id=lesson_id, step_id=step_id)
    moment = now()
    if row.last_active_at is not None:
        gap = (moment - row.last_active_at).total_seconds()
        if 0 < gap <= IDLE_SECONDS:
            row.seconds_spent += int(gap)
    row.last_active_at = moment
    row.save()
    return row


def record_attempt(learner_id: int, pack: Pack, lesson: Lesson, step: Step, *, passed: bool, result: dict,
                   duration_ms: int = 0) -> AttemptOutcome:
    with atomic():
        row = touch(learner_id, pack.id, lesson.id, step.id)
        attempt = Attempt.create(learner=learner_id, pack_id=pack.id, lesson_id=lesson.id, step_id=step.id,
                                 kind=step.kind, passed=passed, duration_ms=duration_ms,
                                 result_json=json.dumps(result))
        row.attempts += 1
        newly = passed and row.status != "passed"
        if newly:
            row.status, row.passed_at = "passed", now()
        row.save()
    return AttemptOutcome(passed, newly, next_step(pack, lesson.id, step.id), attempt.id)


def mark_read(learner_id: int, pack: Pack, lesson: Lesson, step: Step) -> AttemptOutcome:
    return record_attempt(learner_id, pack, lesson, step, passed=True, result={"read": True})


def reveal_hint(learner_id: int, pack_id: str, lesson: Lesson, step: Step) -> int:
    """Reveal one more hint (recorded); return how many are now shown."""
    row = touch(learner_id, pack_id, lesson.id, step.id)
    if row.hints_revealed < len(step.hints):
        row.hints_revealed += 1
        row.save()
    return row.hints_revealed


def view_solution(learner_id: int, pack_id: str, lesson: Lesson, step: Step) -> None:
    row = touch(learner_id, pack_id, lesson.id, step.id)
    row.solution_viewed = True
    row.save()


def step_record(learner_id: int, pack_id: str, lesson_id: str, step_id: str) -> dict:
    row = StepState.get_or_none(learner=learner_id, pack_id=pack_id, lesson_id=lesson_id, step_id=step_id)
    if row is None:
        return {"hints_revealed": 0, "solution_viewed": False, "attempts": 0, "status": "open"}
    return {"hints_revealed": row.hints_revealed, "solution_viewed": row.solution_viewed,
            "attempts": row.attempts, "status": row.status}


def last_result(learner_id: int, pack_id: str, lesson_id: str, step_id: str) -> dict | None:
    row = (Attempt.select().where((Attempt.learner == learner_id) & (Attempt.pack_id == pack_id)
                                  & (Attempt.lesson_id == lesson_id) & (Attempt.step_id == step_id))
           .order_by(Attempt.id.desc()).first())
    return json.loads(row.result_json) if row else None


def has_started(learner_id: int) -> bool:
    """Has the learner opened any step yet (so the home page says "Welcome back")?"""
    return StepState.select().where(StepState.learner == learner_id).exists()

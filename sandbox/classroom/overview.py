"""The Progress page's data: one learner's lessons, time, practice calendar, streaks and recent attempts."""

from __future__ import annotations

import datetime as dt

from peewee import fn

from sandbox.classroom.reports import build_report
from sandbox.packs.format import Pack
from sandbox.store.models import Attempt


def practice_days(learner_id: int) -> dict[dt.date, int]:
    """Attempts per local calendar day, counted by SQLite (a long history stays quick)."""
    day = fn.date(Attempt.created_at, "localtime")
    rows = (Attempt.select(day, fn.count(Attempt.id)).where(Attempt.learner == learner_id)
            .group_by(day).tuples())
    return {_as_date(value): count for value, count in rows if value}


def _as_date(value) -> dt.date:
    # Peewee may hand the day back as text, a date or a midnight datetime.
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def streaks(days, today: dt.date) -> dict:
    """The current streak (ending today or yesterday) and the longest run of practice days."""
    current, day = 0, today if today in days else today - dt.timedelta(days=1)
    while day in days:
        current, day = current + 1, day - dt.timedelta(days=1)
    longest, run, previous = 0, 0, None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == dt.timedelta(days=1) else 1
        longest, previous = max(longest, run), day
    return {"current": current, "longest": longest, "days": len(days)}


def recent_attempts(learner_id: int, titles: dict, limit: int = 15) -> list[dict]:
    rows = Attempt.select().where(Attempt.learner == learner_id).order_by(Attempt.id.desc()).limit(limit)
    return [{"when": r.created_at.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M"),
             "pack_id": r.pack_id, "lesson_id": r.lesson_id, "step_id": r.step_id,
             "title": titles.get((r.pack_id, r.lesson_id, r.step_id), r.step_id), "kind": r.kind,
             "passed": bool(r.passed), "ms": r.duration_ms} for r in rows]


def overview(learner_id: int, learner_name: str, pack: Pack | None, packs: list[Pack], *,
             today: dt.date | None = None) -> dict:
    """Everything the progress page shows for one learner, as plain data."""
    today = today or dt.date.today()
    report = build_report(learner_id, learner_name, pack)
    lessons = [{"id": lesson["id"], "title": lesson["title"], "total": len(lesson["steps"]),
                "done": sum(s["status"] == "passed" for s in lesson["steps"]),
                "attempts": sum(s["attempts"] for s in lesson["steps"]),
                "hints": sum(s["hints_used"] for s in lesson["steps"]),
                "seconds": sum(s["seconds_spent"] for s in lesson["steps"])} for lesson in report["lessons"]]
    days = practice_days(learner_id)
    titles = {(p.id, lesson.id, step.id): step.title for p in packs for lesson in p.lessons for step in lesson.steps}
    return {"pack": report["pack"], "packs": [{"id": p.id, "title": p.title} for p in packs],
            "lessons": lessons, "totals": report["totals"], "days": days, "streak": streaks(days, today),
            "today": today, "recent": recent_attempts(learner_id, titles)}

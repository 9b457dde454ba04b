"""A file's history in the database: recording versions, finding the latest, keeping it bounded.

Each saved text of a workspace file is a ``FileVersion`` row. A file's newest KEEP_RECENT
versions all stay; older ones made by autosave, a check or another editor are thinned to the
last of each day. Versions made by a reset, a restore or a conflict are never thinned.
"""

from __future__ import annotations

import difflib
from typing import Protocol

from peewee import fn

from sandbox.store.models import FileVersion


class Workspace(Protocol):
    """What history needs to know of a workspace: whose it is and for which lesson."""

    learner_id: int
    pack_id: str
    lesson_id: str

KEEP_RECENT = 200
MAX_DIFF_LINES = 400  # a version's diff beyond this is cut, with a line that says so
# Why each version was kept, in the learner's words.
REASON_WORDS = {
    "save": "Saved", "check": "Saved when you pressed Check", "starter": "The lesson's starting file",
    "carry": "Carried over from your previous lesson", "reset": "Reset to the step's start",
    "before-reset": "Kept just before a reset", "restore": "Brought back from history",
    "before-restore": "Kept just before an older version was brought back",
    "conflict": "What you typed while the file changed elsewhere",
    "outside-edit": "Changed outside the sandbox (another editor, the terminal or your app)",
    "created": "Created", "before-delete": "Kept just before the file was deleted",
    "before-rename": "Kept just before a rename", "renamed": "Renamed or moved here",
    "solution": "Replaced by the reference solution",
    "before-convert": "Kept just before it was converted to UTF-8 (another editor had saved it in another encoding)",
    "converted": "Converted to UTF-8, with the same text",
}
THINNED_REASONS = ("save", "check", "outside-edit")
# Versions kept without being written to the file (what was typed while the file changed elsewhere):
# they never say what the disk holds, so the conflict rule looks past them.
NOT_ON_DISK = ("conflict",)


def versions_of(ws: Workspace):
    """Every version of every file of one workspace, as a query."""
    return FileVersion.select().where(
        (FileVersion.learner == ws.learner_id)
        & (FileVersion.pack_id == ws.pack_id)
        & (FileVersion.lesson_id == ws.lesson_id)
    )


def newest_first(ws: Workspace, rel: str, limit: int) -> list[FileVersion]:
    """Up to ``limit`` versions of one file, the newest first."""
    return list(versions_of(ws).where(FileVersion.path == rel).order_by(FileVersion.id.desc()).limit(limit))


def latest(ws: Workspace, rel: str) -> FileVersion | None:
    """The newest version of one file, or None before its first save."""
    found = newest_first(ws, rel, 1)
    return found[0] if found else None


def latest_on_disk(ws: Workspace, rel: str) -> FileVersion | None:
    """The newest version the sandbox wrote to (or found on) the disk: "conflict" versions left out."""
    return (versions_of(ws).where((FileVersion.path == rel) & FileVersion.reason.not_in(NOT_ON_DISK))
            .order_by(FileVersion.id.desc()).first())


def record(ws: Workspace, rel: str, content: str, reason: str) -> FileVersion:
    version = FileVersion.create(
        learner=ws.learner_id, pack_id=ws.pack_id, lesson_id=ws.lesson_id, path=rel, content=content, reason=reason
    )
    if reason in THINNED_REASONS:
        thin(ws, rel)
    return version


def thin(ws: Workspace, rel: str, keep_recent: int | None = None) -> int:
    """Thin one file's older autosaves to the last of each day; return how many versions went."""
    keep_recent = keep_recent or KEEP_RECENT
    of_file = versions_of(ws).where(FileVersion.path == rel)
    newest = of_file.select(FileVersion.id).order_by(FileVersion.id.desc())
    oldest_kept = newest.offset(keep_recent - 1).limit(1).scalar()
    if oldest_kept is None:
        return 0
    older = of_file.where((FileVersion.id < oldest_kept) & FileVersion.reason.in_(THINNED_REASONS))
    last_of_day = older.select(fn.MAX(FileVersion.id)).group_by(fn.date(FileVersion.created_at))
    doomed = older.select(FileVersion.id).where(FileVersion.id.not_in(last_of_day))
    return FileVersion.delete().where(FileVersion.id.in_(doomed)).execute()


def reason_words(reason: str) -> str:
    """Why a version was kept, as a learner reads it."""
    return REASON_WORDS.get(reason, reason.replace("-", " ").capitalize())


def diff_lines(older: str, newer: str) -> list[tuple[str, str]]:
    """What changed from ``older`` to ``newer`` as (kind, text) lines: kind is "add", "remove",
    "hunk" (a @@ position line) or "same"; at most MAX_DIFF_LINES of them (difflib's unified diff)."""
    found = []
    for line in difflib.unified_diff(older.splitlines(), newer.splitlines(), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "remove", "@": "hunk"}.get(line[:1], "same")
        found.append((kind, line))
        if len(found) >= MAX_DIFF_LINES:
            found.append(("hunk", "… (the rest of the changes are not shown)"))
            break
    return found

"""A file's history in the database: recording versions, finding the latest, keeping it bounded.

Each saved text of a workspace file is a ``FileVersion`` row. A file's newest KEEP_RECENT
versions all stay; older ones made by autosave, a check or another editor are thinned to the
last of each day. Versions made by a reset, a restore or a conflict are never thinned.
"""

from __future__ import annotations

from typing import Protocol

from peewee import fn

from sandbox.store.models import FileVersion


class Workspace(Protocol):
    """What history needs to know of a workspace: whose it is and for which lesson."""

    learner_id: int
    pack_id: str
    lesson_id: str

KEEP_RECENT = 200
THINNED_REASONS = ("save", "check", "outside-edit")


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

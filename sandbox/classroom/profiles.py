"""Learner profiles on a shared computer: create, rename, switch and delete (after exporting).

Each profile has its own progress (rows keyed by learner) and its own workspaces, under
``workspaces/<learner id>/``. There is always at least one profile.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from peewee import fn

from sandbox.classroom import reports
from sandbox.errors import ProfileError, ProfileNotFound
from sandbox.packs.format import Pack
from sandbox.store import atomic
from sandbox.store.models import Learner, StepState
from sandbox.store.preferences import get_preference, set_preference

MAX_NAME = 80
THEMES = ("light", "dark")
FONT_SIZES = range(10, 29)


def current_learner() -> Learner:
    """The active profile; the first learner when none is chosen (there is always one)."""
    chosen = get_preference("current_learner")
    learner = Learner.get_or_none(Learner.id == int(chosen)) if chosen and chosen.isdigit() else None
    if learner is None:
        learner = Learner.select().order_by(Learner.id).first() or Learner.create(name="Learner")
    return learner


def look_problems(name: str, theme: str, font_size: str, learner_id: int) -> dict[str, str]:
    """What is wrong with a learner's settings form, by field name (empty when all is well)."""
    problems = {}
    try:
        check_name(name, except_id=learner_id)
    except ProfileError as exc:
        problems["name"] = str(exc)
    if theme not in THEMES:
        problems["theme"] = "Choose light or dark."
    if not (font_size.isascii() and font_size.isdigit()) or int(font_size) not in FONT_SIZES:
        problems["font_size"] = f"Choose a size from {FONT_SIZES.start} to {FONT_SIZES.stop - 1}."
    return problems


def save_look(learner_id: int, name: str, theme: str, font_size: str) -> dict[str, str]:
    """Save the learner's name, theme and font size; return the form's problems instead when any."""
    problems = look_problems(name, theme, font_size, learner_id)
    if not problems:
        learner = get_profile(learner_id)
        learner.name, learner.theme, learner.font_size = name.strip(), theme, int(font_size)
        learner.save()
    return problems


def check_name(name: str, *, except_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ProfileError("Please enter a name for the profile.")
    if len(name) > MAX_NAME:
        raise ProfileError(f"Please keep the name under {MAX_NAME} characters.")
    if not name.isprintable():
        raise ProfileError("Please use letters, digits, spaces and punctuation only in the name.")
    taken = Learner.select().where(fn.lower(Learner.name) == name.lower())
    if except_id is not None:
        taken = taken.where(Learner.id != except_id)
    if taken.exists():
        raise ProfileError(f"There is already a profile called '{name}'; choose another name.")
    return name


def get_profile(learner_id: int) -> Learner:
    """The profile with this id; ProfileNotFound when there is none (any id SQLite cannot hold included)."""
    learner = Learner.get_or_none(Learner.id == learner_id) if 0 < learner_id < 2**63 else None
    if learner is None:
        raise ProfileNotFound("That profile does not exist (any more).")
    return learner


def find_by_name(name: str) -> Learner:
    learner = Learner.select().where(fn.lower(Learner.name) == name.strip().lower()).first()
    if learner is None:
        names = ", ".join(sorted(l.name for l in Learner.select()))
        raise ProfileNotFound(f"There is no profile called '{name}'. The profiles are: {names}.")
    return learner


def list_profiles() -> list[dict]:
    current = current_learner().id
    passed = dict(StepState.select(StepState.learner, fn.COUNT(StepState.id))
                  .where(StepState.status == "passed").group_by(StepState.learner).tuples())
    return [{"id": l.id, "name": l.name, "current": l.id == current, "passed": passed.get(l.id, 0),
             "created_at": l.created_at.strftime("%Y-%m-%d")} for l in Learner.select().order_by(Learner.name)]


def create_profile(name: str, *, switch: bool = True) -> Learner:
    learner = Learner.create(name=check_name(name))
    if switch:
        switch_profile(learner.id)
    return learner


def rename_profile(learner_id: int, name: str) -> Learner:
    learner = get_profile(learner_id)
    learner.name = check_name(name, except_id=learner_id)
    learner.save()
    return learner


def use_account(name: str) -> Learner:
    """Make the profile called ``name`` (a JupyterHub user name) the current one, creating it when new.

    Under the Hub this is the only profile a learner ever uses. Raises ProfileError for a name no
    profile may have.
    """
    learner = Learner.get_or_none(fn.lower(Learner.name) == name.strip().lower())
    if learner is None:
        learner = Learner.create(name=check_name(name))
    return switch_profile(learner.id)


def switch_profile(learner_id: int) -> Learner:
    learner = get_profile(learner_id)
    set_preference("current_learner", str(learner.id))
    return learner


def export_before_delete(learner: Learner, packs: list[Pack], exports_dir: Path) -> list[Path]:
    """Write one report for every installed pack the learner started (an empty one when none)."""
    started = {r.pack_id for r in StepState.select(StepState.pack_id).where(StepState.learner == learner.id)}
    chosen = [p for p in packs if p.id in started] or [None]
    return [reports.export(learner.id, learner.name, pack, exports_dir, folder=True).paths[0] for pack in chosen]


def delete_profile(learner_id: int, confirm_name: str, *, packs: list[Pack], exports_dir: Path,
                   workspaces_dir: Path) -> list[Path]:
    """Export the learner's reports, then delete the profile, its progress and its workspaces.

    ``confirm_name`` must repeat the profile's name. Returns the reports written.
    """
    learner = get_profile(learner_id)
    if confirm_name.strip() != learner.name:
        raise ProfileError(f"Type the profile's name, {learner.name}, exactly to confirm; nothing was deleted.")
    if Learner.select().count() <= 1:
        raise ProfileError("This is the only profile; create another one before deleting it.")
    written = export_before_delete(learner, packs, exports_dir)
    with atomic():
        learner.delete_instance(recursive=True)
    if get_preference("current_learner") == str(learner_id):
        set_preference("current_learner", str(Learner.select().order_by(Learner.id).first().id))
    _remove_folder(Path(workspaces_dir) / str(learner_id))
    return written


def _remove_folder(folder: Path) -> None:
    """Move the folder aside first, so a new profile reusing the id never sees half of it."""
    if not folder.is_dir():
        return
    aside = Path(tempfile.mkdtemp(prefix=".deleting-", dir=folder.parent))
    os.replace(folder, aside / folder.name)
    shutil.rmtree(aside, ignore_errors=True)

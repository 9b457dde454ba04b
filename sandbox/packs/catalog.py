"""The installed lesson packs, loaded once and reloaded only when a pack folder changes, and the
built-in packs that ship with the sandbox."""

from __future__ import annotations

import threading
from pathlib import Path

from sandbox.errors import NotFound, PackError, PackNotFound
from sandbox.packs.archive import name_problem, shown
from sandbox.packs.environment import Environments
from sandbox.packs.format import Lesson, Pack, parse_version
from sandbox.packs.install import BrokenPack, install_pack, remove_pack, scan_packs
from sandbox.packs.reader import read_manifest
from sandbox.store import atomic, engine
from sandbox.store.models import Attempt, StepState

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "lessons"
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml"}
PRIVATE_FOLDERS = ("solution", "mistakes", "alternatives", "checks")  # never served: answers and checks


class Catalog:
    """The packs installed in ``packs_dir``; thread-safe, re-read only when a pack folder changes."""

    def __init__(self, packs_dir: Path, *, environments: Environments | None = None):
        """``environments``: where packs' own libraries go (default: ``environments/packs`` beside
        ``packs_dir``, installed from PyPI only)."""
        self.packs_dir = packs_dir
        self.environments = environments or Environments(Path(packs_dir).parent / "environments" / "packs")
        self._lock = threading.Lock()
        self._stamp = None
        self._packs: list[Pack] = []
        self._broken: list[BrokenPack] = []

    def _fresh(self) -> None:
        stamp = self._folder_stamp()
        if stamp != self._stamp:
            self._packs, self._broken = scan_packs(self.packs_dir)
            self._stamp = stamp

    def _folder_stamp(self):
        if not self.packs_dir.is_dir():
            return ()
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in self.packs_dir.iterdir()
                            if (p / "pack.toml").is_file()))

    def packs(self) -> list[Pack]:
        with self._lock:
            self._fresh()
            return list(self._packs)

    def broken(self) -> list[BrokenPack]:
        with self._lock:
            self._fresh()
            return list(self._broken)

    def get(self, pack_id: str) -> Pack:
        for pack in self.packs():
            if pack.id == pack_id:
                return pack
        raise PackNotFound(f"No lesson pack called '{pack_id}' is installed.")

    def install(self, source: Path, *, force: bool = False, prepare: bool = True):
        """Install a pack (see ``install_pack``); with a store open on this thread, learners' progress
        then follows the steps the pack says were renamed. With ``prepare``, the libraries the pack
        requires start installing in the background; otherwise on first use."""
        self.packs_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._stamp = None
            result = install_pack(source, self.packs_dir, force=force)
        if engine.database.obj is not None:
            follow_renames(result.pack)
        if prepare and result.pack.requirements:  # its libraries install meanwhile; the Packs page shows how far
            self.environments.prepare_in_background(result.pack)
        self.environments.remove_unused(self.packs())
        return result

    def remove(self, pack_id: str) -> None:
        """Remove a pack, and its libraries when no other pack needs the same ones."""
        with self._lock:
            self._stamp = None
            remove_pack(self.packs_dir, pack_id)
        self.environments.remove_unused(self.packs())

    def builtin(self) -> list[dict]:
        """The packs that ship with the sandbox, as id, title, description and version."""
        found = []
        for manifest in sorted(BUILTIN_DIR.glob("*/pack.toml")):
            try:
                found.append(read_manifest(manifest))
            except PackError:
                continue
        return found

    def install_builtin(self) -> list[str]:
        """Install or upgrade the packs that ship with the sandbox; return what changed.

        Only the manifests' versions are compared, so a start with nothing to upgrade stays quick;
        a pack that is installed goes through the same full validation as any other.
        """
        changed = []
        for manifest in sorted(BUILTIN_DIR.glob("*/pack.toml")):
            pack_id, version = _id_and_version(manifest)
            installed = self.packs_dir / pack_id / "pack.toml"
            have = _id_and_version(installed)[1] if installed.is_file() else None
            if have is None or _newer(version, have):
                self.install(manifest.parent, prepare=False)  # a built-in track's libraries: on first use
                changed.append(pack_id)
        return changed


def lesson_image(lesson: Lesson, rel: str) -> tuple[Path, str]:
    """The image file ``rel`` (a relative posix path) of ``lesson`` that its Markdown shows, and its
    content type. Only images, only inside the lesson folder and outside its solutions, mistakes,
    alternatives and checks; NotFound for anything else."""
    parts = rel.split("/")
    suffix = Path(rel).suffix.lower()
    refused = (not rel or "\\" in rel or "\0" in rel or any(part in ("", ".", "..") or part.startswith(".") for part in parts)
               or parts[0] in PRIVATE_FOLDERS or suffix not in IMAGE_TYPES or name_problem(rel) is not None)
    if not refused:
        root = lesson.root.resolve()
        try:
            path = (root / rel).resolve()
            if path.is_relative_to(root) and path.is_file():
                return path, IMAGE_TYPES[suffix]
        except (OSError, ValueError):
            pass
    raise NotFound(f"The lesson '{lesson.title}' has no image called {shown(rel)}.")


def follow_renames(pack: Pack) -> int:
    """Move every learner's progress and attempts on a step the pack lists in a lesson's ``renamed``
    to the step's id now; return how many step records moved. Safe to run again: nothing is left
    under an old id. When a learner already has a record under the new id, the two are merged
    (passed if either passed, attempts and time added up)."""
    moved = 0
    with atomic():
        for lesson in pack.lessons:
            for old, new in lesson.renamed.items():
                here = (StepState.pack_id == pack.id) & (StepState.lesson_id == lesson.id)
                Attempt.update(step_id=new).where((Attempt.pack_id == pack.id) & (Attempt.lesson_id == lesson.id)
                                                  & (Attempt.step_id == old)).execute()
                for row in list(StepState.select().where(here & (StepState.step_id == old))):
                    current = StepState.get_or_none(here & (StepState.learner == row.learner_id)
                                                    & (StepState.step_id == new))
                    if current is None:
                        row.step_id = new
                        row.save()
                    else:
                        _merge(current, row)
                        row.delete_instance()
                    moved += 1
    return moved


def _merge(into: StepState, other: StepState) -> None:
    """One learner's two records of one step (before and after a rename), as one."""
    into.attempts += other.attempts
    into.seconds_spent += other.seconds_spent
    into.hints_revealed = max(into.hints_revealed, other.hints_revealed)
    into.solution_viewed = into.solution_viewed or other.solution_viewed
    into.first_opened_at = min(d for d in (into.first_opened_at, other.first_opened_at) if d) \
        if (into.first_opened_at or other.first_opened_at) else None
    passed = [d for d in (into.passed_at, other.passed_at) if d]
    into.passed_at = min(passed) if passed else None
    if "passed" in (into.status, other.status):
        into.status = "passed"
    active = [d for d in (into.last_active_at, other.last_active_at) if d]
    into.last_active_at = max(active) if active else None
    into.save()


def _id_and_version(manifest: Path) -> tuple[str, str]:
    data = read_manifest(manifest)
    return data["id"], data["version"]


def _newer(version: str, than: str) -> bool:
    try:
        return parse_version(version) > parse_version(than)
    except (PackError, ValueError):
        return True  # an unreadable installed version is replaced by the shipped one

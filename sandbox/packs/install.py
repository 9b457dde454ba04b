"""Installed lesson packs on disk: install (from a folder or a zip), list and remove.

Installing never trusts its source: every member is checked before a byte is written (by
``sandbox.packs.archive``, the same rule ``pack check`` and ``pack build`` use), sizes are counted
while unpacking, and a pack only appears in the packs folder once it is whole. A refused install
leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import PackError, PackNotFound
from sandbox.packs.archive import (
    MAX_BYTES,
    MAX_FILES,
    MAX_RATIO,
    RATIO_FLOOR,
    Limits,
    copy_folder,
    pack_root,
    remove_tree,
    unzip,
)
from sandbox.packs.format import ID_RE, Pack, parse_version
from sandbox.packs.reader import load_pack, problem_summary

__all__ = ["MAX_BYTES", "MAX_FILES", "MAX_RATIO", "RATIO_FLOOR", "BrokenPack", "InstallResult", "Limits",
           "install_pack", "list_packs", "remove_pack", "scan_packs"]


@dataclass
class InstallResult:
    pack: Pack
    previous_version: str | None  # the version replaced, or None (nothing installed, or it was broken)
    upgraded: bool  # True when an installed copy of the pack was replaced (by any version)

    @property
    def change(self) -> str:
        """installed | reinstalled | upgraded | downgraded | replaced (a broken copy)."""
        if not self.upgraded:
            return "installed"
        if self.previous_version is None:
            return "replaced"
        try:
            new, old = parse_version(self.pack.version), parse_version(self.previous_version)
        except ValueError:
            return "replaced"
        return "reinstalled" if new == old else ("upgraded" if new > old else "downgraded")

    def sentence(self) -> str:
        """What happened, truthfully, for the Packs page and the command line."""
        pack, old = self.pack, self.previous_version
        return {
            "installed": f"Installed {pack.title} {pack.version}.",
            "reinstalled": f"Reinstalled {pack.title} {pack.version}; your progress and files are kept.",
            "upgraded": f"Upgraded {pack.title} from {old} to {pack.version}; your progress and files are kept.",
            "downgraded": f"Went back from {pack.title} {old} to the older {pack.version}; your progress and files "
                          "are kept.",
            "replaced": f"Installed {pack.title} {pack.version} over a copy that could not be read; your progress "
                        "and files are kept.",
        }[self.change]


@dataclass
class BrokenPack:
    folder: Path
    error: PackError


# -- installing -----------------------------------------------------------------------------

def install_pack(source, packs_dir, *, force: bool = False, limits: Limits | None = None) -> InstallResult:
    """Install the pack in folder or zip ``source`` into ``packs_dir/<id>``, all or nothing.

    A newer version replaces an installed one; the same or an older version needs ``force``.
    """
    source, packs_dir, limits = Path(source), Path(packs_dir), limits or Limits()
    if not source.exists():
        raise PackError(f"{source} does not exist.")
    packs_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=packs_dir))
    try:
        unpacked = staging / "pack"
        if source.is_dir():
            copy_folder(source, unpacked, limits)
        else:
            unzip(source, unpacked, limits)
        root = pack_root(unpacked, source)
        try:
            pack = load_pack(root)
        except PackError as exc:
            raise PackError(problem_summary(f"The lesson pack in {source.name}", exc.problems), exc.problems) from None
        replaced, previous = _place(root, packs_dir, pack, force)
        return InstallResult(load_pack(packs_dir / pack.id), previous, replaced)
    finally:
        remove_tree(staging)


def _place(root: Path, packs_dir: Path, pack: Pack, force: bool) -> tuple[bool, str | None]:
    """Rename the checked pack into place; an installed one is moved aside first, then deleted."""
    target = packs_dir / pack.id
    if not target.exists():
        os.replace(root, target)
        return False, None
    previous = _installed_version(target)
    if previous and not force and parse_version(pack.version) <= parse_version(previous):
        word = "the same version" if pack.version == previous else "an older version"
        raise PackError(f"Pack '{pack.id}' version {previous} is already installed and {pack.version} is {word}; "
                        "to replace it anyway, use --force (on the Packs page: tick Reinstall).")
    aside = Path(tempfile.mkdtemp(prefix=".replaced-", dir=packs_dir))
    os.replace(target, aside / "old")
    try:
        os.replace(root, target)
    except OSError:
        os.replace(aside / "old", target)
        raise
    finally:
        remove_tree(aside)
    return True, previous


def _installed_version(folder: Path) -> str | None:
    try:
        return load_pack(folder).version
    except PackError:  # a broken install may be replaced by anything
        return None


# -- listing and removing -------------------------------------------------------------------

def scan_packs(packs_dir) -> tuple[list[Pack], list[BrokenPack]]:
    """The installed packs sorted by title, and the folders that no longer load."""
    packs, broken = [], []
    packs_dir = Path(packs_dir)
    folders = sorted(p for p in packs_dir.iterdir() if p.is_dir() and not p.name.startswith(".")) if packs_dir.is_dir() else []
    for folder in folders:
        try:
            pack = load_pack(folder)
            if pack.id != folder.name:
                raise PackError(f"The pack in {folder} has id '{pack.id}' but its folder is called '{folder.name}'.")
            packs.append(pack)
        except PackError as exc:
            broken.append(BrokenPack(folder, exc))
    return sorted(packs, key=lambda p: (p.title.lower(), p.id)), broken


def list_packs(packs_dir) -> list[Pack]:
    """The installed packs that load; ``scan_packs`` also says which ones do not."""
    return scan_packs(packs_dir)[0]


def remove_pack(packs_dir, pack_id: str) -> None:
    packs_dir = Path(packs_dir)
    target = packs_dir / pack_id
    if not ID_RE.fullmatch(pack_id) or not target.is_dir():
        raise PackNotFound(f"No pack with id '{pack_id}' is installed.")
    aside = Path(tempfile.mkdtemp(prefix=".removing-", dir=packs_dir))
    os.replace(target, aside / pack_id)  # gone from the list at once, even if deleting is slow
    remove_tree(aside)

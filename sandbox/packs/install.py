"""Installed lesson packs on disk: install (from a folder or a zip), list and remove.

Installing never trusts its source: every member is checked before a byte is written, sizes
are counted while unpacking, and a pack only appears in the packs folder once it is whole.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import PackError, PackNotFound
from sandbox.files import skipped_dir
from sandbox.packs.format import ID_RE, Pack, junk_path, parse_version
from sandbox.packs.reader import load_pack, problem_summary

MAX_BYTES = 50 * 1024 * 1024
MAX_FILES = 2000
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024  # members smaller than this can't be a bomb, whatever their ratio
_CHUNK = 64 * 1024


@dataclass
class Limits:
    max_bytes: int = MAX_BYTES
    max_files: int = MAX_FILES
    max_ratio: int = MAX_RATIO


@dataclass
class InstallResult:
    pack: Pack
    previous_version: str | None  # the version replaced, or None (nothing installed, or it was broken)
    upgraded: bool  # True when an installed copy of the pack was replaced


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
            _copy_folder(source, unpacked, limits)
        else:
            _unzip(source, unpacked, limits)
        root = _pack_root(unpacked, source)
        try:
            pack = load_pack(root)
        except PackError as exc:
            raise PackError(problem_summary(f"The lesson pack in {source.name}", exc.problems), exc.problems) from None
        replaced, previous = _place(root, packs_dir, pack, force)
        return InstallResult(load_pack(packs_dir / pack.id), previous, replaced)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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
        shutil.rmtree(aside, ignore_errors=True)
    return True, previous


def _installed_version(folder: Path) -> str | None:
    try:
        return load_pack(folder).version
    except PackError:  # a broken install may be replaced by anything
        return None


def _pack_root(unpacked: Path, source: Path) -> Path:
    if (unpacked / "pack.toml").is_file():
        return unpacked
    entries = [p for p in unpacked.iterdir()] if unpacked.is_dir() else []
    if len(entries) == 1 and entries[0].is_dir() and (entries[0] / "pack.toml").is_file():
        return entries[0]
    raise PackError(f"{source.name} has no pack.toml, neither at its root nor in a single top-level folder.")


def _copy_folder(source: Path, target: Path, limits: Limits) -> None:
    files, total = 0, 0
    for folder, dirs, names in os.walk(source):
        dirs[:] = sorted(d for d in dirs if not skipped_dir(d))
        here = Path(folder)
        rel = here.relative_to(source)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in sorted(names + dirs):
            path = here / name
            mode = path.lstat().st_mode
            member = (rel / name).as_posix()
            if stat.S_ISLNK(mode):
                raise PackError(f"{member} in {source.name} is a symbolic link; packs may not contain links.")
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise PackError(f"{member} in {source.name} is not a regular file; packs hold only files and folders.")
            if stat.S_ISDIR(mode) or junk_path(member):
                continue
            files, total = files + 1, total + path.stat().st_size
            _check_totals(source, member, files, total, limits)
            shutil.copyfile(path, target / rel / name, follow_symlinks=False)


def _check_totals(source: Path, member: str, files: int, total: int, limits: Limits) -> None:
    if files > limits.max_files:
        raise PackError(f"{source.name} holds more than {limits.max_files} files (at {member}); that is too many for a pack.")
    if total > limits.max_bytes:
        raise PackError(f"{source.name} unpacks to more than {limits.max_bytes // (1024 * 1024)} MB (at {member}); that is too large for a pack.")


def _member_problem(info: zipfile.ZipInfo, limits: Limits) -> str | None:
    """Why this zip member may not be unpacked, or None when it is safe."""
    name = info.filename
    parts = name.rstrip("/").split("/")
    kind = stat.S_IFMT(info.external_attr >> 16)
    if "\\" in name:
        return "has a backslash in its path"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "has an absolute path"
    if ".." in parts or "" in parts or "\0" in name:
        return "has a path that leaves the pack folder"
    if kind == stat.S_IFLNK:
        return "is a symbolic link; packs may not contain links"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "is not a regular file"
    if info.flag_bits & 0x1:
        return "is encrypted"
    if info.file_size > RATIO_FLOOR and (info.compress_size == 0 or info.file_size / info.compress_size > limits.max_ratio):
        return f"is compressed more than {limits.max_ratio}:1, like a zip bomb"
    return None


def _unzip(source: Path, target: Path, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackError(f"{source.name} is not a readable zip archive ({exc}).") from None
    with archive:
        members, seen, files, total = [], set(), 0, 0
        for info in archive.infolist():
            reason = _member_problem(info, limits)  # before skipping junk: "../.." must never pass as junk
            if reason:
                raise PackError(f"{info.filename} in {source.name} {reason}; the pack was not installed.")
            if info.filename.startswith("__MACOSX/") or junk_path(info.filename):
                continue
            if info.filename.rstrip("/").lower() in seen:
                raise PackError(f"{info.filename} appears twice in {source.name}; the pack was not installed.")
            seen.add(info.filename.rstrip("/").lower())
            if not info.is_dir():
                files, total = files + 1, total + info.file_size
                _check_totals(source, info.filename, files, total, limits)
            members.append(info)
        target.mkdir()
        written = 0
        for info in members:
            written = _extract(archive, info, target, source, limits, written)


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, source: Path, limits: Limits, written: int) -> int:
    """Unpack one member, counting its bytes: the sizes in a zip's headers may lie."""
    path = target.joinpath(*info.filename.rstrip("/").split("/"))
    if info.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        return written
    size = 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as src, open(path, "xb") as dst:
            while chunk := src.read(_CHUNK):
                size, written = size + len(chunk), written + len(chunk)
                if size > info.file_size:
                    raise PackError(f"{info.filename} in {source.name} is larger than its zip header says; the pack was not installed.")
                if written > limits.max_bytes:
                    raise PackError(f"{source.name} unpacks to more than {limits.max_bytes // (1024 * 1024)} MB (at {info.filename}); that is too large for a pack.")
                dst.write(chunk)
    except PackError:
        raise
    except Exception as exc:  # BadZipFile (bad CRC), zlib.error, EOFError, OSError: a damaged archive
        raise PackError(f"{info.filename} in {source.name} cannot be unpacked ({exc}); the archive is damaged.") from None
    return written


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
    shutil.rmtree(aside, ignore_errors=True)

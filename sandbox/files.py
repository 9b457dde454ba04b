"""Files on disk: the one atomic write every writer uses, and the one rule for which files are the learner's.

The rule, used by the editor, history, checks, the preview, the database browser, exports and
packs alike:

- a *skipped folder* is never looked into: hidden ones (``.git``, ``.venv``), ``__pycache__``,
  ``node_modules`` and ``venv``;
- a *junk file* is never copied or shown: hidden files, compiled Python, the OS's droppings;
- a *data file* is what a running app writes (SQLite databases and their journals, logs): it
  travels with the workspace into a check or a preview, but it is not the learner's source;
- a *learner file* is every other file: what the editor lists and the history keeps.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "venv"})
JUNK_NAMES = frozenset({"Thumbs.db", "desktop.ini"})
JUNK_SUFFIXES = (".pyc", ".pyo")
DATA_FILE = re.compile(r"\.(db|sqlite|sqlite3|log)(-journal|-wal|-shm)?$|-journal$|-wal$|-shm$", re.IGNORECASE)
# write_atomic's temporary file beside its target: ".<name>.<8 random characters>.tmp" (tempfile.mkstemp).
TEMP_FILE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def skipped_dir(name: str) -> bool:
    """Is a folder of this name left out everywhere (hidden, caches, virtual environments)?"""
    return name.startswith(".") or name in SKIPPED_DIRS


def is_junk(name: str) -> bool:
    """Is a file of this name never copied or shown (hidden, compiled, the OS's droppings)?"""
    return name.startswith(".") or name in JUNK_NAMES or name.endswith(JUNK_SUFFIXES)


def is_data(name: str) -> bool:
    """Is a file of this name what a running app writes (a database, its journal, a log)?"""
    return bool(DATA_FILE.search(name))


def is_temp_file(name: str) -> bool:
    """Is a file of this name one of ``write_atomic``'s temporary files (renamed away, or left by a crash)?"""
    return bool(TEMP_FILE.match(name))


def is_learner_file(name: str) -> bool:
    """Is a file of this name the learner's own work (neither junk nor data)?"""
    return not is_junk(name) and not is_data(name)


def in_skipped_dir(rel: str) -> bool:
    """Does the relative path (posix or native) pass through a skipped folder?"""
    return any(skipped_dir(part) for part in PurePosixPath(rel.replace("\\", "/")).parts[:-1])


def learner_change(rel: str) -> bool:
    """Does a change to this relative path change the learner's work (so the preview restarts)?"""
    name = PurePosixPath(rel.replace("\\", "/")).name
    return not in_skipped_dir(rel) and is_learner_file(name)


def walk_files(root: Path, *, data: bool = True, max_depth: int | None = None) -> Iterator[str]:
    """Relative posix paths of the files under ``root``: no skipped folders, no junk, no links.

    With ``data=False`` only learner files; ``max_depth`` limits how many folders deep to look.
    The order is the file system's; sort when it matters.
    """
    root = Path(root)
    if not root.is_dir():
        return
    for top, dirs, names in os.walk(root):
        here = Path(top)
        depth = len(here.relative_to(root).parts)
        dirs[:] = [] if max_depth is not None and depth >= max_depth else [
            d for d in dirs if not skipped_dir(d) and not os.path.islink(here / d)]
        base = here.relative_to(root).as_posix()
        for name in names:
            if is_junk(name) or (not data and is_data(name)) or os.path.islink(here / name):
                continue
            yield name if base == "." else f"{base}/{name}"


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one, never half.

    A temporary file beside ``path`` is written and fsync'ed, then renamed over it, then the
    folder is fsync'ed so the rename survives a power cut (POSIX; rename(2) is atomic). The mode
    is the old file's, else ``mode``, else 0644. Raises OSError (the temporary file is removed).
    """
    path = Path(path)
    keep = path.stat().st_mode & 0o777 if path.is_file() else (0o644 if mode is None else mode)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, keep)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (a rename, a new file) durable; nothing to do on Windows."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

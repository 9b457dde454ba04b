"""The workspace as a tree, for the file panel: its files and folders, and creating, renaming and
deleting them. Every change keeps the learner's text in history, so a deleted or renamed file can
always be brought back; a refused change leaves the disk as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from peewee import fn

from sandbox.errors import WorkspaceError
from sandbox.files import fsync_dir, is_learner_file, skipped_dir, walk_files, write_atomic
from sandbox.store import atomic
from sandbox.store.models import FileVersion
from sandbox.work.versions import latest, record, versions_of
from sandbox.work.workspace import (
    Workspace,
    any_text,
    check_path,
    disk_error,
    language_for,
    list_files,
    resolve,
)

MAX_ENTRIES = 2000  # a workspace the panel can still show; beyond it the listing stops


@dataclass(frozen=True)
class Entry:
    """One file or folder of the panel: its relative posix path, and whether it is a folder."""

    path: str
    folder: bool

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def as_dict(self) -> dict:
        return {"path": self.path, "name": self.name, "folder": self.folder, "depth": self.depth,
                "language": "" if self.folder else language_for(self.path)}


def list_tree(ws: Workspace) -> list[Entry]:
    """The learner's folders and files in tree order (``_tree_order``)."""
    if not ws.path.is_dir():
        return []
    folders = set()
    for top, dirs, _ in os.walk(ws.path):
        dirs[:] = [d for d in dirs if not skipped_dir(d) and not os.path.islink(os.path.join(top, d))]
        base = Path(top).relative_to(ws.path)
        folders.update((base / d).as_posix() for d in dirs)
        if len(folders) > MAX_ENTRIES:
            break
    entries = [Entry(f, True) for f in folders] + [Entry(f, False) for f in list_files(ws)[:MAX_ENTRIES]]
    return sorted(entries, key=_tree_order)


def _tree_order(entry: Entry) -> list[tuple[int, str, str]]:
    """Folders before files at every level, then by name: each folder is followed by what it holds."""
    parts = entry.path.split("/")
    return [(0 if index < len(parts) - 1 or entry.folder else 1, part.lower(), part)
            for index, part in enumerate(parts)]


def signature(ws: Workspace) -> str:
    """A fingerprint of the tree and its files' sizes and times: it changes when any file does."""
    digest = hashlib.sha1()
    for rel in sorted(walk_files(ws.path, data=False)) if ws.path.is_dir() else []:
        try:
            info = (ws.path / rel).stat()
        except OSError:
            continue
        digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    for entry in list_tree(ws):
        if entry.folder:
            digest.update(f"{entry.path}/\n".encode())
    return digest.hexdigest()[:16]


def _new_name(ws: Workspace, rel: str, what: str) -> Path:
    """The place for a new file or folder: checked as a name, inside the workspace, and free."""
    check_path(rel)
    name = rel.rsplit("/", 1)[-1]
    if not is_learner_file(name) and what == "file":
        raise WorkspaceError(f"'{rel}' is a name the sandbox keeps for data or compiled files; pick another.")
    if any(skipped_dir(part) for part in rel.split("/")[:-1]) or (what == "folder" and skipped_dir(name)):
        raise WorkspaceError(f"'{rel}' would be inside a folder the sandbox leaves out (like venv); pick another.")
    target = resolve(ws, rel)
    if target.exists() or target.is_symlink():
        kind = "folder" if target.is_dir() else "file"
        raise WorkspaceError(f"There is already a {kind} called '{rel}' in your workspace.")
    for parent in target.parents:
        if parent == ws.path:
            break
        if parent.exists() and not parent.is_dir():
            raise WorkspaceError(f"'{rel}' cannot be made: '{parent.relative_to(ws.path).as_posix()}' is a file.")
    return target


def create_file(ws: Workspace, rel: str, content: str = "") -> Entry:
    """Create a new file (and the folders on its way: ``views/layout.tpl`` makes ``views/``)."""
    target = _new_name(ws, rel, "file")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, content.encode("utf-8"))
    except OSError as exc:
        raise disk_error(rel, exc) from None
    record(ws, rel, content, "created")
    return Entry(rel, False)


def create_folder(ws: Workspace, rel: str) -> Entry:
    """Create a new, empty folder (and any folders above it)."""
    target = _new_name(ws, rel, "folder")
    try:
        target.mkdir(parents=True)
        fsync_dir(target.parent)
    except OSError as exc:
        raise disk_error(rel, exc) from None
    return Entry(rel, True)


def _texts_under(ws: Workspace, path: Path, rel: str) -> dict[str, str]:
    """The text files at ``rel`` (a file, or every learner file under a folder) as {path: text}."""
    if path.is_file():
        text = any_text(path.read_bytes())
        return {rel: text} if text is not None else {}
    found = {}
    for inner in walk_files(path, data=False):
        text = any_text((path / inner).read_bytes())
        if text is not None:
            found[f"{rel}/{inner}"] = text
    return found


def _existing(ws: Workspace, rel: str) -> Path:
    check_path(rel)
    path = resolve(ws, rel)
    if not path.exists() or path.is_symlink():
        raise WorkspaceError(f"There is no file or folder called '{rel}' in your workspace.")
    return path


def rename(ws: Workspace, old: str, new: str) -> Entry:
    """Rename (or move) a file or folder; the text under its new name starts a "renamed" version."""
    source = _existing(ws, old)
    if old == new:
        raise WorkspaceError(f"'{old}' already has that name.")
    folder = source.is_dir()
    if folder and (new + "/").startswith(old + "/"):
        raise WorkspaceError(f"'{old}' cannot be moved inside itself.")
    target = _new_name(ws, new, "folder" if folder else "file")
    texts = _texts_under(ws, source, old)
    with atomic():
        for rel, text in texts.items():
            _keep(ws, rel, text, "before-rename")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(source, target)
        fsync_dir(target.parent)
        fsync_dir(source.parent)
    except OSError as exc:
        raise disk_error(new, exc) from None
    with atomic():
        for rel, text in texts.items():
            record(ws, new + rel[len(old):], text, "renamed")
    return Entry(new, folder)


def delete(ws: Workspace, rel: str) -> list[str]:
    """Delete a file or a folder with everything in it; return the text files now kept only in history."""
    path = _existing(ws, rel)
    if path == ws.path:
        raise WorkspaceError("The workspace itself cannot be deleted.")
    texts = _texts_under(ws, path, rel)
    with atomic():
        for name, text in texts.items():
            _keep(ws, name, text, "before-delete")
    aside = Path(tempfile.mkdtemp(prefix=".deleting-", dir=ws.path))
    try:
        os.replace(path, aside / "gone")  # gone from the panel at once, even if removing takes a while
        fsync_dir(path.parent)
    except OSError as exc:
        shutil.rmtree(aside, ignore_errors=True)
        raise disk_error(rel, exc) from None
    shutil.rmtree(aside, ignore_errors=True)
    return sorted(texts)


def _keep(ws: Workspace, rel: str, text: str, reason: str) -> None:
    """Record ``text`` unless history's newest version of the file already holds it."""
    newest = latest(ws, rel)
    if newest is None or newest.content != text:
        record(ws, rel, text, reason)


def deleted_files(ws: Workspace) -> list[dict]:
    """Files history knows that are no longer on disk: path, the id of their newest version, and when."""
    on_disk = set(list_files(ws))
    newest_ids = [version_id for path, version_id in
                  versions_of(ws).select(FileVersion.path, fn.MAX(FileVersion.id)).group_by(FileVersion.path).tuples()
                  if path not in on_disk]
    found = FileVersion.select().where(FileVersion.id.in_(newest_ids)).order_by(FileVersion.path)
    return [{"path": v.path, "version": v.id, "when": v.created_at.strftime("%Y-%m-%d %H:%M")} for v in found]

"""The learner's workspace: one folder of real files per learner and lesson, and their history.

Files live on disk (so any editor can open them) and every write is atomic; each saved text
is also kept as a ``FileVersion`` row, so nothing a learner typed is lost to a crash, a reset
or an upgrade. Paths from the browser are only ever resolved inside the workspace.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sandbox.errors import DiskError, StorageError, WorkspaceConflict, WorkspaceError
from sandbox.files import fsync_dir, is_temp_file, skipped_dir, walk_files, write_atomic
from sandbox.store import atomic
from sandbox.store.models import FileVersion
from sandbox.work import encoding as encodings
from sandbox.work.versions import latest_on_disk as _latest_on_disk
from sandbox.work.versions import newest_first
from sandbox.work.versions import record as _record

MAX_FILE_BYTES = 1_000_000
MAX_PATH_CHARS = 200
# Characters and names Windows cannot store, refused everywhere so a workspace travels between machines.
WINDOWS_CHARS = set('<>:"|?*')
WINDOWS_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
STARTING = ".starting-"  # a workspace being built beside its place: ".<lesson>.starting-XXXXXXXX"
# What a crash can leave in the workspaces folder: a workspace half built, a deletion half done.
LEFTOVER_FOLDER = re.compile(r"^\..+\.starting-[a-z0-9_]{8}$|^\.deleting-[a-z0-9_]{8}$")
LANGUAGES = {".py": "python", ".tpl": "html", ".html": "html", ".htm": "html", ".css": "css",
             ".js": "javascript", ".mjs": "javascript"}


@dataclass(frozen=True)
class Workspace:
    """One learner's folder for one lesson of one pack."""

    root: Path  # Settings.workspaces_dir
    learner_id: int
    pack_id: str
    lesson_id: str

    @property
    def path(self) -> Path:
        return self.root / str(self.learner_id) / self.pack_id / self.lesson_id


def remove_leftovers(workspaces_dir: Path) -> int:
    """Remove what a crash left behind in every workspace (``write_atomic``'s temporary files, a
    workspace half built, a folder half deleted); return how many. Call it at start, before any
    save can be under way: they are never the learner's, and a Check would only trip over them."""
    removed = 0
    for top, dirs, names in os.walk(workspaces_dir):
        for name in [d for d in dirs if LEFTOVER_FOLDER.match(d)]:
            shutil.rmtree(os.path.join(top, name), ignore_errors=True)
            removed += 1
        dirs[:] = [d for d in dirs if not LEFTOVER_FOLDER.match(d) and not skipped_dir(d)]
        for name in names:
            if is_temp_file(name):
                try:
                    os.unlink(os.path.join(top, name))
                    removed += 1
                except OSError:
                    pass
    return removed


def open_workspace(workspaces_dir: Path, learner_id: int, pack_id: str, lesson_id: str) -> Workspace:
    """The workspace for this learner and lesson; nothing is created on disk until ``ensure_started``."""
    if isinstance(learner_id, bool) or not isinstance(learner_id, int) or learner_id < 1:
        raise WorkspaceError(f"{learner_id!r} is not a learner id.")
    for kind, name in (("pack", pack_id), ("lesson", lesson_id)):
        parts = check_path(name).parts if isinstance(name, str) else ()
        if len(parts) != 1:
            raise WorkspaceError(f"{name!r} cannot be used as a {kind} folder name.")
    return Workspace(Path(workspaces_dir), learner_id, pack_id, lesson_id)


# --- paths -------------------------------------------------------------------------------


def check_path(rel: str) -> PurePosixPath:
    """Check a relative path as text (no disk access) and return it; WorkspaceError says what is wrong."""
    if not isinstance(rel, str) or rel.strip() == "":
        raise WorkspaceError("A file name is needed.")
    shown = repr(rel) if any(ord(c) < 32 for c in rel) else f"'{rel}'"
    if len(rel) > MAX_PATH_CHARS:
        raise WorkspaceError(f"The file name {shown[:60]}... is too long (at most {MAX_PATH_CHARS} characters).")
    if any(ord(c) < 32 or ord(c) == 127 for c in rel):
        raise WorkspaceError(f"The file name {shown} contains a control character.")
    if "\\" in rel:
        raise WorkspaceError(f"The file name {shown} contains a backslash; use / between folders.")
    if rel.startswith("/") or re.match(r"^[A-Za-z]:", rel):
        raise WorkspaceError(f"The file name {shown} is absolute; name a file inside your workspace.")
    for part in rel.split("/"):
        _check_segment(part, shown)
    return PurePosixPath(rel)


def _check_segment(part: str, shown: str) -> None:
    if part == "":
        raise WorkspaceError(f"The file name {shown} has an empty folder name in it.")
    if part == "..":
        raise WorkspaceError(f"The file name {shown} points outside your workspace.")
    if part == ".":
        raise WorkspaceError(f"The file name {shown} uses . as a folder; name the file from the workspace down.")
    if part.startswith("."):
        raise WorkspaceError(f"The file name {shown} names a hidden file or folder, which the sandbox does not edit.")
    if set(part) & WINDOWS_CHARS or part[-1] in " ." or part.split(".")[0].lower() in WINDOWS_NAMES:
        raise WorkspaceError(f"The file name {shown} cannot be used on every computer; pick a plainer name.")


def resolve(ws: Workspace, rel: str) -> Path:
    """The real path of ``rel`` inside the workspace; WorkspaceError for anything that could leave it."""
    target = ws.path.joinpath(*check_path(rel).parts)
    root = os.path.realpath(ws.path)
    real = os.path.realpath(target)
    if os.path.commonpath([root, real]) != root:
        raise WorkspaceError(f"The file name '{rel}' leads outside your workspace (through a link).")
    return target


def language_for(rel: str) -> str:
    """The editor mode for a file: python, html, css, javascript or text."""
    return LANGUAGES.get(PurePosixPath(rel).suffix.lower(), "text")


# --- reading -----------------------------------------------------------------------------


def list_files(ws: Workspace) -> list[str]:
    """The learner files (``sandbox.files``' rule) as relative posix paths: app.py first, then alphabetically."""
    return sorted(walk_files(ws.path, data=False), key=lambda rel: (rel != "app.py", rel.lower(), rel))


def read_file(ws: Workspace, rel: str) -> str:
    """The text of one workspace file."""
    path = resolve(ws, rel)
    if not path.is_file():
        raise WorkspaceError(f"There is no file '{rel}' in your workspace.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise WorkspaceError(f"'{rel}' is larger than {MAX_FILE_BYTES // 1_000_000} MB, too large for the editor.")
    text, encoding = encodings.decode(path.read_bytes())
    if text is None:
        raise WorkspaceError(f"'{rel}' is not a text file, so the editor cannot open it.")
    if not encodings.is_utf8(encoding):
        raise WorkspaceError(
            f"'{rel}' is saved in {encodings.name_of(encoding)}, not UTF-8: convert it to UTF-8 to edit it "
            "here (nothing is lost: the old text stays in History).")
    return text


def file_encoding(ws: Workspace, rel: str) -> str | None:
    """The encoding a workspace file is saved in (``sandbox.work.encoding``); None when it is not text."""
    try:
        return encodings.decode(resolve(ws, rel).read_bytes())[1]
    except OSError:
        return None


def convert_to_utf8(ws: Workspace, rel: str) -> FileVersion | None:
    """Rewrite a text file another editor saved in another encoding as UTF-8, keeping its text.

    The text is recorded as a "converted" version, so History holds it whatever happens next.
    """
    path = resolve(ws, rel)
    with one_writer():  # read, record and write as one, like a save
        if not path.is_file():
            raise WorkspaceError(f"There is no file '{rel}' in your workspace.")
        text, encoding = encodings.decode(path.read_bytes())
        if text is None:
            raise WorkspaceError(f"'{rel}' is not a text file, so it cannot be converted to UTF-8.")
        if encodings.is_utf8(encoding):
            return None
        version = _record(ws, rel, text, "converted")
        try:
            write_atomic(path, text.encode("utf-8"))
        except OSError as exc:
            raise disk_error(rel, exc) from None
    return version


def snapshot(ws: Workspace) -> dict[str, bytes]:
    """Every listed file's bytes, for carrying over to the next lesson and for exporting (a file
    deleted or renamed while it is read is left out)."""
    found = {}
    for rel in list_files(ws):
        try:
            found[rel] = ws.path.joinpath(*rel.split("/")).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            continue
    return found


def as_text(data: bytes) -> str | None:
    """The text of a UTF-8 file (a byte order mark left out), or None for anything else: binary
    files, and text another editor saved in another encoding until it is converted."""
    text, encoding = encodings.decode(data)
    return text if encodings.is_utf8(encoding) else None


def any_text(data: bytes) -> str | None:
    """The text of a file in any encoding ``sandbox.work.encoding`` recognises; None for binary."""
    return encodings.decode(data)[0]


# --- writing -----------------------------------------------------------------------------


def ensure_started(ws: Workspace, starter_files: dict[str, bytes], *, carry_from: Workspace | None = None) -> bool:
    """Create the workspace on first open (True), from the starters or the learner's previous lesson.

    Carrying on keeps every file of the learner's previous lesson as they left it and adds the
    starter files they do not have yet (a lesson that introduces ``models.py`` brings it along).
    The folder is built beside its final place and renamed into it, so a crash never leaves a
    half-written workspace.
    """
    if ws.path.exists():
        return False
    carried = snapshot(carry_from) if carry_from is not None else {}
    files = {**starter_files, **carried}
    for rel in files:
        check_path(rel)
    ws.path.parent.mkdir(parents=True, exist_ok=True)
    with one_writer():  # the folder appears with its history: no page sees its files as another editor's
        building = Path(tempfile.mkdtemp(dir=ws.path.parent, prefix=f".{ws.lesson_id}{STARTING}"))
        try:
            for rel, data in files.items():
                target = building.joinpath(*rel.split("/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(target, data)
            os.rename(building, ws.path)
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
            if ws.path.is_dir():  # another request started it first
                return False
            raise
        fsync_dir(ws.path.parent)
        _record_many(ws, {rel: data for rel, data in files.items() if rel not in carried}, "starter")
        _record_many(ws, carried, "carry")
    return True


def text_hash(text: str) -> str:
    """A short fingerprint of a file's text: what an editor started from, sent back with each save."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def save_file(ws: Workspace, rel: str, content: str, *, reason: str = "save", guard: bool = False,
              base: str | None = None) -> FileVersion | None:
    """Write one file atomically and keep it in history; None when it equals the latest version.

    ``base`` is the ``text_hash`` of the text the editor started from ("" for a file it created):
    when the disk now holds something else, the file is not overwritten, the text sent is kept in
    history as a "conflict" version and WorkspaceConflict carries both texts. Without a base,
    ``guard`` does the same when the disk holds text the sandbox never wrote (another editor).
    """
    path = resolve(ws, rel)
    if not isinstance(content, str):
        raise WorkspaceError(f"'{rel}' can only be saved as text.")
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError:
        raise WorkspaceError(f"'{rel}' contains characters that cannot be saved as UTF-8 text.") from None
    if len(data) > MAX_FILE_BYTES:
        raise WorkspaceError(
            f"'{rel}' is {len(data) / 1_000_000:.1f} MB, and a workspace file can be at most "
            f"{MAX_FILE_BYTES // 1_000_000} MB; make it smaller and save again."
        )
    conflict, before = None, None
    try:
        with one_writer():  # check, write and record as one: no other save runs in between
            version, conflict, before = _save_locked(ws, rel, path, content, data, reason, guard, base)
    except StorageError:
        if before is not None:  # written, but its history row was not committed: put the old text back
            _put_back(path, *before)
        raise
    if conflict is not None:
        raise conflict  # after the commit, so what was typed stays in history
    return version


def _save_locked(ws, rel, path, content, data, reason, guard, base):
    """``save_file`` inside its transaction: (version, conflict, what the disk held when it was overwritten)."""
    if path.is_dir():
        raise WorkspaceError(f"'{rel}' is a folder in your workspace, not a file.")
    on_disk = _disk_text(path)
    stale = (base is not None and on_disk is not None and on_disk != content and text_hash(on_disk) != base)
    if stale or (base is None and guard and _changed_outside(ws, rel, path, data)):
        _record(ws, rel, content, "conflict")
        return None, WorkspaceConflict(
            f"'{rel}' changed on disk (another editor, a second tab or the terminal) since this editor "
            "opened it, so it was not overwritten. Compare the two versions and choose; what you typed "
            "is kept in the file's history.", path=rel, disk_text=on_disk or "", typed_text=content,
            disk_version=text_hash(on_disk or "")), None
    _keep_unrecorded(ws, rel, path, "before-convert", only_other_encodings=True)
    data = _with_own_bom(path, data)
    latest = _latest_on_disk(ws, rel)
    # The row first, the file second, one commit: a failed write takes its row back with it.
    version = None if latest is not None and latest.content == content else _record(ws, rel, content, reason)
    try:
        old = path.read_bytes() if path.is_file() else None
        if old != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data)
            return version, None, (old,)
    except OSError as exc:
        raise disk_error(rel, exc) from None
    return version, None, None


def _put_back(path: Path, old: bytes | None) -> None:
    """Undo a write whose history row could not be committed, so the disk and the history agree."""
    try:
        if old is None:
            path.unlink(missing_ok=True)
        else:
            write_atomic(path, old)
    except OSError:
        pass  # the page load's adopt_outside_edits records what is there


def one_writer():
    """The critical section of every change to a workspace's files and their history: one SQLite
    transaction that begins as the writer (IMMEDIATE), held while the disk is read and written, so
    two saves (two tabs, a save and a Check) never interleave, and the file and its history row are
    committed together. Waits for another writer on the busy timeout, then raises DatabaseBusy."""
    return atomic()


def _with_own_bom(path: Path, data: bytes) -> bytes:
    """A file that starts with a UTF-8 byte order mark keeps it: the editor never shows it."""
    try:
        with open(path, "rb") as handle:
            had_bom = handle.read(3) == codecs.BOM_UTF8
    except OSError:
        return data
    return codecs.BOM_UTF8 + data if had_bom else data


def _disk_text(path: Path) -> str | None:
    """The text on disk at ``path``, or None for no file (or one that is not text)."""
    try:
        return as_text(path.read_bytes()) if path.is_file() else None
    except OSError:
        return None


def history(ws: Workspace, rel: str, limit: int = 50) -> list[FileVersion]:
    """The recorded versions of one file, newest first."""
    check_path(rel)
    return newest_first(ws, rel, max(1, min(int(limit), 1000)))


def restore(ws: Workspace, version_id: int) -> FileVersion:
    """Put an earlier version back on disk and record that as a new "restore" version."""
    version = FileVersion.get_or_none(FileVersion.id == version_id)
    if version is None or (version.learner_id, version.pack_id, version.lesson_id) != (
        ws.learner_id, ws.pack_id, ws.lesson_id
    ):
        raise WorkspaceError("That version does not belong to this workspace.")
    path = resolve(ws, version.path)
    if path.is_dir():
        raise WorkspaceError(f"'{version.path}' is a folder in your workspace now, so it cannot be restored.")
    with one_writer():
        _keep_unrecorded(ws, version.path, path, "before-restore")
        restored = _record(ws, version.path, version.content, "restore")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, version.content.encode("utf-8"))
        except OSError as exc:
            raise disk_error(version.path, exc) from None
    return restored


def reset_step(ws: Workspace, start_files: dict[str, bytes]) -> list[str]:
    """Put the files back to the step's starting point; return the paths removed.

    Every current text file is recorded first ("before-reset"), so the reset loses nothing.
    Binary files not among the start files stay, since history cannot hold them.
    """
    for rel in start_files:
        check_path(rel)
    current = snapshot(ws)
    texts = {rel: any_text(data) for rel, data in current.items()}
    with atomic():
        for rel, text in texts.items():
            if text is not None:
                _record(ws, rel, text, "before-reset")
    removed = [rel for rel, text in texts.items() if rel not in start_files and text is not None]
    with one_writer():
        for rel, data in start_files.items():
            path = resolve(ws, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data)
        _record_many(ws, start_files, "reset")
        for rel in removed:
            _remove(ws, rel)
    return removed


# --- helpers -----------------------------------------------------------------------------


def _record_many(ws: Workspace, files: dict[str, bytes], reason: str) -> None:
    with atomic():
        for rel, data in files.items():
            text = as_text(data)
            if text is not None:
                _record(ws, rel, text, reason)


def _changed_outside(ws: Workspace, rel: str, path: Path, data: bytes) -> bool:
    """Does the disk hold text the sandbox never wrote, which ``data`` would replace?"""
    if not path.is_file():
        return False
    on_disk = path.read_bytes()
    if on_disk == data or as_text(on_disk) == data.decode("utf-8"):
        return False
    latest = _latest_on_disk(ws, rel)
    return latest is None or latest.content != any_text(on_disk)


def adopt_outside_edits(ws: Workspace) -> list[str]:
    """Record, as "outside-edit" versions, the files another editor changed; return their paths."""
    adopted = []
    with one_writer():  # nothing saves between reading a file and recording it
        for rel in list_files(ws):
            path = ws.path.joinpath(*rel.split("/"))
            try:
                text = any_text(path.read_bytes()) if path.is_file() else None
            except OSError:  # deleted or renamed while we looked
                continue
            latest = _latest_on_disk(ws, rel)
            if text is not None and (latest is None or latest.content != text):
                _record(ws, rel, text, "outside-edit")
                adopted.append(rel)
    return adopted


def _keep_unrecorded(ws: Workspace, rel: str, path: Path, reason: str, only_other_encodings: bool = False) -> None:
    """Record what is on disk when history does not have it yet (say, edited in another editor).

    A file in another encoding is recorded as its text, so overwriting it as UTF-8 loses nothing.
    """
    if not path.is_file():
        return
    text, encoding = encodings.decode(path.read_bytes())
    if only_other_encodings and (text is None or encodings.is_utf8(encoding)):
        return
    latest = _latest_on_disk(ws, rel)
    if text is not None and (latest is None or latest.content != text):
        _record(ws, rel, text, reason)


def _remove(ws: Workspace, rel: str) -> None:
    path = ws.path.joinpath(*rel.split("/"))
    path.unlink(missing_ok=True)
    parent = path.parent
    while parent != ws.path and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
    fsync_dir(path.parent if path.parent.is_dir() else ws.path)


DISK_PROBLEMS = {errno.ENOSPC: "the disk is full", getattr(errno, "EDQUOT", -1): "the disk quota is used up",
                 errno.EROFS: "the data folder is read-only", errno.EACCES: "the sandbox may not write there",
                 errno.EPERM: "the sandbox may not write there", errno.ENOTDIR: "a folder on its path is a file",
                 errno.EEXIST: "a folder on its path is a file"}


def disk_error(rel: str, exc: OSError) -> WorkspaceError:
    """A failed write as a sentence; the atomic write has left the previous version in place."""
    why = DISK_PROBLEMS.get(exc.errno) or (exc.strerror or "the disk refused it").lower()
    # A file where a folder should be is the learner's own doing; anything else is the disk's.
    kind = WorkspaceError if exc.errno in (errno.ENOTDIR, errno.EEXIST) else DiskError
    return kind(f"'{rel}' could not be saved because {why}; your last saved version is kept.")

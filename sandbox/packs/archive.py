"""What a pack's files may be, checked the same way by ``pack check``, ``pack build`` and installing.

One rule for a pack folder and for a zip of one: which names are allowed (no links, no control or
invisible characters, nothing Windows cannot store, not too long or too deep), how many entries
(files *and* folders) and how many bytes. A zip is read as untrusted data: its central directory is
sized up before it is parsed, member names must be UTF-8, entries may not overlap (the "quoted
overlap" zip bomb, refused here on every Python whether or not it has the CVE-2024-0450 fix), and
bytes are counted while they are unpacked, because a zip's headers may lie.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import struct
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import PackError
from sandbox.files import skipped_dir
from sandbox.packs.format import Problem, junk_path

MAX_BYTES = 50 * 1024 * 1024
MAX_FILES = 2000  # entries: files and folders
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024  # members smaller than this can't be a bomb, whatever their ratio
MAX_DEPTH = 16  # folders inside the pack
MAX_NAME_BYTES = 255  # one file or folder name, as most file systems allow
MAX_PATH_CHARS = 400  # a whole path inside the pack, well within Windows' and Linux's limits
RAW_ENTRIES_FACTOR = 4  # a zip may list this many times max_files before even being read (Mac twins, junk)
_CHUNK = 64 * 1024
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_WINDOWS_CHARS = set('<>:"|?*')
_WINDOWS_DEVICES = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?", re.IGNORECASE)
_PLAIN = re.compile(r"(?:[A-Za-z0-9_+=,;@#$%&'()\[\]{}~!^-]+(?:[. ][A-Za-z0-9_+=,;@#$%&'()\[\]{}~!^-]+)*/?){1,8}")
_HIDDEN_CATEGORIES = {"Cf": "an invisible formatting character", "Zl": "a line separator", "Zp": "a paragraph separator",
                      "Co": "a private-use character", "Cs": "a lone surrogate"}


@dataclass
class Limits:
    max_bytes: int = MAX_BYTES
    max_files: int = MAX_FILES  # files and folders together
    max_ratio: int = MAX_RATIO


# -- names ------------------------------------------------------------------------------------

def shown(name: str, longest: int = 120) -> str:
    """``name`` safe to print in a sentence: control and invisible characters as ``\\u....`` escapes."""
    out = "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", *_HIDDEN_CATEGORIES) else ch
                  for ch in name)
    return out if len(out) <= longest else out[: longest - 1] + "…"


def name_problem(rel: str) -> str | None:
    """Why the relative posix path ``rel`` may not be in a pack, as a phrase; None when it may."""
    parts = rel.rstrip("/").split("/")
    if _PLAIN.fullmatch(rel) and not any(_WINDOWS_DEVICES.fullmatch(part) for part in parts):
        return None  # the usual case, quickly: plain ASCII names
    if len(parts) > MAX_DEPTH + 1:
        return f"is in folders nested more than {MAX_DEPTH} deep"
    if len(rel) > MAX_PATH_CHARS:
        return f"has a path longer than {MAX_PATH_CHARS} characters"
    for part in parts:
        for ch in part:
            category = unicodedata.category(ch)
            if category == "Cc":
                return f"has a control character (U+{ord(ch):04X}) in its name, which a terminal or a page could act on"
            if category in _HIDDEN_CATEGORIES:
                return (f"has {_HIDDEN_CATEGORIES[category]} (U+{ord(ch):04X}) in its name, "
                        "which can make a name look like another")
            if ch in _WINDOWS_CHARS:
                return f"has the character {ch} in its name, which Windows does not allow in file names"
        if len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            return f"has a name longer than {MAX_NAME_BYTES} bytes, too long for most file systems"
        if part.endswith((".", " ")) and part not in (".", ".."):
            return "has a name ending in a dot or a space, which Windows does not keep"
        if _WINDOWS_DEVICES.fullmatch(part.strip()):
            return f"is named {part}, a device name on Windows"
    return None


def _key(rel: str) -> str:
    """Two names that are one file on some system (case, Unicode normal form) have the same key."""
    return unicodedata.normalize("NFC", rel.rstrip("/")).casefold()


class _Tally:
    """Counts entries (files and folders) and bytes, and says when a limit is passed."""

    def __init__(self, what: str, limits: Limits):
        self.what, self.limits = what, limits
        self.entries, self.bytes = 0, 0

    def add(self, rel: str, size: int = 0, *, entries: int = 1) -> str | None:
        self.entries, self.bytes = self.entries + entries, self.bytes + size
        if self.entries > self.limits.max_files:
            return (f"{self.what} holds more than {self.limits.max_files} files (at {shown(rel)}; folders count as "
                    "files too), which is too many for a pack")
        if self.bytes > self.limits.max_bytes:
            return (f"{self.what} unpacks to more than {self.limits.max_bytes // (1024 * 1024)} MB (at {shown(rel)}), "
                    "which is too large for a pack")
        return None


# -- a pack folder ------------------------------------------------------------------------------

@dataclass
class Entry:
    rel: str  # relative posix path inside the pack
    path: str  # where it is on disk
    folder: bool
    size: int = 0


def scan_folder(root: Path, limits: Limits | None = None) -> tuple[list[Entry], list[Problem]]:
    """The files and folders of the pack folder ``root`` that belong in it, and every problem found.

    Junk (caches, hidden files, compiled Python) is left out silently; links, special files, unsafe
    names and a pack too large are problems. Nothing is followed through a link.
    """
    entries, findings = _scan(Path(root), limits or Limits())
    return entries, [Problem(shown(rel), None, reason) for rel, reason, _ in findings]


def _scan(root: Path, limits: Limits) -> tuple[list[Entry], list[tuple[str, str, str | None]]]:
    """Entries, and findings as (relative path, phrase about it, or for a limit: the sentence's clause)."""
    tally = _Tally("the pack", limits)
    entries: list[Entry] = []
    findings: list[tuple[str, str, str | None]] = []
    top = os.fspath(root)
    for folder, dirs, names in os.walk(top):
        base = folder[len(top) + 1:].replace(os.sep, "/") if len(folder) > len(top) else ""
        prefix = base + "/" if base else ""
        dirs[:] = sorted(d for d in dirs if not skipped_dir(d))
        for name in sorted(dirs + names):
            rel = prefix + name
            if junk_path(rel):
                continue
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
            except OSError as exc:
                findings.append((rel, f"cannot be read ({exc.strerror or exc})", None))
                continue
            reason = name_problem(rel)
            if stat.S_ISLNK(info.st_mode):
                reason = "is a symbolic link; packs may not contain links"
            elif not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
                reason = "is not a regular file; packs hold only files and folders"
            if reason:
                findings.append((rel, reason, None))
                if name in dirs:
                    dirs.remove(name)
                continue
            is_folder = stat.S_ISDIR(info.st_mode)
            size = 0 if is_folder else info.st_size
            if tally is not None:
                clause = tally.add(rel, size)
                if clause:
                    findings.append((rel, "is past a limit: " + clause, clause))
                    tally = None  # one such finding is enough
            entries.append(Entry(rel, path, is_folder, size))
    return entries, findings


def tree_problems(root: Path, limits: Limits | None = None) -> list[Problem]:
    """Every problem with the files of the pack folder ``root`` (what ``scan_folder`` finds)."""
    return scan_folder(root, limits)[1]


def copy_folder(source: Path, target: Path, limits: Limits) -> None:
    """Copy the pack folder ``source`` to the new folder ``target``; PackError at the first problem."""
    entries, findings = _scan(source, limits)
    if findings:
        rel, reason, clause = findings[0]
        text = clause.replace("the pack ", f"{source.name} ", 1) if clause else f"{shown(rel)} in {source.name} {reason}"
        raise PackError(_sentence(text))
    target.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        destination = target / entry.rel
        if entry.folder:
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(entry.path, destination, follow_symlinks=False)


def _sentence(text: str) -> str:
    return text.rstrip(".") + "; the pack was not installed."


# -- a zip of a pack ------------------------------------------------------------------------------

def unzip(source: Path, target: Path, limits: Limits) -> None:
    """Unpack the zip ``source`` into the new folder ``target``: every member is checked before a byte
    is written. PackError, one sentence naming the archive, for anything unsafe or damaged."""
    claimed = _claimed_entries(source)
    if claimed > limits.max_files * RAW_ENTRIES_FACTOR:
        raise PackError(f"{source.name} lists {claimed} entries, more than a pack of at most {limits.max_files} "
                        "files could need; the pack was not installed.")
    try:
        archive = zipfile.ZipFile(source)
    except UnicodeDecodeError:
        raise PackError(f"{source.name} has a member whose name is not UTF-8 text; the pack was not installed.") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, NotImplementedError) as exc:
        raise PackError(f"{source.name} is not a readable zip archive ({shown(str(exc))}).") from None
    with archive:
        members = _plan(archive, source, limits)
        _refuse_overlaps(archive, members, source)
        target.mkdir()
        written = 0
        for name, info in members:
            written = _extract(archive, name, info, target, source, limits, written)


def _claimed_entries(source: Path) -> int:
    """How many entries the zip's end record says it has (0 when it has none that can be read)."""
    try:
        with open(source, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - (22 + 65535)))
            tail = fh.read()
    except OSError:
        return 0
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(tail):
        return 0
    count = struct.unpack("<H", tail[end + 10:end + 12])[0]
    locator = end - 20
    if count == 0xFFFF and locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
        try:
            with open(source, "rb") as fh:
                fh.seek(struct.unpack("<Q", tail[locator + 8:locator + 16])[0])
                record = fh.read(56)
            if record[:4] == b"PK\x06\x06":
                return struct.unpack("<Q", record[32:40])[0]
        except (OSError, ValueError, struct.error):
            return count
    return count


def member_name(info: zipfile.ZipInfo) -> str | None:
    """The member's name as written in the zip, decoded as UTF-8 (with or without the UTF-8 flag); None
    when it is not UTF-8. ``ZipInfo.filename`` cuts a name at a NUL and guesses cp437 without the flag."""
    if info.flag_bits & 0x800:
        return info.orig_filename
    try:
        raw = info.orig_filename.encode("cp437")
    except UnicodeEncodeError:  # decoded with another metadata encoding already
        return info.orig_filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _member_problem(name: str, info: zipfile.ZipInfo, limits: Limits) -> str | None:
    """Why this zip member may not be unpacked, or None when it is safe."""
    parts = name.rstrip("/").split("/")
    kind = stat.S_IFMT(info.external_attr >> 16)
    if "\\" in name:
        return "has a backslash in its path"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "has an absolute path"
    if ".." in parts or "" in parts or "." in parts or "\0" in name:
        return "has a path that leaves the pack folder"
    reason = name_problem(name)
    if reason:
        return reason
    if kind == stat.S_IFLNK:
        return "is a symbolic link; packs may not contain links"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "is not a regular file"
    if info.flag_bits & 0x1:
        return "is encrypted"
    if info.compress_type not in _METHODS:
        return f"is compressed with a method the sandbox cannot unpack (number {info.compress_type})"
    if info.file_size > RATIO_FLOOR and (info.compress_size == 0 or info.file_size / info.compress_size > limits.max_ratio):
        return f"is compressed more than {limits.max_ratio}:1, like a zip bomb"
    return None


def _plan(archive: zipfile.ZipFile, source: Path, limits: Limits) -> list[tuple[str, zipfile.ZipInfo]]:
    """The members to unpack, by name, after checking each one and the archive's totals."""
    members: list[tuple[str, zipfile.ZipInfo]] = []
    seen: set[str] = set()
    files: set[str] = set()
    folders: set[str] = set()
    tally = _Tally(source.name, limits)
    for info in archive.infolist():
        name = member_name(info)
        if name is None:
            raise PackError(f"{source.name} has a member whose name is not UTF-8 text "
                            f"({shown(info.orig_filename.encode('cp437', 'replace').decode('utf-8', 'replace'))}); "
                            "the pack was not installed.")
        reason = _member_problem(name, info, limits)  # before skipping junk: "../.." must never pass as junk
        if reason:
            raise PackError(_sentence(f"{shown(name)} in {source.name} {reason}"))
        if name.startswith("__MACOSX/") or junk_path(name):
            continue
        key = _key(name)
        if key in seen:
            raise PackError(_sentence(f"{shown(name)} appears twice in {source.name} (names that differ only in "
                                      "capitals or accents are one file on many computers)"))
        seen.add(key)
        parents = ["/".join(key.split("/")[:i]) for i in range(1, key.count("/") + 1)]
        if any(parent in files for parent in parents) or (key in folders and not info.is_dir()) or \
                (key in files and info.is_dir()):
            raise PackError(_sentence(f"{shown(name)} in {source.name} makes a name that is both a file and a folder"))
        new_folders = [p for p in [*parents, *([key] if info.is_dir() else [])] if p not in folders]
        folders.update(new_folders)
        if not info.is_dir():
            files.add(key)
        clause = tally.add(name, 0 if info.is_dir() else info.file_size,
                           entries=len(new_folders) + (0 if info.is_dir() else 1))
        if clause:
            raise PackError(_sentence(clause))
        members.append((name, info))
    return members


def _refuse_overlaps(archive: zipfile.ZipFile, members: list[tuple[str, zipfile.ZipInfo]], source: Path) -> None:
    """Every member's data must lie in its own span of the file, before the central directory.

    Members that share bytes are how a few kilobytes unpack to gigabytes (David Fifield's "better zip
    bomb"); Python refuses them only from 3.11.8 / 3.12.2 on (CVE-2024-0450), so the sandbox checks
    the offsets itself. Every entry counts, including the junk that is not unpacked.
    """
    spans = []
    fp = archive.fp
    for info in archive.infolist():
        fp.seek(info.header_offset)
        header = fp.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise PackError(f"{source.name} is damaged: the data of {shown(info.orig_filename)} is not where its "
                            "central directory says; the pack was not installed.")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = info.header_offset
        end = start + 30 + name_length + extra_length + info.compress_size
        spans.append((start, end, info.orig_filename))
    spans.sort()
    limit = archive.start_dir
    for (start, end, name), following in zip(spans, [*spans[1:], None]):
        boundary = following[0] if following is not None else limit
        if end > boundary or end > limit:
            raise PackError(f"{source.name} has members whose data overlap (at {shown(name)}), the mark of a zip bomb; "
                            "the pack was not installed.")


def _extract(archive: zipfile.ZipFile, name: str, info: zipfile.ZipInfo, target: Path, source: Path, limits: Limits,
             written: int) -> int:
    """Unpack one member, counting its bytes: the sizes in a zip's headers may lie."""
    path = target.joinpath(*name.rstrip("/").split("/"))
    size = 0
    try:
        if info.is_dir():
            path.mkdir(parents=True, exist_ok=True)
            return written
        path.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as src, open(path, "xb") as dst:
            while chunk := src.read(_CHUNK):
                size, written = size + len(chunk), written + len(chunk)
                if size > info.file_size:
                    raise PackError(_sentence(f"{shown(name)} in {source.name} is larger than its zip header says"))
                if written > limits.max_bytes:
                    raise PackError(_sentence(f"{source.name} unpacks to more than {limits.max_bytes // (1024 * 1024)} "
                                              f"MB (at {shown(name)}), which is too large for a pack"))
                dst.write(chunk)
    except PackError:
        raise
    except Exception as exc:  # BadZipFile (bad CRC), zlib.error, EOFError, OSError: a damaged archive
        raise PackError(f"{shown(name)} in {source.name} cannot be unpacked ({shown(str(exc))}); the archive is "
                        "damaged.") from None
    return written


# -- both ------------------------------------------------------------------------------------------

def pack_root(unpacked: Path, source: Path) -> Path:
    """The folder holding pack.toml: the unpacked folder itself, or its single top-level folder."""
    if (unpacked / "pack.toml").is_file():
        return unpacked
    entries = list(unpacked.iterdir()) if unpacked.is_dir() else []
    if len(entries) == 1 and entries[0].is_dir() and (entries[0] / "pack.toml").is_file():
        return entries[0]
    raise PackError(f"{source.name} has no pack.toml, neither at its root nor in a single top-level folder.")


def is_zip_source(path: Path) -> bool:
    """Is ``path`` a file to read as a zip of a pack (rather than a pack folder)?"""
    return path.is_file()


def remove_tree(folder: Path) -> None:
    """Delete ``folder`` and everything in it, however it was left; never raises."""
    try:
        shutil.rmtree(folder, ignore_errors=True)
    except Exception:  # noqa: BLE001 - a tree too deep for rmtree's recursion, say
        pass
    if folder.exists():
        for top, dirs, names in os.walk(folder, topdown=False):
            for name in names:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(top, name))
            for name in dirs:
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(top, name))
        with contextlib.suppress(OSError):
            os.rmdir(folder)


@contextlib.contextmanager
def pack_folder(path: Path, limits: Limits | None = None) -> Iterator[Path]:
    """The pack folder ``path``, or the zip ``path`` unpacked into a temporary folder (removed after).

    For ``pack check x.zip``: the zip is read with the same rules as installing it.
    """
    path = Path(path)
    if not is_zip_source(path):
        yield path
        return
    temp = Path(tempfile.mkdtemp(prefix="pack-unzipped-"))
    try:
        unzip(path, temp / "pack", limits or Limits())
        yield pack_root(temp / "pack", path)
    finally:
        remove_tree(temp)

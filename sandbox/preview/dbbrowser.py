"""A read-only look at the learner's SQLite files: tables, columns, row counts, rows, CREATE statements.

The browser reads a database (and its write-ahead log) through descriptors opened from the workspace
down without following any link (``O_NOFOLLOW`` on every step), copies it into memory, and shows the
copy: nothing here can change (or corrupt) the learner's data, and a link the learner's code planted
(``blog.db -> /root/secret.db``, or a folder link) is refused, even one swapped in after the file
list was made, so the sandbox never shows a file its own user may read but the learner may not.
Table names from a URL are only used after they are found in ``sqlite_master``.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import BrowseError
from sandbox.files import walk_files

PAGE_SIZE = 50
SUFFIXES = (".db", ".sqlite", ".sqlite3")
MAX_DEPTH = 3
MAX_CELL_CHARS = 300
MAX_BYTES = 64 * 1024 * 1024  # a database and its log, copied into memory to be shown
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
COPY_TRIES = 3  # a copy taken while the app writes may be torn: take it again


@dataclass
class Table:
    name: str
    rows: int
    columns: list[dict]  # name, type, notnull, default, pk
    sql: str


@dataclass
class Page:
    table: Table
    columns: list[str]
    rows: list[list[str]]
    page: int
    pages: int


def find_databases(workspace: Path) -> list[str]:
    """The workspace's SQLite files (up to MAX_DEPTH folders deep) as relative posix paths."""
    return sorted(rel for rel in walk_files(workspace, data=True, max_depth=MAX_DEPTH)
                  if rel.lower().endswith(SUFFIXES))


def database_path(workspace: Path | None, rel: str) -> Path:
    """The file behind ``rel``, only if it is one of the workspace's databases; BrowseError otherwise.

    Pass ``workspace`` on to ``tables``/``rows`` as ``root``, so no link below it is followed."""
    if workspace is None or rel not in find_databases(workspace):
        raise BrowseError(f"There is no database called '{rel}' in your workspace.")
    return workspace / rel


def connect(path: Path, root: Path | None = None) -> sqlite3.Connection:
    """A read-only, in-memory copy of the database at ``path``, read without following any link below
    ``root`` (the workspace; default: the file's own folder). BrowseError with a sentence otherwise."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    for attempt in range(COPY_TRIES):
        with tempfile.TemporaryDirectory(prefix="sandbox-dbbrowser-") as folder:
            copy = Path(folder) / "copy.db"
            _copy_out(path, root, copy)
            try:
                source = sqlite3.connect(copy, timeout=1.0)
                try:
                    memory = sqlite3.connect(":memory:", check_same_thread=False)
                    source.backup(memory)
                finally:
                    source.close()
            except sqlite3.DatabaseError as exc:
                if attempt + 1 < COPY_TRIES:
                    continue  # torn by a write while it was copied: take it again
                raise BrowseError(f"{path.name} could not be opened: {exc}.") from None
        memory.execute("PRAGMA query_only = ON")
        return memory
    raise BrowseError(f"{path.name} could not be opened.")


def _copy_out(path: Path, root: Path, target: Path) -> None:
    """Copy ``path`` (under ``root``) and its ``-wal`` to ``target`` (and ``target-wal``), never through a link."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        raise BrowseError(f"{path.name} is not in your workspace.") from None
    if not rel.parts or ".." in rel.parts:
        raise BrowseError(f"{path.name} is not in your workspace.")
    try:
        folder = _open_folder(root, rel.parts[:-1])
    except OSError as exc:
        raise _refusal(path, exc) from None
    try:
        total = 0
        for suffix in ("", "-wal"):
            try:
                fd = _open_in(folder, root / rel.parent, rel.name + suffix, os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK)
            except FileNotFoundError:
                if suffix:
                    continue  # no log: the database is all there is
                raise BrowseError(f"There is no database called '{rel.as_posix()}' in your workspace.") from None
            except OSError as exc:
                if suffix:
                    continue  # a log that is a link (or unreadable) is left out, never followed
                raise _refusal(path, exc) from None
            with os.fdopen(fd, "rb") as source:
                info = os.fstat(source.fileno())
                if not stat.S_ISREG(info.st_mode):
                    raise BrowseError(f"{path.name} is not a plain file, so the database browser does not open it.")
                total += info.st_size
                if total > MAX_BYTES:
                    raise BrowseError(f"{path.name} is larger than {MAX_BYTES // 1024 // 1024} MB, too large for "
                                      "the database browser; open it with another SQLite tool.")
                with open(str(target) + suffix, "wb") as out:
                    shutil.copyfileobj(source, out)
    finally:
        if folder is not None:
            os.close(folder)


def _open_folder(root: Path, parts) -> int | None:
    """A descriptor of ``root/parts...``, each step opened without following a link (None where the system
    cannot open folders relative to a descriptor: then each step is checked for being a link instead)."""
    if os.open not in os.supports_dir_fd or not NOFOLLOW:
        here = Path(root)
        for part in parts:
            here = here / part
            if here.is_symlink() or not here.is_dir():
                raise OSError(errno.ELOOP, "a link", str(here))
        return None
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts:
            step = os.open(part, os.O_RDONLY | os.O_DIRECTORY | NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = step
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_in(folder: int | None, where: Path, name: str, flags: int) -> int:
    if folder is None:
        if (where / name).is_symlink():
            raise OSError(errno.ELOOP, "a link", str(where / name))
        return os.open(where / name, flags | getattr(os, "O_BINARY", 0))
    return os.open(name, flags, dir_fd=folder)


def _refusal(path: Path, exc: OSError) -> BrowseError:
    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        return BrowseError(f"{path.name} (or a folder on its way) is a link, and the database browser never "
                           "follows links: it shows only files that are really in your workspace.")
    return BrowseError(f"{path.name} could not be opened: {exc.strerror or exc}.")


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables(path: Path, root: Path | None = None) -> list[Table]:
    """Every table of the database at ``path`` (read without following links below ``root``)."""
    connection = connect(path, root)
    try:
        names = _table_names(connection)
        return [_describe(connection, name, sql) for name, sql in names.items()]
    except sqlite3.DatabaseError as exc:
        raise BrowseError(f"{path.name} could not be read: {exc}.") from None
    finally:
        connection.close()


def rows(path: Path, table: str, page: int = 1, root: Path | None = None) -> Page:
    """One page of ``table``'s rows, 50 at a time, in rowid order when there is one."""
    connection = connect(path, root)
    try:
        names = _table_names(connection)
        if table not in names:
            raise BrowseError(f"There is no table called '{table}' in {path.name}.")
        described = _describe(connection, table, names[table])
        pages = max(1, -(-described.rows // PAGE_SIZE))
        page = min(max(1, page), pages)
        cursor = connection.execute(f"SELECT * FROM {quote_name(table)} LIMIT ? OFFSET ?",
                                    (PAGE_SIZE, (page - 1) * PAGE_SIZE))
        columns = [d[0] for d in cursor.description]
        return Page(described, columns, [[_cell(v) for v in row] for row in cursor], page, pages)
    except sqlite3.DatabaseError as exc:
        raise BrowseError(f"{path.name} could not be read: {exc}.") from None
    finally:
        connection.close()


def _table_names(connection) -> dict[str, str]:
    found = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return {name: sql or "" for name, sql in found if not name.startswith("sqlite_")}


def _describe(connection, name: str, sql: str) -> Table:
    quoted = quote_name(name)
    columns = [{"name": c[1], "type": c[2] or "(any)", "notnull": bool(c[3]), "default": c[4], "pk": bool(c[5])}
               for c in connection.execute(f"PRAGMA table_info({quoted})")]
    count = connection.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0]
    return Table(name=name, rows=count, columns=columns, sql=sql)


def _cell(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    text = str(value)
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS] + "…"

"""A read-only look at the learner's SQLite files: tables, columns, row counts, rows, CREATE statements.

Every database is opened with ``mode=ro``, so nothing here can change (or corrupt) the learner's
data; table names from a URL are only used after they are found in ``sqlite_master``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sandbox.errors import BrowseError
from sandbox.files import walk_files

PAGE_SIZE = 50
SUFFIXES = (".db", ".sqlite", ".sqlite3")
MAX_DEPTH = 3
MAX_CELL_CHARS = 300


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
    """The file behind ``rel``, only if it is one of the workspace's databases; BrowseError otherwise."""
    if workspace is None or rel not in find_databases(workspace):
        raise BrowseError(f"There is no database called '{rel}' in your workspace.")
    return workspace / rel


def connect(path: Path) -> sqlite3.Connection:
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=1.0)
        connection.execute("PRAGMA query_only = ON")
        return connection
    except sqlite3.Error as exc:
        raise BrowseError(f"{path.name} could not be opened: {exc}.") from None


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables(path: Path) -> list[Table]:
    connection = connect(path)
    try:
        names = _table_names(connection)
        return [_describe(connection, name, sql) for name, sql in names.items()]
    except sqlite3.DatabaseError as exc:
        raise BrowseError(f"{path.name} could not be read: {exc}.") from None
    finally:
        connection.close()


def rows(path: Path, table: str, page: int = 1) -> Page:
    """One page of ``table``'s rows, 50 at a time, in rowid order when there is one."""
    connection = connect(path)
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

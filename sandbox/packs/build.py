"""Writing packs: a reproducible zip of a pack folder (``pack build``), and a new pack to start from (``pack new``)."""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import zipfile
from pathlib import Path

from sandbox.errors import PackError
from sandbox.packs.format import ID_RE, Pack, junk_path, read_tree, write_files
from sandbox.packs.reader import load_pack

TEMPLATE = Path(__file__).resolve().parent / "template"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def build_pack(folder, out_zip=None) -> Path:
    """Validate the pack in ``folder`` and write a reproducible zip of it; return its path.

    ``out_zip`` may be a file name or an existing folder; the default is ``<id>-<version>.zip``
    in the current folder. Building the same files twice gives identical bytes.
    """
    folder = Path(folder).resolve()
    pack = load_pack(folder)
    out = Path(out_zip) if out_zip is not None else Path.cwd()
    if out.is_dir():
        out = out / f"{pack.id}-{pack.version}.zip"
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    entries = _build_entries(folder, out)
    fd, temp = tempfile.mkstemp(prefix=".building-", suffix=".zip", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            for rel, path in entries:
                name = f"{pack.id}/{rel}"
                if path.is_dir():
                    info = zipfile.ZipInfo(name + "/", _FIXED_TIME)
                    info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
                    archive.writestr(info, b"")
                else:
                    info = zipfile.ZipInfo(name, _FIXED_TIME)
                    info.external_attr = (stat.S_IFREG | 0o644) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, path.read_bytes(), compresslevel=9)
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return out


def _build_entries(folder: Path, out: Path) -> list[tuple[str, Path]]:
    entries = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if junk_path(rel.as_posix()) or path == out or (len(rel.parts) == 1 and path.suffix == ".zip"):
            continue
        if path.is_symlink():
            raise PackError(f"{rel.as_posix()} is a symbolic link; packs may not contain links.")
        entries.append((rel.as_posix(), path))
    return entries


def new_pack(folder, *, pack_id: str | None = None, title: str | None = None) -> Pack:
    """Scaffold a small working pack in ``folder`` (which must not hold anything yet)."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise PackError(f"{folder} already exists and is not empty; choose a new folder for the pack.")
    derived = pack_id is None
    pack_id = pack_id or re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")
    if not ID_RE.fullmatch(pack_id):
        origin = " (made from the folder name); give an id explicitly" if derived else ""
        raise PackError(f"'{pack_id}' cannot be a pack id{origin}; use 2 to 64 lowercase letters, digits and dashes.")
    title = title or pack_id.replace("-", " ").capitalize()
    folder.mkdir(parents=True, exist_ok=True)
    write_files(read_tree(TEMPLATE), folder)
    manifest = folder / "pack.toml"
    text = manifest.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^id = ".*"$', lambda _: f"id = {json.dumps(pack_id)}", text, count=1)
    text = re.sub(r'(?m)^title = ".*"$', lambda _: f"title = {json.dumps(title)}", text, count=1)
    manifest.write_text(text, encoding="utf-8")
    return load_pack(folder)

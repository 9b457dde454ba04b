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
from sandbox.packs.archive import scan_folder
from sandbox.packs.environment import download_wheels
from sandbox.packs.format import ID_RE, Pack, read_tree, write_files
from sandbox.packs.reader import load_pack

TEMPLATE = Path(__file__).resolve().parent / "template"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def build_pack(folder, out_zip=None, *, with_wheels: bool = False, platforms=(), python_versions=(),
               find_links=(), offline: bool = False) -> Path:
    """Validate the pack in ``folder`` and write a reproducible zip of it; return its path.

    ``out_zip`` is a file name ending in ``.zip``, or a folder (made if need be) to write
    ``<id>-<version>.zip`` into: an existing folder, a path ending in a slash, or any name that does
    not end in ``.zip``. The default is the current folder. Building the same files twice gives
    identical bytes. The files are the ones ``pack check`` and installing accept (one rule, in
    ``sandbox.packs.archive``).

    ``with_wheels`` puts the wheels of the pack's requirements into ``wheels/`` (pip's ``download``,
    for each of ``platforms`` × ``python_versions``, default this computer's), so installing the zip
    needs no network; ``find_links`` and ``offline`` are ``download_wheels``'s. Raises PackError.
    """
    folder = Path(folder).resolve()
    pack = load_pack(folder)
    out = _output(out_zip, pack)
    out.parent.mkdir(parents=True, exist_ok=True)
    entries = _build_entries(folder, out)
    with tempfile.TemporaryDirectory(prefix="pack-wheels-") as wheel_dir:
        if with_wheels and pack.requirements:
            entries = [e for e in entries if not e[0].startswith("wheels/") and e[0] != "wheels"]
            wheels = download_wheels(pack.requirements, Path(wheel_dir), platforms=platforms,
                                     python_versions=python_versions, find_links=find_links, offline=offline)
            entries = sorted(entries + [("wheels", wheel_dir, True)]
                             + [(f"wheels/{w.name}", str(w), False) for w in wheels])
        _write_zip(out, pack, entries)
    return out


def _write_zip(out: Path, pack: Pack, entries) -> None:
    fd, temp = tempfile.mkstemp(prefix=".building-", suffix=".zip", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            for rel, path, is_folder in entries:
                name = f"{pack.id}/{rel}"
                if is_folder:
                    info = zipfile.ZipInfo(name + "/", _FIXED_TIME)
                    info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
                    archive.writestr(info, b"")
                else:
                    info = zipfile.ZipInfo(name, _FIXED_TIME)
                    info.external_attr = (stat.S_IFREG | 0o644) << 16
                    # Wheels are zips already: stored as they are, the build takes no time on them.
                    stored = rel.startswith("wheels/") and rel.endswith(".whl")
                    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                    archive.writestr(info, Path(path).read_bytes(), compresslevel=None if stored else 9)
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _output(out_zip, pack: Pack) -> Path:
    """The zip file to write, from what the author asked for (see ``build_pack``)."""
    if out_zip is None:
        return (Path.cwd() / f"{pack.id}-{pack.version}.zip").resolve()
    text = os.fspath(out_zip)
    out = Path(text)
    if out.is_dir() or text.endswith(("/", os.sep)) or out.suffix.lower() != ".zip":
        if out.exists() and not out.is_dir():
            raise PackError(f"{out} is a file, not a folder; give a folder or a name ending in .zip.")
        out = out / f"{pack.id}-{pack.version}.zip"
    return out.resolve()


def _build_entries(folder: Path, out: Path) -> list[tuple[str, str, bool]]:
    """(relative path, path on disk, is a folder) for every entry of the zip, sorted by path.

    Left out: the zip being written and, at the top of the pack or in the folder it is written to,
    other zips (earlier builds).
    """
    entries, problems = scan_folder(folder)
    if problems:  # load_pack has said so already; this keeps the rule in one place all the same
        raise PackError(f"{problems[0]}")
    kept = []
    for entry in entries:
        path = Path(entry.path)
        if path == out or (path.suffix.lower() == ".zip" and path.parent in (folder, out.parent)):
            continue
        kept.append((entry.rel, entry.path, entry.folder))
    return sorted(kept)


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

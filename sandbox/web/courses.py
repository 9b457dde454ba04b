"""What the home page lists: installed courses with progress, and built-in ones still to install."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sandbox import store

BUILTIN = Path(__file__).resolve().parent.parent / "lessons"


def builtin_packs() -> list[dict]:
    found = []
    for manifest in sorted(BUILTIN.glob("*/pack.toml")):
        try:
            data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        found.append({"id": data.get("id", manifest.parent.name), "title": data.get("title", manifest.parent.name),
                      "description": data.get("description", ""), "path": manifest.parent})
    return found


def home_courses(app) -> dict:
    installed = [{"id": p.pack_id, "title": p.title, "version": p.version}
                 for p in store.InstalledPack.select().order_by(store.InstalledPack.installed_at)]
    ids = {p["id"] for p in installed}
    return {"installed": installed, "coming": [b for b in builtin_packs() if b["id"] not in ids]}

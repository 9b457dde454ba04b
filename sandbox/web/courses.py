"""What the home page lists: installed courses with progress, and built-in ones still to install."""

from __future__ import annotations

import tomllib

from sandbox import store
from sandbox.packs.catalog import BUILTIN_DIR
from sandbox.work import progress


def builtin_packs() -> list[dict]:
    found = []
    for manifest in sorted(BUILTIN_DIR.glob("*/pack.toml")):
        try:
            data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        found.append({"id": data.get("id", manifest.parent.name), "title": data.get("title", manifest.parent.name),
                      "description": data.get("description", "")})
    return found


def home_courses(catalog) -> dict:
    learner = store.current_learner()
    installed = []
    for pack in catalog.packs():
        done = progress.summary(learner.id, pack)
        installed.append({"id": pack.id, "title": pack.title, "version": pack.version,
                          "description": pack.description, "progress": done["percent"],
                          "done": done["done"], "total": done["total"],
                          "continue_url": f"/learn/{pack.id}",
                          "finished": done["next"] is None})
    ids = {p["id"] for p in installed}
    return {"installed": installed, "coming": [b for b in builtin_packs() if b["id"] not in ids]}

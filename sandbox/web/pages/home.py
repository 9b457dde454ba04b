"""The home page: the installed courses with the learner's progress, and built-in ones still to install."""

from __future__ import annotations

from sandbox.web import context
from sandbox.web.render import render
from sandbox.work import progress


def show():
    services = context.services()
    learner_id = context.learner_id()
    installed = []
    for pack in services.catalog.packs():
        done = progress.summary(learner_id, pack)
        installed.append({"id": pack.id, "title": pack.title, "version": pack.version,
                          "description": pack.description, "progress": done["percent"],
                          "done": done["done"], "total": done["total"], "finished": done["next"] is None,
                          "framework": pack.framework or "Bottle", "when": pack.when_to_choose})
    ids = {course["id"] for course in installed}
    courses = {"installed": installed, "coming": [b for b in services.catalog.builtin() if b["id"] not in ids]}
    returning = any(course["done"] for course in installed) or progress.has_started(learner_id)
    # The track chooser: each course that says when to take it, the general one (Bottle) first.
    tracks = sorted((c for c in installed if c["when"]), key=lambda c: (c["framework"] != "Bottle", c["title"]))
    return render("home", context.page_context("home"), courses=courses, notices=services.notices,
                  returning=returning, tracks=tracks if len(tracks) > 1 else [])

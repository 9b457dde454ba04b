"""The Progress page: the current learner's lessons, time, practice calendar and recent attempts,
with charts drawn on the server, and a button that writes the progress report to DATA_DIR/exports.
"""

from __future__ import annotations

import re

from bottle import HTTPResponse, request, static_file

from sandbox.classroom import charts, overview, reports
from sandbox.classroom.profiles import current_learner
from sandbox.errors import NotFound
from sandbox.web import context
from sandbox.web.render import render

EXPORT_NAME = re.compile(r"progress-[A-Za-z0-9._-]+\.(json|csv|zip)")


def progress_charts(view: dict) -> dict:
    lessons = view["lessons"]
    return {
        # Each bar is its own lesson's share: 4 of 4 steps is a full bar, whatever the other lessons hold.
        "completion": charts.bar_chart([(lesson["title"], lesson["done"] / (lesson["total"] or 1),
                                         f"{lesson['done']}/{lesson['total']}") for lesson in lessons],
                                       title="Steps done per lesson", max_value=1),
        "time": charts.bar_chart([(lesson["title"], lesson["seconds"], charts.duration(lesson["seconds"]))
                                  for lesson in lessons if lesson["seconds"]], title="Time spent per lesson"),
        "calendar": charts.calendar(view["days"], today=view["today"]),
    }


def page(*, exported: list[dict] | None = None) -> HTTPResponse:
    learner = current_learner()
    packs = context.services().catalog.packs()
    pack = reports.pick_pack(learner.id, packs, request.params.getunicode("pack", "") or None)
    view = overview.overview(learner.id, learner.name, pack, packs)
    for attempt in view["recent"]:
        attempt["url"] = context.step_url(attempt["pack_id"], attempt["lesson_id"], attempt["step_id"])
    body = render("progress", context.page_context("progress"), view=view, charts=progress_charts(view),
                  duration=charts.duration, exported=exported or [])
    return HTTPResponse(body)


def show():
    return page()


def export():
    settings = context.settings()
    learner = current_learner()
    pack = reports.pick_pack(learner.id, context.services().catalog.packs(),
                             request.forms.getunicode("pack", "") or None)
    fmt = "csv" if request.forms.get("format") == "csv" else "json"
    result = reports.export(learner.id, learner.name, pack, settings.data_dir / "exports", fmt=fmt, folder=True,
                            with_files=request.forms.get("with_files") == "on",
                            workspaces_dir=settings.workspaces_dir)
    return page(exported=[{"path": str(p), "name": p.name} for p in result.paths])


def download(name):
    if not EXPORT_NAME.fullmatch(name):
        raise NotFound("There is no such report.")
    return static_file(name, root=str(context.settings().data_dir / "exports"), download=name)

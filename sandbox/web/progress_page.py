"""The Progress page: the current learner's lessons, time, practice calendar and recent attempts,
with charts drawn on the server, and a button that writes the progress report to DATA_DIR/exports.
"""

from __future__ import annotations

import re

from bottle import HTTPResponse, abort, request, static_file

from sandbox import store
from sandbox.classroom import charts, reports
from sandbox.web.pages import page_context, services_of, settings_of
from sandbox.web.render import render

EXPORT_NAME = re.compile(r"progress-[A-Za-z0-9._-]+\.(json|csv|zip)")


def progress_charts(view: dict) -> dict:
    lessons = view["lessons"]
    return {
        "completion": charts.bar_chart([(l["title"], l["done"], f"{l['done']}/{l['total']}") for l in lessons],
                                       title="Steps done per lesson", max_value=max((l["total"] for l in lessons),
                                                                                      default=1) or 1),
        "time": charts.bar_chart([(l["title"], l["seconds"], charts.duration(l["seconds"])) for l in lessons
                                  if l["seconds"]], title="Time spent per lesson"),
        "calendar": charts.calendar(view["days"], today=view["today"]),
    }


def install(app) -> None:
    def page(status=200, **data):
        learner = store.current_learner()
        packs = services_of(app).catalog.packs()
        chosen = request.params.getunicode("pack", "") or None
        try:
            pack = reports.pick_pack(learner.id, packs, chosen)
        except reports.ReportError as exc:
            abort(404, str(exc))
        view = reports.overview(learner.id, learner.name, pack, packs)
        body = render("progress", page_context(app, "progress"), view=view, charts=progress_charts(view),
                      duration=charts.duration, exported=data.get("exported", []))
        return HTTPResponse(body, status=status)

    @app.get("/progress")
    def progress_page():
        return page()

    @app.post("/progress/export")
    def export():
        settings = settings_of(app)
        learner = store.current_learner()
        pack = reports.pick_pack(learner.id, services_of(app).catalog.packs(),
                                 request.forms.getunicode("pack", "") or None)
        fmt = "csv" if request.forms.get("format") == "csv" else "json"
        folder = settings.data_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        result = reports.export(learner.id, learner.name, pack, folder, fmt=fmt,
                                with_files=request.forms.get("with_files") == "on",
                                workspaces_dir=settings.workspaces_dir)
        return page(exported=[{"path": str(p), "name": p.name} for p in result.paths])

    @app.get("/progress/exports/<name>")
    def download(name):
        if not EXPORT_NAME.fullmatch(name):
            abort(404, "There is no such report.")
        return static_file(name, root=str(settings_of(app).data_dir / "exports"), download=name)

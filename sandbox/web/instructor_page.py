"""The Instructor page: import many learners' reports for one pack, see the class table and the
steps where learners struggle, export it as CSV, or clear it. Imports are all or nothing per batch.
"""

from __future__ import annotations

from bottle import HTTPResponse, redirect, request, response

from sandbox.classroom import charts, gradebook
from sandbox.classroom.reports import MAX_REPORT_BYTES, ReportError
from sandbox.web.pages import page_context
from sandbox.web.render import render


def struggle_chart(view: dict) -> str:
    items = [(f"{s['lesson']}/{s['step']}", s["mean_attempts"], f"{s['mean_attempts']} tries")
             for s in view["struggles"]]
    return charts.bar_chart(items, title="Average attempts on the hardest steps")


def uploaded_files() -> list[tuple[str, bytes]]:
    """The uploaded reports, each read only up to one byte past the size cap."""
    return [(u.raw_filename or "report", u.file.read(MAX_REPORT_BYTES + 1)) for u in request.files.getall("reports")
            if u.raw_filename]


def install(app) -> None:
    def page(status=200, **data):
        view = gradebook.class_view(gradebook.stored_reports())
        body = render("instructor", page_context(app, "instructor"), view=view, chart=struggle_chart(view),
                      duration=charts.duration, notes=data.get("notes", []), problems=data.get("problems", []))
        return HTTPResponse(body, status=status)

    @app.get("/instructor")
    def instructor():
        return page()

    @app.post("/instructor/import")
    def import_reports():
        try:
            notes = gradebook.import_files(uploaded_files())
        except ReportError as exc:
            return page(422, problems=exc.problems or [str(exc)])
        return page(notes=notes)

    @app.get("/instructor/class.csv")
    def class_csv():
        view = gradebook.class_view(gradebook.stored_reports())
        pack = view["pack"]["id"] if view["pack"] else "class"
        response.content_type = "text/csv; charset=utf-8"
        response.set_header("Content-Disposition", f'attachment; filename="{pack}-class.csv"')
        return gradebook.class_csv(view)

    @app.post("/instructor/clear")
    def clear():
        gradebook.clear()
        redirect("/instructor", 303)

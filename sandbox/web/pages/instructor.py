"""The Instructor page: import many learners' reports for one pack, see the class table and the
steps where learners struggle, export it as CSV, or clear it. Imports are all or nothing per batch.
"""

from __future__ import annotations

from bottle import HTTPResponse, redirect, request, response

from sandbox.classroom import charts, gradebook
from sandbox.classroom.reports import MAX_REPORT_BYTES
from sandbox.errors import ReportError
from sandbox.web import context
from sandbox.web.render import render


def struggle_chart(view: dict) -> str:
    items = [(f"{s['lesson']}/{s['step']}", s["mean_attempts"], f"{s['mean_attempts']} tries")
             for s in view["struggles"]]
    return charts.bar_chart(items, title="Average attempts on the hardest steps")


def uploaded_files() -> list[tuple[str, bytes]]:
    """The uploaded reports, each read only up to one byte past the size cap."""
    return [(u.raw_filename or "report", u.file.read(MAX_REPORT_BYTES + 1)) for u in request.files.getall("reports")
            if u.raw_filename]


def page(status: int = 200, **data) -> HTTPResponse:
    view = gradebook.class_view(gradebook.stored_reports())
    body = render("instructor", context.page_context("instructor"), view=view, chart=struggle_chart(view),
                  duration=charts.duration, notes=data.get("notes", []), problems=data.get("problems", []))
    return HTTPResponse(body, status=status)


def show():
    return page()


def import_reports():
    try:
        notes = gradebook.import_files(uploaded_files())
    except ReportError as exc:  # every bad file listed beside the upload form
        return page(exc.status, problems=exc.problems or [str(exc)])
    return page(notes=notes)


def class_csv():
    view = gradebook.class_view(gradebook.stored_reports())
    pack = view["pack"]["id"] if view["pack"] else "class"
    response.content_type = "text/csv; charset=utf-8"
    response.set_header("Content-Disposition", f'attachment; filename="{pack}-class.csv"')
    return gradebook.class_csv(view)


def clear():
    gradebook.clear()
    redirect(context.url("instructor"), 303)

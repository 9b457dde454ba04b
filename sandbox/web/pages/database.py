"""The database browser's page: the learner's SQLite files, their tables, and a table's rows, read-only."""

from __future__ import annotations

from bottle import request

from sandbox.preview import dbbrowser
from sandbox.web import context
from sandbox.web.render import render


def show():
    preview = context.services().preview
    workspace = preview.workspace(context.learner_id()) if preview else None
    files = dbbrowser.find_databases(workspace) if workspace else []
    chosen = request.query.getunicode("file", "") or (files[0] if files else "")
    data = {"workspace": str(workspace or ""), "files": files, "file": chosen, "tables": [], "rows_page": None,
            "table": request.query.getunicode("table", "") or "", "back": context.back_link()}
    if chosen:
        path = dbbrowser.database_path(workspace, chosen)
        data["tables"] = dbbrowser.tables(path, root=workspace)
        if data["table"]:
            data["rows_page"] = dbbrowser.rows(path, data["table"], context.whole_number(request.query.get("page"),
                                                                                         default=1), root=workspace)
    return render("database", context.page_context(), **data)

"""The live preview's routes: start and poll the learner's app, the request inspector, the database browser.

All of them are sandbox routes, behind the same token, Host and CSRF checks as every page;
the learner's app itself is only ever served by its own child process, on another origin.
"""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import quote

from bottle import HTTPResponse, abort, request

from sandbox import store
from sandbox.errors import PackError
from sandbox.preview import dbbrowser
from sandbox.preview.inspector import timeline
from sandbox.web.lessons import STEP, is_htmx
from sandbox.web.pages import page_context, services_of, settings_of
from sandbox.web.render import render
from sandbox.work import coursework


def install(app) -> None:
    def manager():
        found = services_of(app).preview
        if found is None:
            abort(404, "The live preview is not available in this sandbox.")
        return found

    def learner_key() -> int:
        return store.current_learner().id

    @app.get(STEP + "/preview")
    def open_preview(pack_id, lesson_id, step_id):
        try:
            here = coursework.find(services_of(app).catalog, learner_key(), settings_of(app).workspaces_dir,
                                   pack_id, lesson_id, step_id)
        except PackError as exc:
            abort(404, str(exc))
        if here.step.kind != "code" or not (here.ws.path / here.lesson.app).is_file():
            return {"state": "none", "message": f"This step has no {here.lesson.app} to preview yet."}
        return asdict(manager().open(learner_key(), here.ws.path, here.lesson.app))

    @app.get("/preview/status")
    def preview_status():
        status = manager().status(learner_key())
        if status is None:
            return {"state": "stopped"}
        since = request.query.get("since", "0")
        output, end = manager().output(learner_key(), int(since) if since.isdigit() else 0)
        return {**asdict(status), "output": output, "output_end": end,
                "last_request": manager().requests(learner_key()).last_id}

    @app.post("/preview/restart")
    def restart_preview():
        status = manager().restart(learner_key())
        return asdict(status) if status else {"state": "stopped"}

    @app.post("/preview/open-folder")
    def open_folder():
        if not manager().open_folder(learner_key()):
            abort(404, "Open a lesson first: there is no workspace folder to show yet.")
        return HTTPResponse(status=204)

    @app.get("/inspector")
    def inspector():
        log = manager().requests(learner_key())
        chosen = _chosen_request(log)
        return render("inspector", page_context(app), requests=log.recent(), chosen=chosen,
                      bars=timeline(chosen) if chosen else [], status=manager().status(learner_key()))

    @app.get("/inspector/requests")
    def inspector_requests():
        log = manager().requests(learner_key())
        return render("partials/preview_requests", requests=log.recent(), chosen_id=None)

    @app.get("/inspector/requests/<record_id:int>")
    def inspector_request(record_id):
        chosen = manager().requests(learner_key()).get(record_id)
        if chosen is None:
            abort(404, "That request is no longer in the inspector (it keeps the last 200).")
        if is_htmx():
            return render("partials/preview_timeline", chosen=chosen, bars=timeline(chosen))
        return render("inspector", page_context(app), requests=manager().requests(learner_key()).recent(),
                      chosen=chosen, bars=timeline(chosen), status=manager().status(learner_key()))

    @app.get("/database")
    def database():
        workspace = manager().workspace(learner_key())
        files = dbbrowser.find_databases(workspace) if workspace else []
        chosen = request.query.getunicode("file", "") or (files[0] if files else "")
        data = {"workspace": str(workspace or ""), "files": files, "file": chosen, "tables": [], "rows_page": None,
                "table": request.query.getunicode("table", "")}
        number = request.query.get("page", "1")
        try:
            if chosen:
                path = dbbrowser.database_path(workspace, chosen)
                data["tables"] = dbbrowser.tables(path)
                if data["table"]:
                    data["rows_page"] = dbbrowser.rows(path, data["table"], int(number) if number.isdigit() else 1)
        except dbbrowser.DatabaseError as exc:
            abort(404, str(exc))
        return render("database", page_context(app), q=quote, **data)


def _chosen_request(log):
    wanted = request.query.get("request", "")
    if wanted.isdigit():
        return log.get(int(wanted))
    recent = log.recent()
    return recent[0] if recent else None

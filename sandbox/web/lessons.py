"""The lesson page and its htmx partials: read, edit, save, check, hints, solution, reset, history, quiz."""

from __future__ import annotations

from bottle import HTTPResponse, abort, redirect, request

from sandbox import store
from sandbox.errors import PackError, WorkspaceError
from sandbox.web.pages import page_context, services_of, settings_of
from sandbox.web.render import render
from sandbox.work import coursework, progress

STEP = "/learn/<pack_id>/<lesson_id>/<step_id>"


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def install(app) -> None:
    def place(pack_id, lesson_id, step_id, *, unlocked=True) -> coursework.Place:
        try:
            found = coursework.find(services_of(app).catalog, store.current_learner().id,
                                    settings_of(app).workspaces_dir, pack_id, lesson_id, step_id)
        except PackError as exc:
            abort(404, str(exc))
        if unlocked and progress.step_state(found.learner_id, found.pack, lesson_id, step_id) == "locked":
            abort(403, "This step unlocks when the steps before it are done.")
        return found

    def back_or_partial(here: coursework.Place, partial: str, **data):
        if is_htmx():
            return render(partial, url=here.url, csrf=page_context(app)["csrf"], **data)
        return redirect(here.url, 303)

    @app.get("/learn/<pack_id>")
    def continue_pack(pack_id):
        try:
            pack = services_of(app).catalog.get(pack_id)
        except PackError as exc:
            abort(404, str(exc))
        upcoming = progress.summary(store.current_learner().id, pack)["next"]
        lesson_id, step_id = upcoming or (pack.lessons[-1].id, pack.lessons[-1].steps[-1].id)
        redirect(coursework.step_url(pack_id, lesson_id, step_id), 303)

    @app.get(STEP)
    def step_page(pack_id, lesson_id, step_id):
        here = place(pack_id, lesson_id, step_id, unlocked=False)
        data = coursework.step_page(here)
        return render("lesson", page_context(app, "home"), **data)

    @app.post(STEP + "/start")
    def start(pack_id, lesson_id, step_id):
        here = place(pack_id, lesson_id, step_id)
        coursework.start_lesson(here, carry=request.forms.get("mode") == "carry")
        redirect(here.url, 303)

    @app.post(STEP + "/save")
    def save(pack_id, lesson_id, step_id):
        here = place(pack_id, lesson_id, step_id, unlocked=False)
        coursework.save(here, request.forms.getunicode("path", ""), request.forms.getunicode("content", ""))
        return HTTPResponse(status=204)

    @app.post(STEP + "/check")
    def check(pack_id, lesson_id, step_id):
        here = place(pack_id, lesson_id, step_id)
        coursework.save_many(here, posted_files())
        result = coursework.run_check(here, services_of(app).checker)
        return back_or_partial(here, "partials/result", result=result,
                               outline=progress.outline(here.learner_id, here.pack), here_step=step_id)

    @app.post(STEP + "/quiz")
    def quiz(pack_id, lesson_id, step_id):
        here = place(pack_id, lesson_id, step_id)
        chosen = [int(v) for v in request.forms.getall("choice") if v.isdigit()]
        result = coursework.answer_quiz(here, chosen)
        return back_or_partial(here, "partials/result", result=result,
                               outline=progress.outline(here.learner_id, here.pack), here_step=step_id)

    @app.post(STEP + "/read")
    def read(pack_id, lesson_id, step_id):
        here = place(pack_id, lesson_id, step_id)
        result = coursework.mark_read(here)
        if not is_htmx() and result["outcome"]["next_url"]:
            redirect(result["outcome"]["next_url"], 303)
        return back_or_partial(here, "partials/result", result=result,
                               outline=progress.outline(here.learner_id, here.pack), here_step=step_id)

    @app.post(STEP + "/hint")
    def hint(pack_id, lesson_id, step_id):
        here = place(pack_id, lesson_id, step_id, unlocked=False)
        hints = coursework.reveal_hint(here)
        return back_or_partial(here, "partials/hints", hints=hints, hint_count=len(here.step.hints))

    @app.post(STEP + "/solution")
    def solution(pack_id, lesson_id, step_id):
        here = place(pack_id, lesson_id, step_id, unlocked=False)
        return back_or_partial(here, "partials/solution", solution=coursework.solution(here))

    @app.post(STEP + "/reset")
    def reset(pack_id, lesson_id, step_id):
        here = place(pack_id, lesson_id, step_id, unlocked=False)
        coursework.reset(here)
        redirect(here.url, 303)

    @app.get(STEP + "/history")
    def history(pack_id, lesson_id, step_id):
        here = place(pack_id, lesson_id, step_id, unlocked=False)
        path = request.query.getunicode("path", "")
        return render("partials/history", url=here.url, path=path, versions=coursework.history(here, path),
                      csrf=page_context(app)["csrf"])

    @app.post(STEP + "/restore")
    def restore(pack_id, lesson_id, step_id):
        here = place(pack_id, lesson_id, step_id, unlocked=False)
        version = request.forms.get("version", "")
        if not version.isdigit():
            abort(400, "Choose a version to restore.")
        coursework.restore(here, int(version))
        redirect(here.url, 303)


def posted_files() -> dict[str, str]:
    """The editor's files sent with a check: fields named ``file:<path>``."""
    files = {}
    for key in request.forms.keys():
        if key.startswith("file:"):
            files[key[5:]] = request.forms.getunicode(key, "")
    return files


def workspace_error(error: WorkspaceError):
    abort(400, str(error))

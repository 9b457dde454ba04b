"""The live preview's routes, as JSON for the preview pane: start the learner's app, follow its
status and console, restart it, show its folder.

They are sandbox routes, behind the same token, Host and CSRF checks as every page; the
learner's app itself is only ever served by its own child process, on another origin.
"""

from __future__ import annotations

from dataclasses import asdict

from bottle import HTTPResponse, request

from sandbox.errors import PreviewUnavailable
from sandbox.preview.manager import PreviewManager
from sandbox.web import context
from sandbox.web.pages.lesson import place


def manager() -> PreviewManager:
    found = context.services().preview
    if found is None:
        raise PreviewUnavailable("The live preview is not available in this sandbox.")
    return found


def open_preview(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    if here.step.kind != "code" or not (here.ws.path / here.lesson.app).is_file():
        return {"state": "none", "message": f"This step has no {here.lesson.app} to preview yet."}
    return asdict(manager().open(here.learner_id, here.ws.path, here.lesson.app))


def status():
    key = context.learner_id()
    found = manager().status(key)
    if found is None:
        return {"state": "stopped"}
    output, end = manager().output(key, context.whole_number(request.query.get("since"), default=0))
    inspector = context.services().inspector
    return {**asdict(found), "output": output, "output_end": end,
            "last_request": inspector.requests(key).last_id if inspector else 0}


def restart():
    found = manager().restart(context.learner_id())
    return asdict(found) if found else {"state": "stopped"}


def open_folder():
    if not manager().open_folder(context.learner_id()):
        raise PreviewUnavailable("Open a lesson first: there is no workspace folder to show yet.")
    return HTTPResponse(status=204)

"""The request inspector's page: the learner's recent preview requests, and one request's timeline
(when it ran, which template it rendered, which SQL it ran and how long each took)."""

from __future__ import annotations

from dataclasses import replace

from bottle import request

from sandbox.errors import NotFound, PreviewUnavailable
from sandbox.preview.inspector import Inspector, RequestLog, timeline
from sandbox.web import context
from sandbox.web.pages.preview import shown
from sandbox.web.render import render


def inspector() -> Inspector:
    found = context.services().inspector
    if found is None:
        raise PreviewUnavailable("The live preview is not available in this sandbox.")
    return found


def preview_status():
    """The preview's status, its ``url`` where the learner reaches it (proxied under JupyterHub)."""
    preview = context.services().preview
    found = preview.status(context.learner_id()) if preview else None
    return replace(found, url=shown(found, context.learner_id())["url"]) if found else None


def show():
    log = inspector().requests(context.learner_id())
    chosen = _chosen(log)
    return render("inspector", context.page_context(), requests=log.recent(), chosen=chosen,
                  bars=timeline(chosen) if chosen else [], status=preview_status(), back=context.back_link())


def requests():
    log = inspector().requests(context.learner_id())
    return render("partials/preview_requests", requests=log.recent(), chosen_id=None)


def request_detail(record_id):
    log = inspector().requests(context.learner_id())
    chosen = log.get(record_id)
    if chosen is None:
        raise NotFound("That request is no longer in the inspector (it keeps the last 200).")
    if context.is_htmx():
        return render("partials/preview_timeline", chosen=chosen, bars=timeline(chosen))
    return render("inspector", context.page_context(), requests=log.recent(), chosen=chosen,
                  bars=timeline(chosen), status=preview_status(), back=context.back_link())


def _chosen(log: RequestLog):
    wanted = context.whole_number(request.query.get("request"))
    if wanted is not None:
        return log.get(wanted)
    recent = log.recent()
    return recent[0] if recent else None

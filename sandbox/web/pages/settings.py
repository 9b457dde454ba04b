"""The Settings page: the learner's name, theme and font size."""

from __future__ import annotations

from bottle import HTTPResponse, request

from sandbox.classroom import profiles
from sandbox.web import context
from sandbox.web.render import render


def show():
    return render("settings", context.page_context("settings"), errors={}, saved=False)


def save():
    form = {
        "name": request.forms.getunicode("name", "").strip(),
        "theme": request.forms.getunicode("theme", ""),
        "font_size": request.forms.getunicode("font_size", ""),
    }
    if context.settings().hub is not None:  # under JupyterHub the name is the Hub account's
        form["name"] = context.page_context()["learner"]["name"]
    problems = profiles.save_look(context.learner_id(), form["name"], form["theme"], form["font_size"])
    if problems:
        page = context.page_context("settings")
        page["learner"].update(form)
        return HTTPResponse(render("settings", page, errors=problems, saved=False), status=422)
    return render("settings", context.page_context("settings"), errors={}, saved=True)

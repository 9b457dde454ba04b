"""Shared pages: home, settings, about, static files, outside links and the error pages."""

from __future__ import annotations

import logging
import platform
import sys
from importlib import metadata
from urllib.parse import urlsplit

from bottle import HTTPResponse, abort, request, response, static_file

from sandbox import store
from sandbox.classroom.profiles import ProfileError, check_name
from sandbox.web.courses import home_courses
from sandbox.web.markdown import highlight_css
from sandbox.web.render import STATIC, bundle_available, render
from sandbox.web.security import csrf_token

log = logging.getLogger(__name__)
DEPENDENCIES = ("bottle", "waitress", "peewee", "pywebview", "markdown-it-py", "pygments", "nh3",
                "platformdirs", "pytest", "webtest")


def settings_of(app):
    return app.config["sandbox.settings"]


def services_of(app):
    return app.config["sandbox.services"]


def page_context(app, active: str = "") -> dict:
    """What every full page needs: the learner's look and the CSRF token. Plain data only."""
    learner = store.current_learner()
    return {
        "learner": {"id": learner.id, "name": learner.name, "theme": learner.theme, "font_size": learner.font_size},
        "csrf": csrf_token(settings_of(app).token),
        "active": active,
    }


def install(app) -> None:
    @app.get("/")
    def home():
        return render("home", page_context(app, "home"), courses=home_courses(services_of(app).catalog),
                      notices=services_of(app).notices)

    @app.get("/settings")
    def settings_page():
        return render("settings", page_context(app, "settings"), errors={}, saved=False)

    @app.post("/settings")
    def save_settings():
        form = {
            "name": request.forms.getunicode("name", "").strip(),
            "theme": request.forms.getunicode("theme", ""),
            "font_size": request.forms.getunicode("font_size", ""),
        }
        errors = validate_settings(form, store.current_learner().id)
        if errors:
            ctx = page_context(app, "settings")
            ctx["learner"].update(form)
            return HTTPResponse(render("settings", ctx, errors=errors, saved=False), status=422)
        learner = store.current_learner()
        learner.name, learner.theme, learner.font_size = form["name"], form["theme"], int(form["font_size"])
        learner.save()
        return render("settings", page_context(app, "settings"), errors={}, saved=True)

    @app.get("/about")
    def about():
        settings = settings_of(app)
        versions = [("Python", f"{platform.python_version()} ({sys.implementation.name})")]
        versions += [(name, _version(name)) for name in DEPENDENCIES]
        return render("about", page_context(app, "about"), versions=versions, data_dir=str(settings.data_dir),
                      url=f"http://127.0.0.1:{settings.port}/", bundle_ok=bundle_available())

    @app.get("/static/<path:path>")
    def static(path):
        return static_file(path, root=str(STATIC))

    @app.get("/highlight.css")
    def code_colours():
        response.content_type = "text/css"
        return highlight_css()

    @app.post("/open-external")
    def open_external():
        url = request.forms.getunicode("url", "")
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            abort(400, "Only web addresses (http or https) can be opened.")
        services_of(app).open_url(url)
        return HTTPResponse(status=204)

    for code in (400, 403, 404, 405, 409, 413, 422, 500, 507):
        app.error(code)(error_page)


def validate_settings(form: dict, learner_id: int) -> dict:
    errors = {}
    try:
        check_name(form["name"], except_id=learner_id)
    except ProfileError as exc:
        errors["name"] = str(exc)
    if form["theme"] not in store.THEMES:
        errors["theme"] = "Choose light or dark."
    if not form["font_size"].isdigit() or int(form["font_size"]) not in store.FONT_SIZES:
        errors["font_size"] = f"Choose a size from {store.FONT_SIZES.start} to {store.FONT_SIZES.stop - 1}."
    return errors


TITLES = {
    400: ("That request was not understood", "Something in it was not valid."),
    403: ("Not allowed", "The sandbox refused this request."),
    404: ("Page not found", "There is no page at this address. Go back home and pick up where you left off."),
    405: ("Not allowed here", "This page cannot be used that way."),
    409: ("Changed in another editor", "This file changed elsewhere. Reload the page to see it."),
    413: ("Too large", "That upload is bigger than the sandbox accepts."),
    422: ("Please check the form", "Some fields need another look."),
    500: ("Something went wrong in the sandbox", "This is the sandbox's fault, not yours. It was written to the "
          "log in the data folder; what you saved before this is kept."),
    507: ("The data folder cannot be written", "The sandbox could not write to its data folder; what you saved "
          "before this is kept."),
}


def error_page(error):
    title, default = TITLES.get(error.status_code, ("Error", "Something went wrong."))
    storage = store.storage_failure(error.exception) if error.status_code == 500 else None
    if storage:
        log.error("Storage failure on %s %s: %s", request.method, request.path, error.exception)
        response.status = 507
        title, message = TITLES[507][0], storage
    elif error.status_code == 500:
        log.error("Unhandled error on %s %s\n%s", request.method, request.path, error.traceback or error.exception)
        message = default
    else:
        message = error.body if isinstance(error.body, str) and error.body and not error.body.startswith(
            ("Not found", "Method not allowed")) else default
    if "text/html" not in request.headers.get("Accept", "text/html") and not request.headers.get("HX-Request"):
        response.content_type = "text/plain; charset=utf-8"  # fetch() callers show it as is
        return message
    if request.headers.get("HX-Request"):
        return render("partials/error", title=title, message=message)
    return render("error", title=title, message=message, status=response.status_code)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"

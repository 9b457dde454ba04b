"""The route table: every route of the web app, in one place, each with a name.

``create_app`` reads this table and nothing else, and every URL the app produces is built from
a route's name (``context.url``), so a path is written down here once. Route functions are
plain module-level functions, one page module per page (``sandbox.web.pages``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from sandbox.web.pages import (
    about,
    assets,
    database,
    home,
    inspector,
    instructor,
    lesson,
    packs,
    preview,
    profiles,
    progress,
    settings,
    terminal,
    workbench,
)


class Route(NamedTuple):
    method: str
    path: str
    name: str
    callback: Callable


PACK = "/learn/<pack_id>"
STEP = PACK + "/<lesson_id>/<step_id>"

ROUTES: list[Route] = [
    Route("GET", "/", "home", home.show),
    Route("GET", "/settings", "settings", settings.show),
    Route("POST", "/settings", "save_settings", settings.save),
    Route("GET", "/about", "about", about.show),
    Route("GET", "/static/<path:path>", "static", assets.static),
    Route("GET", "/highlight.css", "highlight_css", assets.highlight_css),
    Route("POST", "/open-external", "open_external", assets.open_external),
    # the lesson page and what a learner does on a step
    Route("GET", PACK, "continue", lesson.continue_pack),
    Route("GET", STEP, "step", lesson.show),
    Route("POST", STEP + "/visit", "visit", lesson.visit),
    Route("POST", STEP + "/start", "start", lesson.start),
    Route("POST", STEP + "/save", "save", lesson.save),
    Route("POST", STEP + "/check", "check", lesson.check),
    Route("POST", STEP + "/quiz", "quiz", lesson.quiz),
    Route("POST", STEP + "/read", "read", lesson.read),
    Route("POST", STEP + "/hint", "hint", lesson.hint),
    Route("POST", STEP + "/solution", "solution", lesson.solution),
    Route("POST", STEP + "/use-solution", "use_solution", lesson.use_solution),
    Route("POST", STEP + "/reset", "reset", lesson.reset),
    Route("GET", STEP + "/history", "history", lesson.history),
    Route("POST", STEP + "/restore", "restore", lesson.restore),
    # the workbench: the file panel and the page's long poll
    Route("GET", STEP + "/file", "open_file", workbench.open_file),
    Route("POST", STEP + "/files", "create_file", workbench.create),
    Route("POST", STEP + "/files/rename", "rename_file", workbench.rename),
    Route("POST", STEP + "/files/delete", "delete_file", workbench.delete),
    Route("POST", STEP + "/files/convert", "convert_file", workbench.convert),
    Route("GET", STEP + "/events", "events", workbench.events),
    Route("POST", STEP + "/terminals", "open_terminal", terminal.open_terminal),
    Route("POST", "/terminals/<terminal_id>/input", "terminal_input", terminal.write),
    Route("POST", "/terminals/<terminal_id>/resize", "terminal_resize", terminal.resize),
    Route("POST", "/terminals/<terminal_id>/close", "close_terminal", terminal.close),
    # the live preview and its tools
    Route("POST", STEP + "/preview", "open_preview", preview.open_preview),
    Route("GET", "/preview-status", "preview_status", preview.status),
    Route("POST", "/preview-restart", "restart_preview", preview.restart),
    Route("POST", "/preview-folder", "open_folder", preview.open_folder),
    # under JupyterHub, the learner's app itself, every method (the key is its credential)
    Route("ANY", "/preview/<key><path:path>", "preview_app", preview.proxy),
    Route("GET", "/inspector", "inspector", inspector.show),
    Route("GET", "/inspector/requests", "inspector_requests", inspector.requests),
    Route("GET", "/inspector/requests/<record_id:int>", "inspector_request", inspector.request_detail),
    Route("GET", "/database", "database", database.show),
    # packs, profiles, progress, the instructor
    Route("GET", "/packs", "packs", packs.show),
    Route("POST", "/packs/install", "install_pack", packs.install),
    Route("POST", "/packs/offered/<offer_id>/install", "install_offered", packs.install_offered),
    Route("POST", "/packs/<pack_id>/remove", "remove_pack", packs.remove),
    Route("GET", "/packs/<pack_id>/lessons/<lesson_id>/<path:path>", "lesson_image", packs.image),
    Route("GET", "/profiles", "profiles", profiles.show),
    Route("POST", "/profiles", "create_profile", profiles.create),
    Route("POST", "/profiles/<learner_id:int>/switch", "switch_profile", profiles.switch),
    Route("POST", "/profiles/<learner_id:int>/rename", "rename_profile", profiles.rename),
    Route("GET", "/profiles/<learner_id:int>/delete", "confirm_delete_profile", profiles.confirm_delete),
    Route("POST", "/profiles/<learner_id:int>/delete", "delete_profile", profiles.delete),
    Route("GET", "/progress", "progress", progress.show),
    Route("POST", "/progress/export", "export_progress", progress.export),
    Route("GET", "/progress/exports/<name>", "download_export", progress.download),
    Route("GET", "/instructor", "instructor", instructor.show),
    Route("POST", "/instructor/import", "import_reports", instructor.import_reports),
    Route("GET", "/instructor/class.csv", "class_csv", instructor.class_csv),
    Route("POST", "/instructor/clear", "clear_class", instructor.clear),
    Route("POST", "/instructor/unlock", "unlock_instructor", instructor.unlock),
    Route("POST", "/instructor/lock", "lock_instructor", instructor.lock_now),
    Route("POST", "/instructor/passphrase", "set_instructor_passphrase", instructor.set_passphrase),
    Route("POST", "/instructor/passphrase/remove", "remove_instructor_passphrase", instructor.remove_passphrase),
]

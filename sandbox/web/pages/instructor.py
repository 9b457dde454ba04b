"""The Instructor page: import many learners' reports for one pack, see the class table and the
steps where learners struggle, export it as CSV, or clear it. Imports are all or nothing per batch.

On a shared computer the instructor can lock these actions (and removing packs) behind a passphrase
(``sandbox.classroom.lock``): set on the page the first time, then asked for before the gradebook
shows. An unlocked browser stays unlocked for a while after the last instructor action, or until
"Lock now".
"""

from __future__ import annotations

import time

from bottle import HTTPResponse, redirect, request, response

from sandbox.classroom import charts, gradebook, lock
from sandbox.classroom.reports import MAX_REPORT_BYTES
from sandbox.errors import BadRequest, ReportError
from sandbox.web import context
from sandbox.web.render import render

UNLOCK_COOKIE = "sandbox_instructor"
WRONG_PASSPHRASE_PAUSE = 0.5  # seconds, on top of scrypt's own cost, before a wrong guess is answered


# -- the lock ------------------------------------------------------------------------------------

def unlocked() -> bool:
    """May this browser do the instructor's actions now? Yes when no passphrase is set."""
    return not lock.is_set() or lock.is_unlocked(context.settings().token, request.get_cookie(UNLOCK_COOKIE))


def require(action: str) -> None:
    """Refused (403, a sentence) unless the instructor's actions are open to this browser."""
    if not unlocked():
        lock.refuse(action)


def _cookie_path() -> str:
    return request.environ.get("SCRIPT_NAME", "").rstrip("/") + "/"


def _keep_unlocked(answer) -> None:
    """Renew the unlock (sliding) on ``answer`` (an HTTPResponse, or Bottle's response)."""
    if lock.is_set():
        answer.set_cookie(UNLOCK_COOKIE, lock.unlock_value(context.settings().token), path=_cookie_path(),
                          httponly=True, samesite="strict", max_age=lock.UNLOCK_MINUTES * 60)


def _end_unlock(answer) -> None:
    answer.delete_cookie(UNLOCK_COOKIE, path=_cookie_path(), httponly=True, samesite="strict")


# -- the page --------------------------------------------------------------------------------------

def struggle_chart(view: dict) -> str:
    items = [(f"{s['lesson']}/{s['step']}", s["mean_attempts"], f"{s['mean_attempts']} tries")
             for s in view["struggles"]]
    return charts.bar_chart(items, title="Average attempts on the hardest steps")


def uploaded_files() -> list[tuple[str, bytes]]:
    """The uploaded reports, each read only up to one byte past the size cap."""
    return [(u.raw_filename or "report", u.file.read(MAX_REPORT_BYTES + 1)) for u in request.files.getall("reports")
            if u.raw_filename]


def page(status: int = 200, *, open_: bool | None = None, **data) -> HTTPResponse:
    """The Instructor page: the unlock form while locked, else the gradebook with the lock's controls."""
    is_open = unlocked() if open_ is None else open_
    view = gradebook.class_view(gradebook.stored_reports()) if is_open else None
    body = render("instructor", context.page_context("instructor"), view=view,
                  chart=struggle_chart(view) if view else "", duration=charts.duration,
                  notes=data.get("notes", []), problems=data.get("problems", []),
                  lock_set=lock.is_set(), locked=not is_open, lock_error=data.get("lock_error"),
                  unlock_minutes=lock.UNLOCK_MINUTES, min_length=lock.MIN_LENGTH)
    answer = HTTPResponse(body, status=status)
    if is_open:
        _keep_unlocked(answer)
    return answer


def show():
    return page()


def import_reports():
    require("Importing progress reports")
    try:
        notes = gradebook.import_files(uploaded_files())
    except ReportError as exc:  # every bad file listed beside the upload form
        return page(exc.status, problems=exc.problems or [str(exc)])
    return page(notes=notes)


def class_csv():
    require("The class table")
    _keep_unlocked(response)
    view = gradebook.class_view(gradebook.stored_reports())
    pack = view["pack"]["id"] if view["pack"] else "class"
    response.content_type = "text/csv; charset=utf-8"
    response.set_header("Content-Disposition", f'attachment; filename="{pack}-class.csv"')
    return gradebook.class_csv(view)


def clear():
    require("Clearing the gradebook")
    gradebook.clear()
    _keep_unlocked(response)  # redirect() copies Bottle's response, cookie included
    redirect(context.url("instructor"), 303)


# -- the passphrase: set on first use, unlock, lock now, change, remove -------------------------------

def _passphrase(field: str) -> str:
    return request.forms.getunicode(field, "") or ""


def unlock():
    if not lock.is_set():
        return page(notes=["There is no instructor passphrase, so nothing is locked."])
    if not lock.verify(_passphrase("passphrase")):
        time.sleep(WRONG_PASSPHRASE_PAUSE)
        return page(403, open_=False, lock_error="That is not the instructor passphrase. Try again.")
    answer = page(open_=True, notes=[(f"Unlocked. It locks again after {lock.UNLOCK_MINUTES} minutes without an "
                                      "instructor action, or when you press Lock now.")])
    _keep_unlocked(answer)
    return answer


def lock_now():
    answer = page(open_=not lock.is_set(), notes=["Locked. The instructor passphrase opens it again."]
                  if lock.is_set() else ["There is no instructor passphrase yet, so nothing can be locked."])
    _end_unlock(answer)
    return answer


def set_passphrase():
    if lock.is_set():
        require("Changing the instructor passphrase")
    try:
        lock.choose(_passphrase("passphrase"), _passphrase("again"))
    except BadRequest as exc:
        return page(exc.status, lock_error=str(exc))
    answer = page(open_=True, notes=[("The instructor passphrase is set: the gradebook, importing reports and "
                                      "removing packs now ask for it. This browser stays unlocked for now.")])
    _keep_unlocked(answer)
    return answer


def remove_passphrase():
    require("Removing the instructor passphrase")
    if not lock.verify(_passphrase("passphrase")):
        time.sleep(WRONG_PASSPHRASE_PAUSE)
        return page(403, lock_error="To remove the passphrase, type the current one.")
    lock.forget()
    answer = page(open_=True, notes=[("The instructor passphrase is removed: anyone using this computer can open "
                                      "the gradebook and remove packs again.")])
    _end_unlock(answer)
    return answer

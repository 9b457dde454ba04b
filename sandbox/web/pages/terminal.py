"""The terminal's routes: open one in the learner's lesson folder, type into it, resize it, close it.

Its output reaches the page through the workbench's long poll (``web/pages/workbench.py``); the
terminal itself runs in a contained child process (``sandbox/terminal``).
"""

from __future__ import annotations

import time

from bottle import request

from sandbox.errors import BadRequest, TerminalError
from sandbox.terminal.manager import TerminalManager
from sandbox.web import context
from sandbox.web.pages.lesson import place
from sandbox.work import coursework

KINDS = ("shell", "python")
MAX_INPUT = 64 * 1024  # characters in one input request (a paste)
ECHO_WAIT = 0.05  # seconds an input request waits for the terminal to show something


def manager() -> TerminalManager:
    found = context.services().terminals
    if found is None:
        raise TerminalError("The terminal is not available in this sandbox.")
    return found


def open_terminal(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    kind = request.forms.get("kind", "shell")
    if kind not in KINDS:
        raise BadRequest("A terminal is a shell or a Python shell.")
    coursework.ensure_ready(here)
    cols = context.whole_number(request.forms.get("cols"), default=80)
    rows = context.whole_number(request.forms.get("rows"), default=24)
    info = manager().open(here.learner_id, here.ws.path, kind=kind, cols=min(cols, 1000), rows=min(rows, 1000),
                          libraries=here.environment)
    return {"id": info.id, "kind": info.kind}


def write(terminal_id):
    """Type into the terminal; the answer carries what it showed within ECHO_WAIT (the echo, mostly),
    so a keystroke's echo takes one round trip instead of waiting for the long poll."""
    data = request.forms.getunicode("data", "")
    if data is None or len(data) > MAX_INPUT:
        raise BadRequest(f"At most {MAX_INPUT // 1024} K characters can be typed or pasted at once.")
    key = context.learner_id()
    since = context.whole_number(request.forms.get("since"), default=0)
    notifier = context.services().notifier
    seen = notifier.count(key)
    manager().write(key, terminal_id, data)
    deadline = time.monotonic() + ECHO_WAIT
    while True:
        text, end, alive, exit_code = manager().output(key, terminal_id, since)
        left = deadline - time.monotonic()
        if text or not alive or left <= 0:
            return {"start": since, "output": text, "end": end, "alive": alive, "exit_code": exit_code}
        seen = notifier.wait(key, seen, left)


def resize(terminal_id):
    cols = context.whole_number(request.forms.get("cols"))
    rows = context.whole_number(request.forms.get("rows"))
    if not cols or not rows or cols > 1000 or rows > 500:
        raise BadRequest("A terminal's size is a number of columns and rows.")
    manager().resize(context.learner_id(), terminal_id, cols, rows)
    return {"ok": True}


def close(terminal_id):
    manager().close(context.learner_id(), terminal_id)
    return {"ok": True}

"""The lesson page's workbench, as JSON for its script: the file panel (create, rename, delete, open
a file) and the one long poll through which the page learns what changed.

Waitress has no WebSockets, so a page asks ``events`` with what it already knows (the file tree's
signature, the preview's state and console offset, each terminal's output offset) and the request
waits, up to ``MAX_WAIT`` seconds, until something is new. One such request per open page: it holds
one server thread while it waits and is answered at once when anything changes.
"""

from __future__ import annotations

import time

from bottle import request

from sandbox.errors import BadRequest, TerminalGone, WorkspaceError
from sandbox.web import context
from sandbox.web.pages.lesson import place
from sandbox.web.pages.preview import shown as shown_preview
from sandbox.work import coursework, tree, workspace
from sandbox.work import encoding as encodings

MAX_WAIT = 20.0  # seconds a long poll waits before answering "nothing new"
FILE_LOOK_SECONDS = 0.25  # how often a waiting poll looks at the files (other changes wake it at once)


def _ready(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    coursework.ensure_ready(here)
    return here


def _field(name: str) -> str:
    value = request.forms.getunicode(name, "")
    if value is None:
        raise BadRequest(f"The {name} field is not readable text.")
    return value.strip()


def file_entry(ws: workspace.Workspace, rel: str) -> dict:
    """One file as the editor needs it: path, text, language and the fingerprint it starts from."""
    text = workspace.read_file(ws, rel)
    return {"path": rel, "content": text, "language": workspace.language_for(rel),
            "version": workspace.text_hash(text)}


def tree_state(ws: workspace.Workspace) -> dict:
    """The panel's entries, each text file with the fingerprint of what is on disk now."""
    entries = []
    for entry in tree.list_tree(ws):
        item = entry.as_dict()
        if not entry.folder:
            try:
                item["version"] = workspace.text_hash(workspace.read_file(ws, entry.path))
            except Exception:  # noqa: BLE001 - binary, another encoding or vanished: listed, not editable
                item["version"] = None
                item.update(_other_encoding(ws, entry.path))
        entries.append(item)
    return {"signature": tree.signature(ws), "entries": entries}


def _other_encoding(ws: workspace.Workspace, rel: str) -> dict:
    """For a text file another editor saved in another encoding: its name, for the panel to offer
    converting it to UTF-8."""
    encoding = workspace.file_encoding(ws, rel)
    if encoding is None or encodings.is_utf8(encoding):
        return {}
    return {"encoding": encoding, "encoding_name": encodings.name_of(encoding)}


def open_file(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)  # a GET: reads, never starts the lesson
    if not here.ws.path.is_dir():
        raise WorkspaceError("This lesson has not started yet: open its page first.")
    return file_entry(here.ws, request.query.getunicode("path", "") or "")


def create(pack_id, lesson_id, step_id):
    here = _ready(pack_id, lesson_id, step_id)
    rel = _field("path")
    if request.forms.get("folder") == "1":
        tree.create_folder(here.ws, rel)
        return {"created": rel, "folder": True, "tree": tree_state(here.ws)}
    tree.create_file(here.ws, rel)
    return {"created": rel, "folder": False, "file": file_entry(here.ws, rel), "tree": tree_state(here.ws)}


def rename(pack_id, lesson_id, step_id):
    here = _ready(pack_id, lesson_id, step_id)
    entry = tree.rename(here.ws, _field("path"), _field("new_path"))
    return {"renamed": entry.path, "folder": entry.folder, "tree": tree_state(here.ws)}


def convert(pack_id, lesson_id, step_id):
    """Rewrite a file saved in another encoding as UTF-8 (same text, kept in History) and open it."""
    here = _ready(pack_id, lesson_id, step_id)
    rel = _field("path")
    workspace.convert_to_utf8(here.ws, rel)
    return {"converted": rel, "file": file_entry(here.ws, rel), "tree": tree_state(here.ws)}


def delete(pack_id, lesson_id, step_id):
    here = _ready(pack_id, lesson_id, step_id)
    kept = tree.delete(here.ws, _field("path"))
    return {"deleted": kept, "tree": tree_state(here.ws)}


def events(pack_id, lesson_id, step_id):
    """What changed since the page last asked; waits up to ``wait`` seconds (at most MAX_WAIT; none
    when absent), so a page that asks ``wait=20`` holds one thread until something is new."""
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    services = context.services()
    key = here.learner_id
    wait = min(context.whole_number(request.query.get("wait"), default=0), MAX_WAIT)
    deadline = time.monotonic() + wait
    seen = services.notifier.count(key)
    while True:
        news = _news(here, key)
        left = deadline - time.monotonic()
        if news or left <= 0:
            return {"news": news}
        seen = services.notifier.wait(key, seen, min(left, FILE_LOOK_SECONDS))


def _news(here: coursework.Place, key) -> dict:
    news = {}
    known = request.query
    if here.ws.path.is_dir() and tree.signature(here.ws) != (known.get("files") or ""):
        news["files"] = tree_state(here.ws)
    preview = context.services().preview
    status = preview.status(key) if preview else None
    if (status is None or status.workspace != str(here.ws.path.resolve())) and known.get("preview") not in (None, "", "stopped"):
        news["preview"] = {"state": "stopped", "token": "stopped"}  # stopped while away: the page starts it again
    elif status is not None and status.workspace == str(here.ws.path.resolve()):
        inspector = context.services().inspector
        last_request = inspector.requests(key).last_id if inspector else 0
        token = f"{status.generation}:{status.state}:{status.changes}:{status.last_page}:{last_request}"
        output, end = preview.output(key, context.whole_number(known.get("output"), default=0))
        if token != (known.get("preview") or "") or output:
            news["preview"] = {**shown_preview(status, key), "output": output, "output_end": end,
                               "last_request": last_request, "token": token}
    terminals = context.services().terminals
    asked = _terminal_offsets(known.get("terminals") or "")
    if terminals is not None and asked:
        news_terms = {}
        for terminal_id, offset in asked.items():
            try:
                text, end, alive, exit_code = terminals.output(key, terminal_id, offset)
            except TerminalGone:
                news_terms[terminal_id] = {"gone": True}
                continue
            if text or not alive:
                news_terms[terminal_id] = {"start": offset, "output": text, "end": end, "alive": alive,
                                           "exit_code": exit_code}
        if news_terms:
            news["terminals"] = news_terms
    return news


def _terminal_offsets(text: str) -> dict[str, int]:
    """``id:offset,id:offset`` as {id: offset}; anything malformed is left out."""
    found = {}
    for item in text.split(",")[:8]:
        terminal_id, _, offset = item.partition(":")
        number = context.whole_number(offset)
        if terminal_id and number is not None and len(terminal_id) <= 64:
            found[terminal_id] = number
    return found

"""The live preview's routes, as JSON for the preview pane: start the learner's app, follow its
status and console, restart it, show its folder; and, under JupyterHub, the learner's app itself.

The JSON routes are sandbox routes, behind the same login, Host and CSRF checks as every page.
On the desktop the learner's app is served only by its own child process, on another origin
(``http://localhost:PORT/``). In classroom mode only the sandbox's port reaches the browser, so
the app is proxied at ``PREFIX/preview/<key>/...`` (``sandbox.preview.proxy``): the key in the path
is the only credential such a request carries, and every answer is an opaque origin.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from weakref import WeakKeyDictionary

from bottle import HTTPResponse, request

from sandbox.errors import PreviewUnavailable
from sandbox.preview.manager import PreviewManager, PreviewStatus
from sandbox.preview.proxy import PreviewProxy, notice
from sandbox.web import context
from sandbox.web.pages.lesson import place
from sandbox.work import coursework

PROXY_PATH = "/preview/"  # the proxy route's path, up to its key
_proxies: WeakKeyDictionary = WeakKeyDictionary()  # PreviewManager -> PreviewProxy
_proxies_lock = threading.Lock()


def manager() -> PreviewManager:
    found = context.services().preview
    if found is None:
        raise PreviewUnavailable("The live preview is not available in this sandbox.")
    return found


def preview_proxy() -> PreviewProxy:
    """The proxy for this launch's previews (one per PreviewManager). Raises PreviewUnavailable."""
    found = manager()
    with _proxies_lock:
        proxy = _proxies.get(found)
        if proxy is None:
            proxy = _proxies[found] = PreviewProxy(found, max_body_bytes=context.settings().max_body_bytes)
        return proxy


def shown(status: PreviewStatus, owner) -> dict:
    """A preview's status as the pane reads it: ``url`` is where the frame loads the app's root.

    On the desktop that is the child's own ``http://localhost:PORT/``; under the Hub it is the proxied
    ``PREFIX/preview/<key>/``, and ``origin`` (what the address bar shows before the path) is empty.
    """
    data = asdict(status)
    if context.settings().hub is not None:
        key = preview_proxy().key_for(owner, status.workspace)
        data["url"] = context.url("preview_app", key=key, path="/")
        data["origin"] = ""
    return data


def open_preview(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    if here.step.kind == "code" and not here.ws.path.is_dir():
        # A new lesson's files come with the page's visit POST, which the pane's request can overtake.
        coursework.visit(here)
    if here.step.kind != "code" or not (here.ws.path / here.lesson.app).is_file():
        return {"state": "none", "message": f"This step has no {here.lesson.app} to preview yet."}
    return shown(manager().open(here.learner_id, here.ws.path, here.lesson.app, libraries=here.environment),
                 here.learner_id)


def status():
    key = context.learner_id()
    found = manager().status(key)
    if found is None:
        return {"state": "stopped"}
    output, end = manager().output(key, context.whole_number(request.query.get("since"), default=0))
    inspector = context.services().inspector
    return {**shown(found, key), "output": output, "output_end": end,
            "last_request": inspector.requests(key).last_id if inspector else 0}


def restart():
    key = context.learner_id()
    found = manager().restart(key)
    return shown(found, key) if found else {"state": "stopped"}


def open_folder():
    if not manager().open_folder(context.learner_id()):
        raise PreviewUnavailable("Open a lesson first: there is no workspace folder to show yet.")
    return HTTPResponse(status=204)


def proxy(key, path):
    """Any method at ``PREFIX/preview/<key>/<path>``: the learner's app, answered by its preview child.

    Classroom mode only (404 on the desktop, where the frame reaches the child directly). The
    security middleware lets these requests through with only its Host check; the key decides.
    """
    if context.settings().hub is None:
        raise PreviewUnavailable("The preview is served by its own address on this computer.")
    found = preview_proxy()
    target = found.find(key)
    if target is None:
        answer = notice("404 Not Found", "This preview address is out of date",
                        "Your app's address changes when you open another lesson. Go back to the lesson page: "
                        "its preview has the current one.")
    else:
        # The path as it came (Bottle decodes PATH_INFO for routing and keeps the raw WSGI string here).
        raw = request.environ.get("bottle.raw_path", request.environ.get("PATH_INFO", ""))
        rest = raw[len(PROXY_PATH) + len(target.key):] or "/"
        mount = context.url("preview_app", key=target.key, path="/").rstrip("/")
        answer = found.forward(request.environ, target, mount, rest)
    return HTTPResponse(body=answer.body, status=answer.status, headers=answer.headers)

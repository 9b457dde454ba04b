"""The Packs page: the installed packs with their versions, installing an uploaded zip, removing a pack;
in classroom mode the packs offered by the learner's class (installed through the same checked
installer as an upload); and the images a lesson's Markdown shows, served from its pack."""

from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote

from bottle import HTTPResponse, redirect, request, static_file

from sandbox.errors import ClassroomError, NotFound, PackError
from sandbox.packs.catalog import Catalog, lesson_image
from sandbox.packs.format import parse_version
from sandbox.web import context
from sandbox.web.pages import instructor
from sandbox.web.render import render


def pack_rows(catalog: Catalog) -> list[dict]:
    """Each installed pack as the table shows it, with its framework and its own libraries' state."""
    return [{"id": p.id, "title": p.title, "version": p.version, "authors": ", ".join(p.authors),
             "lessons": len(p.lessons), "steps": sum(len(lesson.steps) for lesson in p.lessons),
             "framework": p.framework or "Bottle", "libraries": libraries_text(catalog, p)}
            for p in catalog.packs()]


def libraries_text(catalog: Catalog, pack) -> str:
    """A few words on the pack's own libraries: none, their size, how far their install is, or why it failed."""
    state = catalog.environments.state(pack)
    if state.state == "none":
        return "the sandbox's own"
    if state.state == "ready":
        return f"{', '.join(pack.requirements)} · {state.size / 1e6:.1f} MB"
    if state.state == "failed":
        return state.error
    return f"{state.step}…" if state.step != "Waiting to start" else "installed when you open it"


OFFERS_TIMEOUT = 5.0  # seconds the Packs page waits for the class's list of packs


def offered_rows(catalog: Catalog) -> tuple[list[dict] | None, str | None]:
    """(the packs the learner's class offers, each with ``state``: install | update | installed | newer;
    a sentence when the class's service cannot say). (None, None) outside classroom mode."""
    client = context.services().classroom
    if client is None:
        return None, None
    try:
        offers = client.offers(timeout=OFFERS_TIMEOUT)
    except ClassroomError as exc:
        return [], str(exc)
    installed = {p.id: p.version for p in catalog.packs()}
    rows = []
    for offer in offers:
        have = installed.get(offer["pack_id"])
        state = "install" if have is None else _compare(offer["version"], have)
        rows.append({**offer, "installed": have, "state": state, "size_kb": max(1, round(offer["size"] / 1024))})
    return rows, None


def _compare(offered: str, have: str) -> str:
    try:
        new, old = parse_version(offered), parse_version(have)
    except ValueError:
        return "update" if offered != have else "installed"
    return "update" if new > old else ("installed" if new == old else "newer")


def page(status: int = 200, *, report: dict | None = None, installed: str | None = None) -> HTTPResponse:
    catalog = context.services().catalog
    broken = [{"folder": b.folder.name, "error": str(b.error)} for b in catalog.broken()]
    offered, offered_problem = offered_rows(catalog)
    body = render("packs", context.page_context("packs"), packs=pack_rows(catalog), broken=broken,
                  report=report, installed=installed, may_remove=instructor.unlocked(), offered=offered,
                  offered_problem=offered_problem)
    return HTTPResponse(body, status=status)


def show():
    return page()


def install():
    upload = request.files.get("pack")
    if upload is None or not upload.raw_filename:
        return page(400, report={"message": "Choose a lesson pack file (.zip) to install.", "problems": []})
    if not upload.raw_filename.lower().endswith(".zip"):
        return page(400, report={"message": f"{upload.raw_filename} is not a .zip file.", "problems": []})
    staging = Path(tempfile.mkdtemp(prefix="upload-", dir=context.settings().data_dir))
    try:
        archive = staging / (upload.filename or "pack.zip")  # Bottle's safe form of the learner's file name
        upload.save(str(archive))
        result = context.services().catalog.install(archive, force=request.forms.get("force") == "on")
    except PackError as exc:  # shown beside the upload form, with every problem listed
        problems = [str(p) for p in exc.problems]
        message = f"{upload.raw_filename} was not installed" + (":" if problems else f". {exc}")
        return page(422, report={"message": message, "problems": problems})
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return page(installed=result.sentence())


def install_offered(offer_id):
    """Download a pack the learner's class offers and install it like an uploaded zip (never forced)."""
    client = context.services().classroom
    if client is None:
        raise NotFound("This sandbox is not part of a class, so no pack is offered to it.")
    try:
        offer = next((o for o in client.offers() if o["id"] == offer_id), None)
        if offer is None:
            raise NotFound("That pack is not offered to your class (any more); reload the Packs page.")
        data = client.download(offer_id)
    except ClassroomError as exc:
        return page(502, report={"message": str(exc), "problems": []})
    shown = f"{offer['title']} {offer['version']}"
    staging = Path(tempfile.mkdtemp(prefix="offered-", dir=context.settings().data_dir))
    try:
        archive = staging / (re.sub(r"[^A-Za-z0-9.-]+", "-", f"{offer['pack_id']}-{offer['version']}")[:100] + ".zip")
        archive.write_bytes(data)
        result = context.services().catalog.install(archive)
    except PackError as exc:
        problems = [str(p) for p in exc.problems]
        message = f"{shown} from your class was not installed" + (":" if problems else f". {exc}")
        return page(422, report={"message": message, "problems": problems})
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return page(installed=result.sentence())


def remove(pack_id):
    instructor.require("Removing a lesson pack")
    context.services().catalog.remove(pack_id)
    redirect(context.url("packs"), 303)


# -- the images a lesson's Markdown shows ----------------------------------------------------------

IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"  # an SVG opened alone runs nothing


def image(pack_id, lesson_id, path):
    """An image of a lesson, from its pack folder (``packs.catalog.lesson_image`` says which files may be)."""
    lesson = context.services().catalog.get(pack_id).lesson(lesson_id)
    found, content_type = lesson_image(lesson, path)
    answer = static_file(found.name, root=str(found.parent), mimetype=content_type)
    answer.set_header("Content-Security-Policy", IMAGE_CSP)
    answer.set_header("Cache-Control", "private, max-age=300")
    return answer


def image_url(pack_id: str, lesson_id: str, instructions: str):
    """``src -> URL`` for the images in a step's Markdown: a relative ``src`` is read from the folder of
    the instructions file ``instructions`` (relative to the lesson) and served by ``image``; any
    other address is left as it is."""
    folder = posixpath.dirname(instructions)

    def to_url(src: str) -> str:
        if not src or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|/|#", src):
            return src
        rel = posixpath.normpath(posixpath.join(folder, unquote(re.split(r"[?#]", src, maxsplit=1)[0])))
        if rel in (".", "..") or rel.startswith("../"):
            return src
        return context.url("lesson_image", pack_id=pack_id, lesson_id=lesson_id, path=rel)

    return to_url

"""The Packs page: the installed packs with their versions, installing an uploaded zip, removing a pack;
and the images a lesson's Markdown shows, served from its pack."""

from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote

from bottle import HTTPResponse, redirect, request, static_file

from sandbox.errors import PackError
from sandbox.packs.catalog import Catalog, lesson_image
from sandbox.web import context
from sandbox.web.pages import instructor
from sandbox.web.render import render


def pack_rows(catalog: Catalog) -> list[dict]:
    return [{"id": p.id, "title": p.title, "version": p.version, "authors": ", ".join(p.authors),
             "lessons": len(p.lessons), "steps": sum(len(lesson.steps) for lesson in p.lessons)}
            for p in catalog.packs()]


def page(status: int = 200, *, report: dict | None = None, installed: str | None = None) -> HTTPResponse:
    catalog = context.services().catalog
    broken = [{"folder": b.folder.name, "error": str(b.error)} for b in catalog.broken()]
    body = render("packs", context.page_context("packs"), packs=pack_rows(catalog), broken=broken,
                  report=report, installed=installed, may_remove=instructor.unlocked())
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

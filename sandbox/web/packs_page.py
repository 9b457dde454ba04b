"""The Packs page: installed packs with their versions, upload and install a zip, remove a pack."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bottle import HTTPResponse, abort, redirect, request

from sandbox.errors import PackError
from sandbox.web.pages import page_context, services_of, settings_of
from sandbox.web.render import render


def pack_rows(catalog) -> list[dict]:
    return [{"id": p.id, "title": p.title, "version": p.version, "authors": ", ".join(p.authors),
             "lessons": len(p.lessons), "steps": sum(len(lesson.steps) for lesson in p.lessons)}
            for p in catalog.packs()]


def install(app) -> None:
    def page(status=200, **data):
        catalog = services_of(app).catalog
        broken = [{"folder": b.folder.name, "error": str(b.error)} for b in catalog.broken()]
        body = render("packs", page_context(app, "packs"), packs=pack_rows(catalog), broken=broken,
                      report=data.get("report"), installed=data.get("installed"))
        return HTTPResponse(body, status=status)

    @app.get("/packs")
    def packs():
        return page()

    @app.post("/packs/install")
    def install_upload():
        upload = request.files.get("pack")
        if upload is None or not upload.raw_filename:
            return page(400, report={"message": "Choose a lesson pack file (.zip) to install.", "problems": []})
        if not upload.raw_filename.lower().endswith(".zip"):
            return page(400, report={"message": f"{upload.raw_filename} is not a .zip file.", "problems": []})
        staging = Path(tempfile.mkdtemp(prefix="upload-", dir=settings_of(app).data_dir))
        try:
            archive = staging / "pack.zip"
            upload.save(str(archive))
            result = services_of(app).catalog.install(archive, force=request.forms.get("force") == "on")
        except PackError as exc:
            problems = [str(p) for p in exc.problems]
            return page(422, report={"message": f"{upload.raw_filename} was not installed. {exc}"
                                     if not problems else f"{upload.raw_filename} was not installed:",
                                     "problems": problems})
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        pack = result.pack
        if result.previous_version:
            return page(installed=f"Upgraded {pack.title} from {result.previous_version} to {pack.version}; "
                                  "your progress and files are kept.")
        return page(installed=f"Installed {pack.title} {pack.version}.")

    @app.post("/packs/<pack_id>/remove")
    def remove(pack_id):
        try:
            services_of(app).catalog.remove(pack_id)
        except PackError as exc:
            abort(404, str(exc))
        redirect("/packs", 303)

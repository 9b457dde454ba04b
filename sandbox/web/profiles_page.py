"""The Profiles page: several learners on one computer create, rename, switch and delete profiles.

Deleting asks twice (a confirmation page, then the profile's name typed out) and exports the
learner's reports to ``DATA_DIR/exports`` before anything is removed.
"""

from __future__ import annotations

from bottle import HTTPResponse, redirect, request

from sandbox.classroom import profiles
from sandbox.web.pages import page_context, services_of, settings_of
from sandbox.web.render import render


def install(app) -> None:
    def page(status=200, **data):
        body = render("profiles", page_context(app, "profiles"), profiles=profiles.list_profiles(),
                      error=data.get("error"), confirm=data.get("confirm"), deleted=data.get("deleted"),
                      exported=data.get("exported", []))
        return HTTPResponse(body, status=status)

    def name_field() -> str:
        return request.forms.getunicode("name", "") or ""

    @app.get("/profiles")
    def list_page():
        return page()

    @app.post("/profiles")
    def create():
        try:
            profiles.create_profile(name_field())
        except profiles.ProfileError as exc:
            return page(422, error=str(exc))
        redirect("/profiles", 303)

    @app.post("/profiles/<learner_id:int>/switch")
    def switch(learner_id):
        try:
            profiles.switch_profile(learner_id)
        except profiles.ProfileError as exc:
            return page(404, error=str(exc))
        redirect("/", 303)

    @app.post("/profiles/<learner_id:int>/rename")
    def rename(learner_id):
        try:
            profiles.rename_profile(learner_id, name_field())
        except profiles.ProfileError as exc:
            return page(422, error=str(exc))
        redirect("/profiles", 303)

    @app.get("/profiles/<learner_id:int>/delete")
    def confirm_delete(learner_id):
        try:
            learner = profiles.get_profile(learner_id)
        except profiles.ProfileError as exc:
            return page(404, error=str(exc))
        return page(confirm={"id": learner.id, "name": learner.name})

    @app.post("/profiles/<learner_id:int>/delete")
    def delete(learner_id):
        settings = settings_of(app)
        try:
            learner = profiles.get_profile(learner_id)
        except profiles.ProfileError as exc:
            return page(404, error=str(exc))
        try:
            written = profiles.delete_profile(learner_id, request.forms.getunicode("confirm_name", "") or "",
                                              packs=services_of(app).catalog.packs(),
                                              exports_dir=settings.data_dir / "exports",
                                              workspaces_dir=settings.workspaces_dir)
        except profiles.ProfileError as exc:
            return page(422, error=str(exc), confirm={"id": learner.id, "name": learner.name})
        return page(deleted=learner.name, exported=[str(p) for p in written])

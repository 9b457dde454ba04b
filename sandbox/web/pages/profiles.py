"""The Profiles page: several learners on one computer create, rename, switch and delete profiles.

Deleting asks twice (a confirmation page, then the profile's name typed out) and exports the
learner's reports to ``DATA_DIR/exports`` before anything is removed.
"""

from __future__ import annotations

from bottle import HTTPResponse, redirect, request

from sandbox.classroom import profiles
from sandbox.errors import ProfileError, Refused
from sandbox.web import context
from sandbox.web.render import render


def desktop_only() -> None:
    """Under JupyterHub the one profile is the Hub account: profiles cannot be made, switched or removed."""
    if context.settings().hub is not None:
        raise Refused("In your class's sandbox your profile is your Hub account, so it cannot be switched, "
                      "renamed or deleted here.")


def page(status: int = 200, **data) -> HTTPResponse:
    desktop_only()
    body = render("profiles", context.page_context("profiles"), profiles=profiles.list_profiles(),
                  error=data.get("error"), confirm=data.get("confirm"), deleted=data.get("deleted"),
                  exported=data.get("exported", []))
    return HTTPResponse(body, status=status)


def name_field() -> str:
    return request.forms.getunicode("name", "") or ""


def show():
    return page()


def create():
    desktop_only()
    try:
        profiles.create_profile(name_field())
    except ProfileError as exc:  # shown beside the form
        return page(exc.status, error=str(exc))
    redirect(context.url("profiles"), 303)


def switch(learner_id):
    desktop_only()
    profiles.switch_profile(learner_id)
    redirect(context.url("home"), 303)


def rename(learner_id):
    desktop_only()
    try:
        profiles.rename_profile(learner_id, name_field())
    except ProfileError as exc:  # shown beside the form
        return page(exc.status, error=str(exc))
    redirect(context.url("profiles"), 303)


def confirm_delete(learner_id):
    desktop_only()
    learner = profiles.get_profile(learner_id)
    return page(confirm={"id": learner.id, "name": learner.name})


def delete(learner_id):
    desktop_only()
    settings = context.settings()
    learner = profiles.get_profile(learner_id)
    try:
        written = profiles.delete_profile(learner_id, request.forms.getunicode("confirm_name", "") or "",
                                          packs=context.services().catalog.packs(),
                                          exports_dir=settings.data_dir / "exports",
                                          workspaces_dir=settings.workspaces_dir)
    except ProfileError as exc:  # shown beside the confirmation form
        return page(exc.status, error=str(exc), confirm={"id": learner.id, "name": learner.name})
    return page(deleted=learner.name, exported=[str(p) for p in written])

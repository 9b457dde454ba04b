"""Profiles on a shared computer: create, rename, switch, and delete (confirmed twice, exported first)."""

import json
from pathlib import Path

import pytest

from sandbox.classroom import profiles
from sandbox.classroom.profiles import ProfileError, current_learner
from sandbox.packs.install import install_pack
from sandbox.store.models import Learner, StepState
from sandbox.work import coursework, progress, workspace

PRACTICE = Path(__file__).parent / "fixtures" / "packs" / "practice"
HELLO = Path(__file__).parent / "fixtures" / "packs" / "hello"


def test_create_switches_to_the_new_profile(settings):
    grace = profiles.create_profile("Grace")
    assert current_learner().id == grace.id
    assert [p["name"] for p in profiles.list_profiles()] == ["Grace", "Learner"]


@pytest.mark.parametrize("name, message", [("", "Please enter a name"), ("x" * 81, "under 80 characters"),
                                           (" learner ", "already a profile called 'learner'"),
                                           ("\x00\x01", "letters, digits, spaces and punctuation")])
def test_bad_names_are_refused(settings, name, message):
    with pytest.raises(ProfileError, match=message):
        profiles.create_profile(name)


def test_rename_keeps_progress_and_may_change_case(settings):
    learner = current_learner()
    assert profiles.rename_profile(learner.id, "LEARNER").name == "LEARNER"


def test_each_profile_has_its_own_progress_and_workspace(settings):
    pack = install_pack(HELLO, settings.packs_dir).pack
    first = current_learner()
    second = profiles.create_profile("Grace")
    for learner in (first, second):
        place = coursework.find(_catalog(settings), learner.id, settings.workspaces_dir, pack.id, "01-first-routes", "hello")
        coursework.visit(place)
    coursework.save(coursework.find(_catalog(settings), second.id, settings.workspaces_dir, pack.id,
                                    "01-first-routes", "hello"), "app.py", "grace = True\n")
    assert (settings.workspaces_dir / str(second.id) / pack.id / "01-first-routes" / "app.py").read_text() == "grace = True\n"
    assert "grace" not in (settings.workspaces_dir / str(first.id) / pack.id / "01-first-routes" / "app.py").read_text()


def _catalog(settings):
    from sandbox.packs.catalog import Catalog

    return Catalog(settings.packs_dir)


def test_delete_needs_the_typed_name_and_is_refused_for_the_last_profile(settings):
    only = current_learner()
    with pytest.raises(ProfileError, match="Type the profile's name, Learner, exactly"):
        profiles.delete_profile(only.id, "learner", packs=[], exports_dir=settings.data_dir / "exports",
                                workspaces_dir=settings.workspaces_dir)
    with pytest.raises(ProfileError, match="only profile"):
        profiles.delete_profile(only.id, "Learner", packs=[], exports_dir=settings.data_dir / "exports",
                                workspaces_dir=settings.workspaces_dir)
    assert Learner.select().count() == 1


def test_delete_exports_first_then_removes_progress_and_files(settings):
    pack = install_pack(PRACTICE, settings.packs_dir).pack
    grace = profiles.create_profile("Grace")
    lesson = pack.lessons[0]
    progress.mark_read(grace.id, pack, lesson, lesson.steps[0])
    ws = workspace.open_workspace(settings.workspaces_dir, grace.id, pack.id, lesson.id)
    workspace.ensure_started(ws, {"notes.txt": b"mine"})
    written = profiles.delete_profile(grace.id, "Grace", packs=[pack], exports_dir=settings.data_dir / "exports",
                                      workspaces_dir=settings.workspaces_dir)
    assert len(written) == 1 and written[0].parent == settings.data_dir / "exports"
    report = json.loads(written[0].read_text())
    assert report["learner"]["name"] == "Grace" and report["totals"]["passed"] == 1
    assert Learner.get_or_none(Learner.id == grace.id) is None
    assert StepState.select().where(StepState.learner == grace.id).count() == 0
    assert not (settings.workspaces_dir / str(grace.id)).exists()
    assert current_learner().name == "Learner"


# -- the page ---------------------------------------------------------------------------------

def test_profiles_page_lists_profiles_and_the_top_bar_links_to_it(client):
    page = client.get("/profiles")
    assert "Learner" in page.text and "current" in page.text
    assert 'class="who" href="/profiles"' in client.get("/").text


def test_create_rename_and_switch_through_the_page(client):
    client.post("/profiles", {"csrf_token": client.csrf, "name": "Grace"}, status=303)
    assert "Welcome, Grace" in client.get("/").text
    learner = Learner.get(Learner.name == "Learner")
    client.post(f"/profiles/{learner.id}/switch", {"csrf_token": client.csrf}, status=303)
    assert "Welcome, Learner" in client.get("/").text
    client.post(f"/profiles/{learner.id}/rename", {"csrf_token": client.csrf, "name": "Ada"}, status=303)
    assert "Welcome, Ada" in client.get("/").text


def test_a_taken_name_is_explained_on_the_page(client):
    page = client.post("/profiles", {"csrf_token": client.csrf, "name": "learner"}, status=422)
    assert "There is already a profile called" in page.text


def test_delete_asks_twice_and_says_where_the_report_went(client, settings):
    client.post("/profiles", {"csrf_token": client.csrf, "name": "Grace"}, status=303)
    grace = Learner.get(Learner.name == "Grace")
    confirm = client.get(f"/profiles/{grace.id}/delete")
    assert "Delete the profile Grace?" in confirm.text and "Type the name" in confirm.text
    wrong = client.post(f"/profiles/{grace.id}/delete", {"csrf_token": client.csrf, "confirm_name": "nope"}, status=422)
    assert "nothing was deleted" in wrong.text and Learner.get_or_none(Learner.id == grace.id) is not None
    done = client.post(f"/profiles/{grace.id}/delete", {"csrf_token": client.csrf, "confirm_name": "Grace"})
    exported = list((settings.data_dir / "exports").glob("progress-grace-*.json"))
    assert len(exported) == 1 and str(exported[0]) in done.text
    assert "was deleted" in done.text and Learner.get_or_none(Learner.id == grace.id) is None


def test_unknown_profile_is_a_404(client):
    assert "does not exist" in client.get("/profiles/999/delete", status=404).text

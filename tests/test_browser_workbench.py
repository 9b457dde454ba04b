"""The workbench in real Chromium: the file panel, tabs that follow the disk, the ARIA tabs keys, and
a save that never overwrites text changed elsewhere."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for
from tests.support import HELLO_STEP, install_fixture_pack

pytestmark = pytest.mark.browser


@pytest.fixture
def step(sandbox_process, browser_page, tmp_path):
    data = tmp_path / "data"
    install_fixture_pack(data)
    proc, url = sandbox_process(data)
    page = browser_page
    page.goto(url)
    page.goto(url.split("?")[0].rstrip("/") + HELLO_STEP)
    page.get_by_role("textbox", name="app.py").wait_for()
    page.workspace = data / "workspaces" / "1" / "hello-web" / "01-first-routes"
    # The page shows the lesson's files at once; its visit request writes them to disk just after.
    wait_for(lambda: (page.workspace / "app.py").is_file(), what="the lesson's files on disk")
    return page


def test_a_file_made_in_the_panel_opens_and_one_deleted_there_goes(step):
    page = step
    page.get_by_role("button", name="New file").click()
    page.locator("#files-name").fill("views/layout.tpl")
    page.keyboard.press("Enter")
    page.get_by_role("tab", name="views/layout.tpl").wait_for()
    assert (page.workspace / "views" / "layout.tpl").is_file()
    page.get_by_role("button", name="New file").click()
    page.locator("#files-name").fill("../outside.py")
    page.keyboard.press("Enter")
    page.locator("#files-error", has_text="points outside your workspace").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete views/layout.tpl").click()
    page.get_by_role("tab", name="views/layout.tpl").wait_for(state="detached")
    assert not (page.workspace / "views" / "layout.tpl").exists()


def test_files_made_and_changed_by_another_program_reach_the_panel_and_the_tabs(step):
    page = step
    (page.workspace / "models.py").write_text("# made by the terminal\n")
    page.get_by_role("tab", name="models.py").wait_for()
    page.locator("#files-tree").get_by_role("button", name="models.py", exact=True).wait_for()
    (page.workspace / "app.py").write_text("# changed in another editor\n")
    page.get_by_role("textbox", name="app.py").get_by_text("# changed in another editor").wait_for()


def test_arrow_keys_move_between_the_file_tabs(step):
    page = step
    (page.workspace / "models.py").write_text("x = 1\n")
    page.get_by_role("tab", name="models.py").wait_for()
    page.get_by_role("tab", name="app.py").focus()
    page.keyboard.press("ArrowRight")
    assert page.get_by_role("tab", name="models.py").get_attribute("aria-selected") == "true"
    page.keyboard.press("Home")
    assert page.get_by_role("tab", name="app.py").get_attribute("aria-selected") == "true"


def test_typing_over_a_file_changed_elsewhere_shows_both_and_the_learner_chooses(step):
    page = step
    editor = page.get_by_role("textbox", name="app.py")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("# typed here")  # unsaved typing: the page must not replace it with the disk's text
    (page.workspace / "app.py").write_text("# from a second tab\n")
    page.keyboard.press("Control+s")
    page.locator("#conflict").get_by_text("changed on disk").wait_for()
    assert page.locator("#conflict").get_by_text("On disk now").is_visible()
    assert (page.workspace / "app.py").read_text() == "# from a second tab\n"  # nothing overwritten
    page.get_by_role("button", name="Keep what I typed").click()
    page.locator(".save-status", has_text="Saved").wait_for()
    assert "# typed here" in (page.workspace / "app.py").read_text()

"""End to end in headless Chromium: switch profile, complete a step, export the report, and import it
on the Instructor page to see the learner in the class table."""

import re
from pathlib import Path

import pytest

from sandbox.packs.install import install_pack

pytestmark = pytest.mark.browser
PRACTICE = Path(__file__).parent / "fixtures" / "packs" / "practice"


def test_profile_step_export_import_class_table(sandbox_process, browser_page, tmp_path):
    data = tmp_path / "data"
    install_pack(PRACTICE, data / "packs")
    proc, url = sandbox_process(data)
    base = url.split("?")[0]
    page = browser_page
    page.goto(url)

    # Switch to a new profile from the top bar's learner name.
    page.locator("header a.who").click()
    page.get_by_label("Name", exact=True).fill("Grace")
    page.get_by_role("button", name="Create and switch").click()
    page.locator("header a.who", has_text="Grace").wait_for()

    # Complete a step.
    page.goto(base + "learn/practice/01-basics/welcome")
    page.get_by_role("button", name="I have read this: continue").click()
    page.wait_for_url(re.compile(r"routes-quiz$"))

    # Export the report from the progress page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Progress").click()
    page.get_by_text("1/3").first.wait_for()
    page.get_by_role("button", name="Export report").click()
    link = page.get_by_role("link", name=re.compile(r"Download progress-grace-practice-.*\.json"))
    with page.expect_download() as waiting:
        link.click()
    report = tmp_path / "grace.json"
    waiting.value.save_as(report)

    # Import it on the Instructor page and find Grace in the class table.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Instructor").click()
    page.get_by_label("Progress reports (.json, several at once)").set_input_files(str(report))
    page.get_by_role("button", name="Import reports").click()
    page.get_by_text("grace.json: imported Grace.").wait_for()
    row = page.locator(".class-table tbody tr", has_text="Grace")
    assert row.locator("td").nth(1).inner_text() == "33%"
    assert page.errors == []

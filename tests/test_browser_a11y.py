"""Accessibility in real Chromium: axe-core on every page in both themes, with the lesson page's
hints, result, solution and history open; and a keyboard-only pass through a code step."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, need
from tests.support import HELLO_STEP, install_fixture_pack

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
QUIZ_STEP = "/learn/hello-web/01-first-routes/why-routes"
GOOD = 'from bottle import Bottle\n\napp = Bottle()\n\n\n@app.route("/")\ndef home():\n    return "Hello, web!"\n'


@pytest.fixture
def sandbox(sandbox_process, tmp_path):
    data = tmp_path / "data"
    install_fixture_pack(data)
    proc, url = sandbox_process(data)
    return url


@pytest.fixture
def page(chromium, sandbox):
    need(AXE.exists(), "node_modules/axe-core is not installed: run `npm ci`")
    # axe is injected as an inline script, which the sandbox's Content-Security-Policy refuses.
    context = chromium.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    found = context.new_page()
    found.goto(sandbox)
    found.base = sandbox.split("?")[0].rstrip("/")
    yield found
    context.close()


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in violations if v["impact"] in ("serious", "critical")]


def set_theme(page, theme: str) -> None:
    page.goto(page.base + "/settings")
    page.get_by_label(re.compile("Dark" if theme == "dark" else "Light")).check()
    page.get_by_role("button", name=re.compile("Save")).click()
    page.wait_for_load_state()


def lesson_states(page):
    """The lesson page with its hints, a failed check's result, the solution and the history open."""
    page.goto(page.base + HELLO_STEP)
    page.locator("#check-button").wait_for()
    yield "lesson page"
    page.get_by_role("button", name=re.compile("Show a hint")).click()
    page.locator(".hints li").first.wait_for()
    page.locator("#check-button").click()
    page.locator("#result .result").wait_for()
    yield "lesson page with a hint and a failed check"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Show the solution").click()
    page.locator(".solution").wait_for()
    page.locator("#history-link").click()
    page.locator(".history").wait_for()
    yield "lesson page with the solution and the history"
    page.get_by_role("tab", name="Terminal").click()
    yield "lesson page with the terminal"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_has_no_serious_or_critical_violations(page, theme):
    set_theme(page, theme)
    found = {}
    for path in ("/", "/packs", "/progress", "/instructor", "/settings", "/about", "/profiles", "/inspector",
                 "/database", "/profiles/1/delete", "/no-such-page", QUIZ_STEP):
        page.goto(page.base + path)
        found[path] = serious_violations(page)
    for state in lesson_states(page):
        found[state] = serious_violations(page)
    page.goto(page.base + QUIZ_STEP)
    bad = {where: problems for where, problems in found.items() if problems}
    assert not bad, "\n".join(f"{where}: {problem}" for where, problems in bad.items() for problem in problems)


def test_a_keyboard_alone_reaches_the_editor_leaves_it_checks_and_reads_the_result(page):
    page.goto(page.base + HELLO_STEP)
    page.locator(".cm-content").wait_for()
    page.keyboard.press("Tab")  # the first stop on the page is the skip link
    assert page.evaluate("document.activeElement.textContent") == "Skip to the editor"
    page.keyboard.press("Enter")
    for _ in range(12):  # from the editor area, the tabs and then the editor itself
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cm-content')"):
            break
    assert page.evaluate("document.activeElement.classList.contains('cm-content')"), "Tab never reached the editor"
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(GOOD)
    page.keyboard.press("Escape")  # then Tab leaves the editor instead of indenting
    page.keyboard.press("Tab")
    assert not page.evaluate("document.activeElement.classList.contains('cm-content')")
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "check-button":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "check-button"
    page.keyboard.press("Enter")
    page.get_by_text("All checks passed.").wait_for()
    assert page.locator("#result").get_attribute("aria-live") == "polite"
    box = page.locator("#result .result").bounding_box()
    assert box and 0 <= box["y"] < page.viewport_size["height"], "the verdict is out of view"


@pytest.mark.parametrize("size", [(800, 600), (1920, 1080)])
def test_no_page_scrolls_sideways_from_800x600_to_1920x1080(page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    wide = {}
    for path in ("/", "/packs", "/progress", "/instructor", "/settings", "/about", "/profiles", QUIZ_STEP):
        page.goto(page.base + path)
        if page.evaluate("document.scrollingElement.scrollWidth > document.scrollingElement.clientWidth"):
            wide[path] = page.evaluate("document.scrollingElement.scrollWidth")
    for state in lesson_states(page):
        if page.evaluate("document.scrollingElement.scrollWidth > document.scrollingElement.clientWidth"):
            wide[state] = page.evaluate("document.scrollingElement.scrollWidth")
    assert wide == {}, f"wider than the {size[0]} px window: {wide}"

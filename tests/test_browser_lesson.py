"""End to end in headless Chromium: install a pack from a zip, fail a step, fix it, pass, unlock the next."""

from pathlib import Path

import pytest

from sandbox.packs.build import build_pack

pytestmark = pytest.mark.browser
FIXTURE = Path(__file__).parent / "fixtures" / "packs" / "hello"
WRONG = 'from bottle import Bottle\n\napp = Bottle()\n\n\n@app.route("/")\ndef home():\n    return "Hi"\n'


def set_editor(page, text):
    editor = page.locator(".cm-content").first
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # Typing line by line would fight the editor's auto-indent; insertText puts the text as is.
    page.keyboard.insert_text(text)


def test_install_fail_fix_pass_and_unlock(sandbox_process, browser_page, tmp_path):
    archive = build_pack(FIXTURE, tmp_path / "hello.zip")
    proc, url = sandbox_process()
    page = browser_page
    page.goto(url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Packs").click()
    page.get_by_label("Pack file (.zip)").set_input_files(str(archive))
    page.get_by_role("button", name="Check and install").click()
    page.get_by_text("Installed Hello, web 1.0.0.").wait_for()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    page.locator(".card", has_text="Hello, web").get_by_role("link", name="Start").click()
    page.locator("#step-title", has_text="Say hello").wait_for()
    page.locator(".cm-editor").wait_for()

    set_editor(page, WRONG)
    page.get_by_role("button", name="Check").click()
    page.locator("#result .message", has_text="The home page should say 'Hello, web!'").wait_for()

    set_editor(page, WRONG.replace('"Hi"', '"Hello, web!"'))
    page.keyboard.press("Control+Enter")
    page.get_by_text("All checks passed.").wait_for()
    page.get_by_text("The next step is unlocked.").wait_for()
    assert page.locator("#outline a.state-passed", has_text="Say hello").count() == 1
    page.get_by_role("link", name="Next step →").first.click()
    page.locator("#step-title", has_text="Why routes?").wait_for()
    assert page.errors == []


def test_the_lesson_page_works_without_the_rich_editor(sandbox_process, chromium, tmp_path):
    """With scripts blocked entirely, the plain form still saves and checks."""
    archive = build_pack(FIXTURE, tmp_path / "hello.zip")
    from sandbox.packs.install import install_pack

    data = tmp_path / "data"
    (data / "packs").mkdir(parents=True)
    install_pack(archive, data / "packs")
    proc, url = sandbox_process(data)
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(url)
        page.goto(url.split("?")[0] + "learn/hello-web/01-first-routes/hello")
        page.locator("textarea.code-editor").fill(WRONG.replace('"Hi"', '"Hello, web!"'))
        page.get_by_role("button", name="Check").click()
        page.get_by_text("All checks passed.").wait_for()
    finally:
        context.close()


def test_without_the_bundle_a_plain_editor_is_used_and_said_once(sandbox_process, browser_page, tmp_path):
    from sandbox.packs.install import install_pack

    data = tmp_path / "data"
    (data / "packs").mkdir(parents=True)
    install_pack(FIXTURE, data / "packs")
    proc, url = sandbox_process(data)
    page = browser_page
    page.route("**/static/build/**", lambda route: route.abort())
    page.goto(url)
    lesson = url.split("?")[0] + "learn/hello-web/01-first-routes/hello"
    page.goto(lesson)
    page.locator("textarea.code-editor").wait_for()  # the page's script has started the lesson
    assert page.locator("#editor-fallback-note").is_visible()
    assert page.locator("textarea.code-editor").is_visible() and page.locator(".cm-editor").count() == 0
    page.locator("textarea.code-editor").fill(WRONG.replace('"Hi"', '"Hello, web!"'))
    page.get_by_role("button", name="Check").click()
    page.get_by_text("All checks passed.").wait_for()
    page.goto(lesson)
    assert not page.locator("#editor-fallback-note").is_visible()

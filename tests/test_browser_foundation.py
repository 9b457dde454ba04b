"""End to end in real headless Chromium: open the launch link, change settings, see them kept."""

import re

import pytest

pytestmark = pytest.mark.browser


def test_launch_link_opens_home_and_settings_persist(sandbox_process, browser_page):
    proc, url = sandbox_process()
    base = url.split("?")[0]
    page = browser_page
    page.goto(url)
    assert page.url == base, "the token must be dropped from the address"
    assert page.get_by_role("heading", name=re.compile("Welcome")).is_visible()
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Your name").fill("Katherine")
    page.get_by_label("Dark").check()
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("Saved.").wait_for()
    page.reload()
    assert page.get_by_label("Your name").input_value() == "Katherine"
    assert page.locator("html").get_attribute("data-theme") == "dark"
    page.goto(base)
    assert page.get_by_role("heading", name="Welcome, Katherine").is_visible()
    assert page.errors == []


def test_a_page_without_the_launch_link_is_forbidden(sandbox_process, chromium):
    proc, url = sandbox_process()
    context = chromium.new_context()
    try:
        page = context.new_page()
        response = page.goto(url.split("?")[0] + "settings")
        assert response.status == 403
        assert page.get_by_text("launch link").is_visible()
    finally:
        context.close()


def test_no_csp_violations_on_the_main_pages(sandbox_process, browser_page):
    proc, url = sandbox_process()
    page = browser_page
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    page.goto(url)
    for path in ("settings", "about"):
        page.goto(url.split("?")[0] + path)
    assert not [m for m in messages if "Content Security Policy" in m], messages

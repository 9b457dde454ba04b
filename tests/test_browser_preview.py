"""End to end in headless Chromium: edit the app, see the preview change, inspect the request and its SQL."""

from __future__ import annotations

import re

import pytest

from sandbox.packs.build import new_pack
from sandbox.packs.install import install_pack

pytestmark = pytest.mark.browser

APP = '''\
from bottle import Bottle, request, template
from peewee import CharField, Model, SqliteDatabase

db = SqliteDatabase("blog.db")


class Post(Model):
    title = CharField()

    class Meta:
        database = db


db.create_tables([Post])
if not Post.select().exists():
    Post.create(title="First post")
app = Bottle()


@app.route("/")
def home():
    return template("index", heading="Hello from the blog", posts=list(Post.select()))


@app.route("/cookies")
def cookies():
    return "cookies: " + request.headers.get("Cookie", "none")
'''
INDEX = "<h1>{{heading}}</h1>\n% for p in posts:\n<p>{{p.title}}</p>\n% end\n"
STEP = "learn/mini/01-first-route/hello"


@pytest.fixture
def data_dir(tmp_path):
    pack = tmp_path / "pack"
    new_pack(pack, pack_id="mini", title="Mini")
    starter = pack / "lessons" / "01-first-route" / "starter"
    (starter / "app.py").write_text(APP)
    (starter / "views").mkdir()
    (starter / "views" / "index.tpl").write_text(INDEX)
    data = tmp_path / "data"
    (data / "packs").mkdir(parents=True)
    install_pack(pack, data / "packs")
    return data


def replace_editor_text(page, text: str) -> None:
    editor = page.locator(".cm-content").first
    if editor.count():
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(text)
    else:
        page.locator("textarea.code-editor").first.fill(text)
    page.keyboard.press("Control+S")


def test_edit_save_preview_and_inspect(sandbox_process, data_dir, browser_page):
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    proc, url = sandbox_process(data_dir)
    base = url.split("?")[0]
    page = browser_page
    page.goto(url)
    page.goto(base + STEP)
    frame_element = page.locator("#preview-frame")
    assert frame_element.get_attribute("sandbox") == "allow-scripts allow-forms allow-same-origin allow-popups"
    preview = page.frame_locator("#preview-frame")
    expect(preview.locator("h1")).to_have_text("Hello from the blog")
    assert frame_element.get_attribute("src").startswith("http://localhost:")

    replace_editor_text(page, APP.replace("Hello from the blog", "Fresh words on the page"))
    expect(preview.locator("h1")).to_have_text("Fresh words on the page")

    # The preview is another host: the sandbox's session cookie never reaches the learner's app...
    page.locator("#preview-path").fill("/cookies")
    page.locator("#preview-path").press("Enter")
    expect(preview.locator("body")).to_contain_text("cookies:")
    assert "sandbox_session" not in preview.locator("body").inner_text()
    # ...and a page in the preview cannot change the sandbox's state.
    app_frame = next(f for f in page.frames if f.url.startswith("http://localhost:"))
    app_frame.evaluate("""(target) => fetch(target, {method: "POST", mode: "no-cors", credentials: "include",
        body: new URLSearchParams({name: "Hacked", theme: "dark", font_size: "14"})}).catch(() => null)""",
                       base + "settings")
    page.goto(base + "settings")
    assert page.get_by_label("Your name").input_value() != "Hacked"

    page.goto(base + "inspector")
    expect(page.locator("#inspector-list")).to_contain_text("/cookies")
    page.locator("#inspector-list a", has_text=re.compile(r"^/$")).first.click()
    expect(page.locator("#inspector-timeline")).to_contain_text('SELECT "t1"."id", "t1"."title" FROM "post"')
    expect(page.locator("#inspector-timeline")).to_contain_text("index")

    page.goto(base + "database?file=blog.db&table=post")
    expect(page.locator("table.db-rows")).to_contain_text("First post")
    assert page.errors == []


def test_after_check_the_preview_stays_on_the_page_being_fixed(sandbox_process, browser_page, tmp_path):
    from tests.support import HELLO_STEP, install_fixture_pack

    app = ('from bottle import Bottle\n\napp = Bottle()\n\n\n@app.route("/")\ndef home():\n    return "Hello, web!"\n'
           '\n\n@app.route("/about")\ndef about():\n    return "About v1"\n')
    data = tmp_path / "data"
    install_fixture_pack(data)
    proc, url = sandbox_process(data)
    page = browser_page
    page.goto(url)
    page.goto(url.split("?")[0].rstrip("/") + HELLO_STEP)
    editor = page.get_by_role("textbox", name="app.py")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(app)
    page.keyboard.press("Control+Enter")
    page.locator("#result").get_by_text("All checks passed.").wait_for()
    page.locator("#preview-path").fill("/about")
    page.locator("#preview-path").press("Enter")
    page.frame_locator("#preview-frame").get_by_text("About v1").wait_for()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(app.replace("About v1", "About v2"))
    page.keyboard.press("Control+Enter")  # saves, restarts the app, checks
    page.frame_locator("#preview-frame").get_by_text("About v2").wait_for()
    assert page.locator("#preview-frame").get_attribute("src").endswith("/about")
    assert page.locator("#preview-path").input_value() == "/about"

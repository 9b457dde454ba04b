"""The request inspector and the read-only database browser: recorder, data model, routes."""

from __future__ import annotations

import sqlite3
import textwrap
import urllib.error
import urllib.request

import pytest

from sandbox.classroom.profiles import current_learner
from sandbox.errors import BrowseError
from sandbox.packs.build import new_pack
from sandbox.preview import dbbrowser
from sandbox.preview.inspector import Inspector, RequestLog, timeline
from sandbox.preview.manager import PreviewManager
from tests.conftest import wait_for

BLOG = textwrap.dedent('''\
    from bottle import Bottle, template
    from peewee import CharField, Model, SqliteDatabase

    db = SqliteDatabase("blog.db")


    class Post(Model):
        title = CharField()

        class Meta:
            database = db


    db.create_tables([Post])
    app = Bottle()


    @app.route("/")
    def home():
        posts = Post.select().where(Post.title != "hidden")
        return template("index", posts=list(posts))


    @app.route("/add/<title>")
    def add(title):
        Post.create(title=title)
        return "added"
''')
INDEX = "<h1>Posts</h1>\n% for p in posts:\n<p>{{p.title}}</p>\n% end\n"


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


@pytest.fixture
def blog(tmp_path):
    folder = tmp_path / "ws"
    (folder / "views").mkdir(parents=True)
    (folder / "app.py").write_text(BLOG)
    (folder / "views" / "index.tpl").write_text(INDEX)
    return folder


@pytest.fixture
def manager():
    found = PreviewManager(watch=False)
    yield found
    found.close()


def test_requests_templates_and_sql_are_recorded_without_changing_the_app(manager, blog):
    inspector = Inspector()
    manager.add_listener(inspector.listen)
    url = manager.open(1, blog).url
    assert get(url + "add/First") == "added"
    assert "<p>First</p>" in get(url)
    log = inspector.requests(1)
    wait_for(lambda: len(log.recent()) == 2, what="both requests in the log")
    page, added = log.recent()
    assert (page.method, page.path, page.status, page.template) == ("GET", "/", 200, "index")
    assert page.duration_ms > 0 and manager.status(1).last_page == "/"
    [select] = page.queries
    assert select.sql.startswith('SELECT "t1"."id", "t1"."title" FROM "post"') and select.params == ["hidden"]
    assert added.queries[0].sql.startswith('INSERT INTO "post"') and added.queries[0].params == ["First"]
    bars = timeline(page)
    assert [b["kind"] for b in bars] == ["request", "sql", "template"]
    assert all(0 <= b["left"] <= 100 and 0 < b["width"] <= 100 for b in bars)


def test_the_log_keeps_the_last_200_and_ignores_garbage():
    log = RequestLog()
    for i in range(205):
        log.add({"method": "GET", "path": f"/{i}", "status": 200, "queries": "nonsense", "duration_ms": "x"})
    recent = log.recent()
    assert len(recent) == 200 and recent[0].path == "/204" and recent[-1].path == "/5"
    assert recent[0].queries == [] and recent[0].duration_ms == 0.0


def make_db(path, rows=120):
    connection = sqlite3.connect(path)
    connection.execute('CREATE TABLE "post" (id INTEGER PRIMARY KEY, title VARCHAR(80) NOT NULL, body TEXT)')
    connection.execute('CREATE TABLE "odd ""name""" (x)')
    connection.executemany("INSERT INTO post (title, body) VALUES (?, ?)", [(f"T{i}", "b" * 400) for i in range(rows)])
    connection.commit()
    connection.close()


def test_the_browser_lists_tables_columns_counts_and_pages_rows(tmp_path):
    make_db(tmp_path / "blog.db")
    assert dbbrowser.find_databases(tmp_path) == ["blog.db"]
    tables = {t.name: t for t in dbbrowser.tables(tmp_path / "blog.db")}
    post = tables["post"]
    assert post.rows == 120 and post.sql.startswith('CREATE TABLE "post"')
    assert [(c["name"], c["type"]) for c in post.columns] == [("id", "INTEGER"), ("title", "VARCHAR(80)"), ("body", "TEXT")]
    assert tables['odd "name"'].columns[0]["type"] == "(any)"
    page = dbbrowser.rows(tmp_path / "blog.db", "post", 3)
    assert (page.page, page.pages, len(page.rows)) == (3, 3, 20) and page.rows[0][1] == "T100"
    assert page.rows[0][2].endswith("…")


def test_the_browser_never_writes(tmp_path):
    make_db(tmp_path / "blog.db")
    before = (tmp_path / "blog.db").read_bytes()
    connection = dbbrowser.connect(tmp_path / "blog.db")
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        connection.execute("DELETE FROM post")
    connection.close()
    with pytest.raises(BrowseError, match="no table called"):
        dbbrowser.rows(tmp_path / "blog.db", 'post"; DROP TABLE post; --')
    assert (tmp_path / "blog.db").read_bytes() == before


def test_only_the_workspaces_own_databases_can_be_opened(tmp_path):
    make_db(tmp_path / "blog.db")
    with pytest.raises(BrowseError):
        dbbrowser.database_path(tmp_path, "../blog.db")


# --- routes ----------------------------------------------------------------------------


@pytest.fixture
def preview(services):
    opened = []
    services.start_preview(PreviewManager(watch=False, opener=lambda path: opened.append(path) or True))
    services.preview.opened = opened
    yield services.preview
    services.preview.close()


@pytest.fixture
def lesson(services, tmp_path):
    pack = new_pack(tmp_path / "pack", pack_id="mini", title="Mini")
    services.catalog.install(tmp_path / "pack")
    return f"/learn/{pack.id}/{pack.lessons[0].id}/{pack.lessons[0].steps[0].id}"


def test_a_code_step_starts_the_preview_and_the_pane_is_on_the_page(client, preview, lesson, settings):
    page = client.get(lesson)
    assert 'id="preview-frame"' in page.text and 'sandbox="allow-scripts allow-forms allow-same-origin allow-popups"' in page.text
    assert "allow-top-navigation" not in page.text
    status = client.post(lesson + "/preview", headers={"X-CSRF-Token": client.csrf}).json
    assert status["url"].startswith("http://localhost:")
    learner = current_learner().id
    assert preview.workspace(learner) == settings.workspaces_dir / str(learner) / "mini" / "01-first-route"
    # The pane polls the status until the starter app is up, as the page's script does.
    polled = wait_for(lambda: (found := client.get("/preview-status").json)["state"] == "running" and found,
                      what="the starter app to run")
    assert polled["url"] == status["url"] and "output" in polled


def test_the_preview_of_a_new_lesson_starts_even_before_the_pages_visit_arrives(client, preview, lesson):
    client.run_page_scripts = False  # the pane's request overtakes the page's visit POST, which writes the files
    client.get(lesson)
    status = client.post(lesson + "/preview", headers={"X-CSRF-Token": client.csrf}).json
    assert status.get("state") != "none" and status["url"].startswith("http://localhost:"), status


def test_preview_status_without_a_preview_says_stopped(client, preview):
    assert client.get("/preview-status").json == {"state": "stopped"}


def test_the_inspector_and_database_pages(client, services, preview, blog):
    learner = current_learner().id
    url = preview.open(learner, blog).url
    get(url + "add/Hello")
    get(url)
    wait_for(lambda: len(services.inspector.requests(learner).recent()) == 2, what="both requests in the log")
    page = client.get("/inspector")
    assert "<code>/</code>" in page.text and "SELECT &quot;t1&quot;.&quot;id&quot;" in page.text
    listing = client.get("/inspector/requests")
    assert "/add/Hello" in listing.text
    first = services.inspector.requests(learner).recent()[-1].id
    detail = client.get(f"/inspector/requests/{first}", headers={"HX-Request": "true"})
    assert "INSERT INTO" in detail.text and "&#039;Hello&#039;" in detail.text
    client.get("/inspector/requests/9999", status=404)
    db = client.get("/database?file=blog.db&table=post")
    assert "Hello" in db.text and "CREATE TABLE" in db.text and "1 rows" in db.text
    assert "no table called" in client.get("/database?file=blog.db&table=nope", status=404).text
    client.get("/database?file=../x.db", status=404)


def test_open_folder_and_restart_need_csrf(client, anon, preview, blog):
    learner = current_learner().id
    preview.open(learner, blog)
    client.post("/preview-folder", status=403)
    client.post("/preview-folder", headers={"X-CSRF-Token": client.csrf}, status=204)
    assert preview.opened == [blog.resolve()]
    status = client.post("/preview-restart", headers={"X-CSRF-Token": client.csrf}).json
    assert status["generation"] == 2
    anon.get("/inspector", status=403)
    anon.get("/database", status=403)


def test_a_post_from_the_preview_origin_is_refused(client, preview, blog, settings):
    url = preview.open(current_learner().id, blog).url
    origin = url.rstrip("/")
    client.post("/settings", {"name": "Hacked", "theme": "dark", "font_size": "14", "csrf_token": client.csrf},
                headers={"Origin": origin, "Sec-Fetch-Site": "cross-site"}, status=403)
    assert current_learner().name != "Hacked"
    # The preview's host is not the sandbox's: a request naming it is refused outright.
    client.get("/", headers={"Host": origin.removeprefix("http://")}, status=400)


def test_the_could_not_start_page_is_recorded_too(manager, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "app.py").write_text("from bottle import Bottle\napp = Bottle(\n")
    inspector = Inspector()
    manager.add_listener(inspector.listen)
    url = manager.open(1, folder).url
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(url, timeout=5)
    wait_for(lambda: inspector.requests(1).recent(), what="the request to be recorded")
    assert inspector.requests(1).recent()[0].status == 500


def test_sql_run_through_the_sqlite3_module_is_recorded(manager, tmp_path):
    """The Bottle tutorial's todo app talks to sqlite3 directly, without Peewee."""
    folder = tmp_path / "todo"
    folder.mkdir()
    (folder / "app.py").write_text(textwrap.dedent("""\
        import sqlite3
        from bottle import Bottle
        app = Bottle()

        @app.route("/")
        def todo_list():
            conn = sqlite3.connect("todo.db")
            conn.execute("CREATE TABLE IF NOT EXISTS todo (id INTEGER PRIMARY KEY, task TEXT)")
            rows = conn.execute("SELECT id, task FROM todo WHERE id > ?", (0,)).fetchall()
            conn.close()
            return str(len(rows))
        """))
    inspector = Inspector()
    manager.add_listener(inspector.listen)
    url = manager.open(1, folder).url
    assert get(url) == "0"
    wait_for(lambda: inspector.requests(1).recent(), what="the request to be recorded")
    sql = [q.sql for q in inspector.requests(1).recent()[0].queries]
    assert any(q.startswith("CREATE TABLE IF NOT EXISTS todo") for q in sql)
    assert any(q.startswith("SELECT id, task FROM todo") for q in sql), sql

"""The workbench: the file panel's create, rename and delete (service and routes), and the page's long poll."""

from __future__ import annotations

import threading

import pytest

from sandbox.errors import WorkspaceError
from sandbox.packs.install import install_pack
from sandbox.store.models import Learner
from sandbox.work import tree
from sandbox.work.workspace import ensure_started, history, open_workspace, restore, save_file, text_hash
from tests.support import FIXTURE_PACK, HELLO_STEP

START = {"app.py": b"from bottle import Bottle\napp = Bottle()\n"}


@pytest.fixture
def ws(store, tmp_path):
    learner = Learner.select().first()
    found = open_workspace(tmp_path / "workspaces", learner.id, "web101", "01-hello")
    ensure_started(found, START)
    return found


def test_a_file_in_a_new_folder_creates_the_folder(ws):
    tree.create_file(ws, "views/layout.tpl")
    assert (ws.path / "views" / "layout.tpl").read_text() == ""
    entries = [(e.path, e.folder) for e in tree.list_tree(ws)]
    assert entries == [("views", True), ("views/layout.tpl", False), ("app.py", False)]
    assert history(ws, "views/layout.tpl")[0].reason == "created"


def test_an_empty_folder_shows_in_the_panel(ws):
    tree.create_folder(ws, "static/css")
    assert ("static", True) in [(e.path, e.folder) for e in tree.list_tree(ws)]
    assert ("static/css", True) in [(e.path, e.folder) for e in tree.list_tree(ws)]


@pytest.mark.parametrize("name, words", [
    ("../outside.py", "points outside your workspace"),
    ("/etc/passwd", "is absolute"),
    ("con.py", "cannot be used on every computer"),
    ("app.py", "already a file called 'app.py'"),
    ("x" * 201, "too long"),
    (".env", "hidden file"),
    ("blog.db", "keeps for data or compiled files"),
    ("venv/lib.py", "folder the sandbox leaves out"),
    ("app.py/inner.py", "'app.py' is a file"),
    ("", "A file name is needed"),
])
def test_bad_names_are_refused_with_a_sentence_and_nothing_changes(ws, name, words):
    before = sorted(p.relative_to(ws.path).as_posix() for p in ws.path.rglob("*"))
    with pytest.raises(WorkspaceError, match=words):
        tree.create_file(ws, name)
    assert sorted(p.relative_to(ws.path).as_posix() for p in ws.path.rglob("*")) == before


def test_a_deleted_file_stays_in_history_and_can_be_restored(ws):
    save_file(ws, "models.py", "class Article: pass\n")
    assert tree.delete(ws, "models.py") == ["models.py"]
    assert not (ws.path / "models.py").exists()
    [gone] = tree.deleted_files(ws)
    assert gone["path"] == "models.py"
    restore(ws, gone["version"])
    assert (ws.path / "models.py").read_text() == "class Article: pass\n"
    assert tree.deleted_files(ws) == []


def test_deleting_a_folder_keeps_every_text_file_in_history(ws):
    tree.create_file(ws, "views/index.tpl", "<h1>Hi</h1>")
    tree.create_file(ws, "views/parts/nav.tpl", "<nav></nav>")
    assert tree.delete(ws, "views") == ["views/index.tpl", "views/parts/nav.tpl"]
    assert not (ws.path / "views").exists()
    assert {d["path"] for d in tree.deleted_files(ws)} == {"views/index.tpl", "views/parts/nav.tpl"}


def test_rename_moves_the_file_and_keeps_both_histories(ws):
    save_file(ws, "helpers.py", "X = 1\n")
    tree.rename(ws, "helpers.py", "lib/helpers.py")
    assert (ws.path / "lib" / "helpers.py").read_text() == "X = 1\n" and not (ws.path / "helpers.py").exists()
    assert history(ws, "lib/helpers.py")[0].reason == "renamed"
    assert [d["path"] for d in tree.deleted_files(ws)] == ["helpers.py"]


def test_rename_refuses_a_taken_name_and_moving_a_folder_into_itself(ws):
    tree.create_folder(ws, "views")
    with pytest.raises(WorkspaceError, match="already a file called 'app.py'"):
        tree.create_file(ws, "app.py")
    with pytest.raises(WorkspaceError, match="already a folder called 'views'"):
        tree.rename(ws, "app.py", "views")
    with pytest.raises(WorkspaceError, match="inside itself"):
        tree.rename(ws, "views", "views/inner")
    with pytest.raises(WorkspaceError, match="no file or folder called 'nope.py'"):
        tree.rename(ws, "nope.py", "x.py")


def test_the_signature_changes_when_another_program_writes_a_file(ws):
    before = tree.signature(ws)
    (ws.path / "notes.txt").write_text("written by the terminal")
    assert tree.signature(ws) != before


def test_a_save_from_an_editor_that_started_from_an_older_text_is_refused_with_both_texts(ws):
    from sandbox.errors import WorkspaceConflict

    old = (ws.path / "app.py").read_text()
    (ws.path / "app.py").write_text(old + "# from a second tab\n")
    with pytest.raises(WorkspaceConflict) as refused:
        save_file(ws, "app.py", old + "# typed here\n", base=text_hash(old))
    assert refused.value.disk_text.endswith("# from a second tab\n")
    assert refused.value.typed_text.endswith("# typed here\n")
    assert (ws.path / "app.py").read_text().endswith("# from a second tab\n")
    assert history(ws, "app.py")[0].reason == "conflict"
    save_file(ws, "app.py", old + "# typed here\n", base=text_hash(old + "# from a second tab\n"))  # chosen
    assert (ws.path / "app.py").read_text().endswith("# typed here\n")


# --- routes --------------------------------------------------------------------------------


@pytest.fixture
def step(client, settings):
    install_pack(FIXTURE_PACK, settings.packs_dir)
    client.get(HELLO_STEP)
    return settings.workspaces_dir / "1" / "hello-web" / "01-first-routes"


def test_the_panel_creates_renames_and_deletes_through_its_routes(client, step):
    made = client.post(HELLO_STEP + "/files", {"path": "views/index.tpl", "csrf_token": client.csrf}).json
    assert made["file"] == {"path": "views/index.tpl", "content": "", "language": "html", "version": text_hash("")}
    assert "views/index.tpl" in [e["path"] for e in made["tree"]["entries"]]
    client.post(HELLO_STEP + "/files", {"path": "static", "folder": "1", "csrf_token": client.csrf})
    assert (step / "static").is_dir()
    client.post(HELLO_STEP + "/files/rename", {"path": "views/index.tpl", "new_path": "views/home.tpl",
                                               "csrf_token": client.csrf})
    assert (step / "views" / "home.tpl").exists()
    gone = client.post(HELLO_STEP + "/files/delete", {"path": "views", "csrf_token": client.csrf}).json
    assert gone["deleted"] == ["views/home.tpl"] and not (step / "views").exists()


def test_a_refused_name_is_a_400_sentence(client, step):
    r = client.post(HELLO_STEP + "/files", {"path": "../evil.py", "csrf_token": client.csrf}, status=400)
    assert "points outside your workspace" in r.text
    assert not (step.parent / "evil.py").exists()


def test_the_file_routes_need_the_csrf_token(client, step):
    client.post(HELLO_STEP + "/files", {"path": "x.py"}, status=403)
    assert not (step / "x.py").exists()


def test_the_long_poll_answers_at_once_with_what_the_page_does_not_know(client, step):
    first = client.get(HELLO_STEP + "/events").json["news"]
    assert [e["path"] for e in first["files"]["entries"]] == ["app.py"]
    signature = first["files"]["signature"]
    assert client.get(HELLO_STEP + "/events", {"files": signature}).json == {"news": {}}


def test_the_long_poll_wakes_when_another_program_creates_a_file(client, step):
    signature = client.get(HELLO_STEP + "/events").json["news"]["files"]["signature"]
    answer = {}
    waiting = threading.Thread(target=lambda: answer.update(
        client.get(HELLO_STEP + "/events", {"files": signature, "wait": "10"}).json))
    waiting.start()
    (step / "models.py").write_text("# made by the terminal\n")
    waiting.join(15)
    assert not waiting.is_alive()
    assert "models.py" in [e["path"] for e in answer["news"]["files"]["entries"]]


def test_a_stale_autosave_answers_409_with_both_versions(client, step):
    page_text = (step / "app.py").read_text()
    (step / "app.py").write_text(page_text + "# second tab\n")
    r = client.post(HELLO_STEP + "/save", {"path": "app.py", "content": page_text + "# here\n",
                                           "version": text_hash(page_text), "csrf_token": client.csrf},
                    headers={"Accept": "application/json"}, status=409)
    assert r.json["disk_text"].endswith("# second tab\n") and r.json["typed_text"].endswith("# here\n")


# --- the terminal through the routes ---------------------------------------------------------


@pytest.fixture
def terminal_step(client, services, settings, environment, outside_pytest_temp):
    from sandbox.terminal.manager import TerminalManager

    services.start_terminals(TerminalManager(environment=environment))
    install_pack(FIXTURE_PACK, settings.packs_dir)
    client.get(HELLO_STEP)
    yield client
    services.terminals.close()


def poll_output(client, terminal_id: str, want: str, offset: int = 0) -> str:
    seen = ""
    for _ in range(60):
        news = client.get(HELLO_STEP + "/events", {"terminals": f"{terminal_id}:{offset}", "wait": "2",
                                                   "files": "x" * 16}).json["news"]
        change = news.get("terminals", {}).get(terminal_id)
        if change:
            seen += change.get("output", "")
            offset = change.get("end", offset)
        if want in seen:
            return seen
    raise AssertionError(f"{want!r} never came; the terminal showed {seen[-500:]!r}")


def test_a_terminal_opens_in_the_lesson_folder_and_its_output_comes_through_the_long_poll(terminal_step):
    client = terminal_step
    opened = client.post(HELLO_STEP + "/terminals", {"kind": "shell", "csrf_token": client.csrf}).json
    client.post(f"/terminals/{opened['id']}/input", {"data": "echo $((6*7)) && pwd\n", "csrf_token": client.csrf})
    shown = poll_output(client, opened["id"], "/hello-web/01-first-routes\r\n")  # pwd's line, not the prompt
    assert "42\r\n" in shown.split("pwd", 2)[-1]
    client.post(f"/terminals/{opened['id']}/resize", {"cols": "100", "rows": "30", "csrf_token": client.csrf})
    client.post(f"/terminals/{opened['id']}/close", {"csrf_token": client.csrf})
    client.post(f"/terminals/{opened['id']}/input", {"data": "x", "csrf_token": client.csrf}, status=404)


def test_the_python_shell_imports_the_learners_files(terminal_step):
    client = terminal_step
    opened = client.post(HELLO_STEP + "/terminals", {"kind": "python", "csrf_token": client.csrf}).json
    poll_output(client, opened["id"], ">>> ")  # typed before the prompt, readline would not run the line
    client.post(f"/terminals/{opened['id']}/input", {"data": "import app; print(type(app.app).__name__)\n",
                                                     "csrf_token": client.csrf})
    assert "Bottle" in poll_output(client, opened["id"], "Bottle\r\n")


def test_terminal_routes_refuse_without_csrf_and_odd_kinds(terminal_step):
    client = terminal_step
    client.post(HELLO_STEP + "/terminals", {"kind": "shell"}, status=403)
    client.post(HELLO_STEP + "/terminals", {"kind": "rm -rf", "csrf_token": client.csrf}, status=400)
    client.post("/terminals/nope/input", {"data": "ls\n", "csrf_token": client.csrf}, status=404)

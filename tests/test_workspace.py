"""The learner's workspace: starting, saving, history, restore, reset and refusing hostile paths."""

from __future__ import annotations

import os

import pytest

from sandbox.errors import WorkspaceError
from sandbox.store.models import FileVersion, Learner, now
from sandbox.work.versions import thin
from sandbox.work.workspace import (
    MAX_FILE_BYTES,
    ensure_started,
    history,
    language_for,
    list_files,
    open_workspace,
    read_file,
    reset_step,
    resolve,
    restore,
    save_file,
    snapshot,
)
from tests.conftest import need

STARTERS = {
    "app.py": b"from bottle import Bottle\napp = Bottle()\n",
    "views/index.tpl": b"<h1>{{title}}</h1>\n",
    "static/style.css": b"body { margin: 0; }\n",
    "static/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00binary",
}


@pytest.fixture
def learner(store):
    return Learner.select().order_by(Learner.id).first()


@pytest.fixture
def ws(tmp_path, learner):
    return open_workspace(tmp_path / "workspaces", learner.id, "web101", "01-hello")


@pytest.fixture
def started(ws):
    ensure_started(ws, STARTERS)
    return ws


def reasons(ws, rel):
    return [v.reason for v in history(ws, rel)]


def test_workspace_folder_is_per_learner_pack_and_lesson(tmp_path, ws, learner):
    assert ws.path == tmp_path / "workspaces" / str(learner.id) / "web101" / "01-hello"


@pytest.mark.parametrize("pack, lesson", [("..", "x"), ("a/b", "x"), ("web", ""), ("web", ".hidden"), ("web", "a\\b")])
def test_unsafe_pack_or_lesson_ids_are_refused(tmp_path, learner, pack, lesson):
    with pytest.raises(WorkspaceError):
        open_workspace(tmp_path, learner.id, pack, lesson)


def test_starter_files_are_written_on_first_open(started):
    assert (started.path / "app.py").read_bytes() == STARTERS["app.py"]
    assert (started.path / "static" / "logo.png").read_bytes() == STARTERS["static/logo.png"]
    assert reasons(started, "app.py") == ["starter"]
    assert history(started, "static/logo.png") == []  # binary files are not kept in history


def test_starter_files_do_not_overwrite_on_second_open(started):
    save_file(started, "app.py", "mine\n")
    assert ensure_started(started, STARTERS) is False
    assert read_file(started, "app.py") == "mine\n"
    assert reasons(started, "app.py") == ["save", "starter"]


def test_first_open_reports_created_and_leaves_no_temporary_folder(ws):
    assert ensure_started(ws, STARTERS) is True
    assert sorted(p.name for p in ws.path.parent.iterdir()) == ["01-hello"]


def test_carry_over_copies_the_previous_lessons_files(tmp_path, started, learner):
    save_file(started, "app.py", "carried\n")
    save_file(started, "models.py", "class Note: pass\n")
    next_ws = open_workspace(tmp_path / "workspaces", learner.id, "web101", "02-forms")
    assert ensure_started(next_ws, {"app.py": b"fresh starter\n"}, carry_from=started) is True
    assert read_file(next_ws, "app.py") == "carried\n"
    assert snapshot(next_ws) == snapshot(started)
    assert reasons(next_ws, "models.py") == ["carry"]


def test_carry_over_brings_the_new_lessons_files_the_learner_does_not_have_yet(tmp_path, started, learner):
    """Lesson 2's first step says "open models.py": carrying on from lesson 1 must bring it along."""
    save_file(started, "app.py", "my own app\n")
    next_ws = open_workspace(tmp_path / "workspaces", learner.id, "web101", "02-models")
    ensure_started(next_ws, {"app.py": b"lesson two's app\n", "models.py": b"# define Article here\n"},
                   carry_from=started)
    assert read_file(next_ws, "app.py") == "my own app\n"
    assert read_file(next_ws, "models.py") == "# define Article here\n"
    assert reasons(next_ws, "models.py") == ["starter"] and reasons(next_ws, "app.py") == ["carry"]


def test_carry_over_from_an_empty_lesson_uses_the_starters(tmp_path, ws, learner):
    next_ws = open_workspace(tmp_path / "workspaces", learner.id, "web101", "02-forms")
    ensure_started(next_ws, {"app.py": b"fresh\n"}, carry_from=ws)
    assert read_file(next_ws, "app.py") == "fresh\n"
    assert reasons(next_ws, "app.py") == ["starter"]


def test_save_is_atomic_and_recorded(started):
    version = save_file(started, "app.py", "print('hi')\r\n")
    assert (started.path / "app.py").read_bytes() == b"print('hi')\r\n"  # newlines kept as typed
    assert [p.name for p in started.path.iterdir() if p.name.startswith(".")] == []
    assert (version.learner_id, version.pack_id, version.lesson_id, version.path, version.reason) == (
        started.learner_id, "web101", "01-hello", "app.py", "save")
    assert version.content == "print('hi')\r\n" and version.created_at is not None


def test_save_creates_new_files_and_folders(started):
    save_file(started, "views/parts/nav.tpl", "<nav>é</nav>")
    assert (started.path / "views" / "parts" / "nav.tpl").read_text(encoding="utf-8") == "<nav>é</nav>"
    assert "views/parts/nav.tpl" in list_files(started)


def test_identical_save_is_not_recorded_twice(started):
    assert save_file(started, "app.py", "x = 1\n") is not None
    assert save_file(started, "app.py", "x = 1\n") is None
    assert reasons(started, "app.py") == ["save", "starter"]


def test_save_writes_the_disk_even_when_history_already_has_the_text(started):
    save_file(started, "app.py", "x = 1\n")
    (started.path / "app.py").write_text("edited elsewhere\n")
    assert save_file(started, "app.py", "x = 1\n") is None
    assert read_file(started, "app.py") == "x = 1\n"


def test_history_is_newest_first_and_limited(started):
    for n in range(5):
        save_file(started, "app.py", f"v{n}\n")
    assert [v.content for v in history(started, "app.py", limit=3)] == ["v4\n", "v3\n", "v2\n"]
    assert len(history(started, "app.py")) == 6


def _age(ws, rel, days_ago_by_content):
    """Backdate versions: {content: days ago}, several versions per day when they share a count."""
    import datetime as dt

    for version in history(ws, rel, limit=1000):
        if version.content in days_ago_by_content:
            day = now() - dt.timedelta(days=days_ago_by_content[version.content])
            when = day.replace(hour=12, minute=version.id % 60)
            FileVersion.update(created_at=when).where(FileVersion.id == version.id).execute()


def test_history_keeps_the_newest_versions_and_the_last_autosave_of_each_older_day(started):
    for n in range(12):
        save_file(started, "app.py", f"old {n}\n")
    restore(started, history(started, "app.py", limit=1000)[-1].id)  # the starter, put back
    _age(started, "app.py", {f"old {n}\n": 3 - n // 4 for n in range(12)} | {STARTERS["app.py"].decode(): 3})
    for n in range(4):
        save_file(started, "app.py", f"new {n}\n")

    removed = thin(started, "app.py", keep_recent=5)

    kept = [(v.reason, v.content) for v in history(started, "app.py", limit=1000)]
    assert removed == 9
    assert kept == [("save", "new 3\n"), ("save", "new 2\n"), ("save", "new 1\n"), ("save", "new 0\n"),
                    ("restore", STARTERS["app.py"].decode()),
                    ("save", "old 11\n"), ("save", "old 7\n"), ("save", "old 3\n"),
                    ("starter", STARTERS["app.py"].decode())]
    assert thin(started, "app.py", keep_recent=5) == 0


def test_saving_thins_only_the_file_saved_and_only_beyond_the_recent_ones(started, monkeypatch):
    import sandbox.work.versions as versions

    monkeypatch.setattr(versions, "KEEP_RECENT", 3)
    for n in range(6):
        save_file(started, "notes.txt", f"note {n}\n")
        save_file(started, "app.py", f"v{n}\n")
    # Same day: of the older autosaves only the last survives; the starter is never thinned.
    assert [v.content for v in history(started, "app.py")] == ["v5\n", "v4\n", "v3\n", "v2\n",
                                                               STARTERS["app.py"].decode()]
    assert [v.content for v in history(started, "notes.txt")] == ["note 5\n", "note 4\n", "note 3\n", "note 2\n"]


def test_restore_writes_the_old_version_back_and_records_it(started):
    first = save_file(started, "app.py", "first\n")
    save_file(started, "app.py", "second\n")
    restored = restore(started, first.id)
    assert read_file(started, "app.py") == "first\n"
    assert restored.reason == "restore" and restored.content == "first\n"
    assert [v.content for v in history(started, "app.py")][:3] == ["first\n", "second\n", "first\n"]


def test_restore_refuses_a_version_from_another_workspace(tmp_path, started, learner):
    other = open_workspace(tmp_path / "workspaces", learner.id, "web101", "02-forms")
    ensure_started(other, {"app.py": b"other\n"})
    foreign = history(other, "app.py")[0]
    with pytest.raises(WorkspaceError, match="does not belong"):
        restore(started, foreign.id)
    with pytest.raises(WorkspaceError):
        restore(started, 999_999)
    assert read_file(started, "app.py") == STARTERS["app.py"].decode()


def test_restore_keeps_text_edited_outside_the_sandbox(started):
    first = save_file(started, "app.py", "first\n")
    (started.path / "app.py").write_text("typed in another editor\n")
    restore(started, first.id)
    assert "typed in another editor\n" in [v.content for v in history(started, "app.py")]


def test_reset_keeps_old_versions_in_history(started):
    save_file(started, "app.py", "my work\n")
    reset_step(started, {"app.py": b"step start\n"})
    assert read_file(started, "app.py") == "step start\n"
    versions = history(started, "app.py")
    assert [(v.reason, v.content) for v in versions[:2]] == [("reset", "step start\n"), ("before-reset", "my work\n")]


def test_reset_deletes_extra_files_only_after_recording_them(started):
    save_file(started, "notes/todo.txt", "remember this\n")
    removed = reset_step(started, {"app.py": b"start\n", "views/index.tpl": b"<p>\n"})
    assert "notes/todo.txt" in removed and "static/style.css" in removed
    assert not (started.path / "notes").exists()
    assert (started.path / "static" / "logo.png").exists()  # binary: history cannot hold it, so it stays
    kept = history(started, "notes/todo.txt")[0]
    assert (kept.reason, kept.content) == ("before-reset", "remember this\n")
    assert list_files(started) == ["app.py", "static/logo.png", "views/index.tpl"]


HOSTILE = [
    "../x", "/etc/passwd", "a/../../x", "..", "C:\\x", "C:x", "c:/windows", "a\\b", ".git/config", ".env",
    "x\x00y", "", "   ", "a//b", "a/", "./app.py", "views/.secret", "a\nb", "con.py", "a:b", "name.",
    "x" * 300, "\\\\server\\share",
]


@pytest.mark.parametrize("rel", HOSTILE)
def test_hostile_paths_are_refused(started, rel):
    with pytest.raises(WorkspaceError):
        resolve(started, rel)
    with pytest.raises(WorkspaceError):
        save_file(started, rel, "pwned")
    with pytest.raises(WorkspaceError):
        read_file(started, rel)


def test_hostile_paths_are_refused_with_a_sentence(started):
    with pytest.raises(WorkspaceError, match="outside your workspace"):
        resolve(started, "a/../../x")


def test_symlink_leading_outside_is_refused(tmp_path, started):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    try:
        (started.path / "link.txt").symlink_to(secret)
        (started.path / "linkdir").symlink_to(outside, target_is_directory=True)
    except OSError:
        need(False, "this system cannot make symlinks")
    for rel in ("link.txt", "linkdir/x.py"):
        with pytest.raises(WorkspaceError, match="outside your workspace"):
            save_file(started, rel, "pwned")
        with pytest.raises(WorkspaceError):
            read_file(started, rel)
    assert secret.read_text() == "do not read" and list(outside.iterdir()) == []
    assert "link.txt" not in list_files(started) and "link.txt" not in snapshot(started)


def test_too_large_file_is_refused(started):
    with pytest.raises(WorkspaceError, match="at most 1 MB"):
        save_file(started, "app.py", "x" * (MAX_FILE_BYTES + 1))
    assert read_file(started, "app.py") == STARTERS["app.py"].decode()
    assert reasons(started, "app.py") == ["starter"]


def test_binary_file_cannot_be_opened_in_the_editor(started):
    with pytest.raises(WorkspaceError, match="not a text file"):
        read_file(started, "static/logo.png")
    with pytest.raises(WorkspaceError, match="no file"):
        read_file(started, "missing.py")


def test_list_files_puts_app_py_first_and_skips_generated_and_hidden_files(started):
    save_file(started, "Zeta.py", "")
    save_file(started, "models.py", "")
    for junk in ("__pycache__/app.cpython-311.pyc", "notes.db", "data.sqlite", "data.sqlite3", "notes.db-journal",
                 ".hidden", ".git/config", "models.pyc"):
        path = started.path / junk
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"junk")
    assert list_files(started) == [
        "app.py", "models.py", "static/logo.png", "static/style.css", "views/index.tpl", "Zeta.py",
    ]


def test_list_files_of_a_workspace_not_started_is_empty(ws):
    assert list_files(ws) == [] and snapshot(ws) == {}


@pytest.mark.parametrize("rel, language", [
    ("app.py", "python"), ("views/index.tpl", "html"), ("page.HTML", "html"), ("static/site.css", "css"),
    ("static/app.js", "javascript"), ("README.md", "text"), ("Makefile", "text"),
])
def test_language_for_names_the_editor_mode(rel, language):
    assert language_for(rel) == language


def test_history_rows_are_kept_per_learner(tmp_path, started):
    other = Learner.create(name="Second")
    theirs = open_workspace(tmp_path / "workspaces", other.id, "web101", "01-hello")
    ensure_started(theirs, {"app.py": b"theirs\n"})
    save_file(started, "app.py", "mine\n")
    assert [v.content for v in history(theirs, "app.py")] == ["theirs\n"]
    assert FileVersion.select().where(FileVersion.learner == other.id).count() == 1
    assert os.path.commonpath([theirs.path, started.path]) == str(tmp_path / "workspaces")

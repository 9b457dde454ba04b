"""The sandbox's own concurrent requests never cost a learner their text, nor answer 500.

Two tabs autosaving one file at once, page loads and Checks while autosaves run, a Check copying a
workspace that an autosave is changing, and what a crash leaves behind. Each save of a file is one
critical section (check the disk, write it, record it in history), and a writing transaction
starts as the writer, so it waits its turn instead of failing with "database is locked".
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from sandbox.checker.limits import copy_tree
from sandbox.errors import StorageError, WorkspaceConflict
from sandbox.files import write_atomic
from sandbox.store.models import FileVersion
from sandbox.work import workspace as wsmod
from sandbox.work.workspace import (
    adopt_outside_edits,
    open_workspace,
    save_file,
    text_hash,
)
from tests.support import HELLO_APP, HELLO_STEP, Live, install_fixture_pack

WORKSPACE = ("workspaces", "1", "hello-web", "01-first-routes")
JSON = {"Accept": "application/json"}


class Tab:
    """One browser tab's editor on app.py, as app.js drives it: one save at a time, each carrying the
    version it started from; after a conflict it does what "Keep what I typed" does."""

    def __init__(self, live: Live, name: str, version: str):
        self.live, self.name, self.version = live, name, version
        self.statuses: list[int] = []
        self.acknowledged: list[str] = []
        self.saved_from: list[tuple[str, str]] = []  # (the version a save started from, its text), when saved

    def save(self, content: str) -> int:
        status, body = self.live.post(HELLO_STEP + "/save", {"path": "app.py", "content": content,
                                                              "version": self.version}, headers=JSON)
        self.statuses.append(status)
        if status == 200:
            self.saved_from.append((self.version, content))
            self.version = json.loads(body)["version"]
            self.acknowledged.append(content)
        elif status == 409:
            self.version = json.loads(body)["disk_version"]  # the learner chose their own text
        return status

    def type_and_save(self, rounds: int) -> None:
        for n in range(rounds):
            self.save(HELLO_APP + f"# {self.name} typed {n}\n")


def history_of(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT content, reason FROM fileversion WHERE path = 'app.py' ORDER BY id").fetchall()
    finally:
        conn.close()


def load_page(learner: Live) -> list[int]:
    """What opening the lesson page sends: the page, then the script's visit (files kept, time counted)."""
    statuses = [learner.get(HELLO_STEP)[0]]
    visit = learner.post(HELLO_STEP + "/visit", {}, headers=JSON)[0]
    return statuses + ([visit] if visit not in (404, 405) else [])  # 404/405: the GET did the visit's work


@pytest.fixture
def live(sandbox_process, tmp_path):
    data = tmp_path / "data"
    install_fixture_pack(data)
    _proc, url = sandbox_process(data)
    learner = Live(url)
    assert set(load_page(learner)) == {200}
    status, _ = learner.post(HELLO_STEP + "/save", {"path": "app.py", "content": HELLO_APP}, headers=JSON)
    assert status == 200
    learner.data = data
    learner.url = url
    return learner


@pytest.mark.slow
def test_two_tabs_saving_one_file_at_once_never_leave_it_in_a_lasting_conflict(live):
    app_file = live.data.joinpath(*WORKSPACE, "app.py")
    start = text_hash(app_file.read_text())
    tabs = [Tab(Live(live.url), name, start) for name in ("left", "right", "third")]
    threads = [threading.Thread(target=tab.type_and_save, args=(40,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    for tab in tabs:
        assert set(tab.statuses) <= {200, 409}, f"{tab.name} tab got {sorted(set(tab.statuses))}"
    # No lost update: two different texts saved from the same version cannot both have been written
    # over it (the second must find the first on disk and answer 409).
    saved_over: dict[str, set[str]] = {}
    for version, content in (pair for tab in tabs for pair in tab.saved_from):
        saved_over.setdefault(version, set()).add(content)
    assert all(len(texts) == 1 for texts in saved_over.values()), \
        [sorted(texts) for texts in saved_over.values() if len(texts) > 1][:2]
    # The disk and its history agree: the text on disk is the newest version written to it.
    rows = history_of(live.data / "sandbox.db")
    on_disk = app_file.read_text()
    assert [content for content, reason in rows if reason != "conflict"][-1] == on_disk
    assert {text for tab in tabs for text in tab.acknowledged} <= {content for content, _ in rows}
    # Once the other tab is quiet, each tab's next save reaches the disk (at most one conflict to choose).
    for tab in tabs:
        final = HELLO_APP + f"# {tab.name} after the race\n"
        assert tab.save(final) == 200 or tab.save(final) == 200
        assert app_file.read_text() == final
        assert tab.save(final + "# and one more\n") == 200, "a conflict outlived the race"


@pytest.mark.slow
def test_page_loads_and_checks_during_autosaves_never_answer_500(live):
    app_file = live.data.joinpath(*WORKSPACE, "app.py")
    tab = Tab(Live(live.url), "typing", text_hash(app_file.read_text()))
    stop = threading.Event()
    pages: list[int] = []
    checks: list[tuple[int, str]] = []

    def autosave():
        n = 0
        while not stop.is_set():
            n += 1
            tab.save(HELLO_APP + f"# typed {n}\n")

    def reload_pages():
        reader = Live(live.url)
        for _ in range(60):
            pages.extend(load_page(reader))

    def press_check():
        checker = Live(live.url)
        for _ in range(8):
            # As watch mode does: the files on disk, whatever the autosave just wrote.
            checks.append(checker.post(HELLO_STEP + "/check", {}, headers={"HX-Request": "true"}))

    saver = threading.Thread(target=autosave)
    saver.start()
    others = [threading.Thread(target=reload_pages), threading.Thread(target=press_check)]
    try:
        for thread in others:
            thread.start()
        for thread in others:
            thread.join(240)
    finally:
        stop.set()
        saver.join(30)
    assert pages and set(pages) == {200}, f"page loads answered {sorted(set(pages))}"
    assert set(tab.statuses) == {200}, f"autosaves answered {sorted(set(tab.statuses))}"
    assert checks and {status for status, _ in checks} == {200}, [body[:300] for s, body in checks if s != 200]
    for _status, body in checks:
        assert "could not run this check" not in body and "internal error" not in body, body[:500]


def test_a_check_copies_a_workspace_that_autosaves_and_the_app_are_changing(tmp_path):
    source = tmp_path / "ws"
    source.mkdir()
    texts = [HELLO_APP + f"# {n}\n" * 200 for n in range(3)]
    write_atomic(source / "app.py", texts[0].encode())
    stop = threading.Event()

    def churn():
        n = 0
        while not stop.is_set():
            n += 1
            write_atomic(source / "app.py", texts[n % 3].encode())  # an autosave: temp file, rename
            journal = source / "blog.db-journal"  # what an app's SQLite makes and removes
            journal.write_bytes(b"j" * 4096)
            journal.unlink()
            (source / "views").mkdir(exist_ok=True)
            (source / "views" / "gone.tpl").write_text("x")
            (source / "views" / "gone.tpl").unlink()

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        for n in range(300):
            target = tmp_path / f"copy-{n}"
            copy_tree(source, target, None)
            copied = {p.name for p in target.rglob("*") if p.is_file()}
            assert not [name for name in copied if name.endswith(".tmp")], copied
            assert (target / "app.py").read_text() in texts
    finally:
        stop.set()
        worker.join(10)


def test_a_file_that_vanishes_between_listing_and_copying_is_left_out(tmp_path, monkeypatch):
    """The race above, made certain: the journal is listed, then removed before it is copied."""
    from sandbox.checker import limits

    source = tmp_path / "ws"
    source.mkdir()
    (source / "app.py").write_text(HELLO_APP)
    (source / "blog.db-journal").write_bytes(b"journal")
    (source / ".app.py.ab12cd34.tmp").write_text("an autosave's temporary file")
    listed = limits.walk_files

    def listing_then_vanishing(root, **kw):
        for rel in listed(root, **kw):
            if rel == "blog.db-journal":
                (source / rel).unlink()
            yield rel

    monkeypatch.setattr(limits, "walk_files", listing_then_vanishing)
    copy_tree(source, tmp_path / "copy", None)
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == ["app.py"]


@pytest.mark.slow
def test_what_a_crash_left_in_the_workspaces_is_removed_at_start(sandbox_process, tmp_path):
    data = tmp_path / "data"
    install_fixture_pack(data)
    folder = data.joinpath(*WORKSPACE)
    folder.mkdir(parents=True)
    (folder / "app.py").write_text(HELLO_APP)
    (folder / ".app.py.k3j2h1g0.tmp").write_text("half a save")  # write_atomic's, cut off by a kill
    (folder / "views").mkdir()
    (folder / "views" / ".index.tpl.abcdefgh.tmp").write_text("half")
    (folder / ".deleting-abcd1234").mkdir()  # a deletion cut off halfway
    (folder.parent / ".02-next-steps.starting-zz99yy88").mkdir()  # a lesson being started
    (folder / ".notes.txt").write_text("the learner's own hidden file")  # not the sandbox's: kept
    _proc, url = sandbox_process(data)
    assert Live(url).get(HELLO_STEP)[0] == 200
    left = sorted(p.name for p in folder.parent.rglob(".*"))
    assert left == [".notes.txt"], left
    assert (folder / "app.py").read_text() == HELLO_APP


# -- the conflict rule and the history rows, in one process --------------------------------

@pytest.fixture
def ws(store, tmp_path):
    from sandbox.store.models import Learner

    learner = Learner.create(name="Ada")
    found = open_workspace(tmp_path / "workspaces", learner.id, "pack", "lesson")
    found.path.mkdir(parents=True)
    save_file(found, "app.py", "first\n")
    return found


def test_a_kept_conflict_never_makes_the_next_save_a_conflict(ws):
    with pytest.raises(WorkspaceConflict):
        save_file(ws, "app.py", "typed in a stale tab\n", base=text_hash("something older\n"))
    # The conflict row is the newest in history, but it was never on disk: the disk is still ours.
    assert save_file(ws, "app.py", "second\n", guard=True) is not None
    assert (ws.path / "app.py").read_text() == "second\n"
    with pytest.raises(WorkspaceConflict):
        save_file(ws, "app.py", "stale again\n", base=text_hash("first\n"))
    assert adopt_outside_edits(ws) == []  # nor is the file on disk "changed outside"
    assert [v.reason for v in FileVersion.select().order_by(FileVersion.id)] == \
        ["save", "conflict", "save", "conflict"]


def test_a_save_whose_history_row_cannot_be_committed_leaves_the_old_text_on_disk(ws, store, monkeypatch):
    def refuse():
        raise StorageError("The disk is full.")

    monkeypatch.setattr(store.db, "commit", refuse)
    with pytest.raises(StorageError):
        save_file(ws, "app.py", "never recorded\n", base=text_hash("first\n"))
    monkeypatch.undo()
    assert (ws.path / "app.py").read_text() == "first\n"
    assert save_file(ws, "app.py", "second\n", base=text_hash("first\n")) is not None  # no false conflict


def test_saving_waits_for_a_save_in_progress_instead_of_interleaving(ws, store, monkeypatch):
    """Two saves of one file from two threads: the second reads the disk only after the first recorded."""
    started, release = threading.Event(), threading.Event()
    real_write = wsmod.write_atomic

    def slow_write(path, data, **kw):
        started.set()
        release.wait(5)
        real_write(path, data, **kw)

    monkeypatch.setattr(wsmod, "write_atomic", slow_write)
    outcome = {}

    def first():
        store.connect()
        try:
            outcome["first"] = save_file(ws, "app.py", "from the first tab\n", base=text_hash("first\n"))
        finally:
            store.disconnect()

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(5)
    second = threading.Thread(target=lambda: outcome.setdefault("second", _second(ws, store)))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second save ran while the first was writing"
    release.set()
    thread.join(10)
    second.join(10)
    assert outcome["first"] is not None and outcome["second"] == "conflict"
    assert (ws.path / "app.py").read_text() == "from the first tab\n"


def _second(ws, store):
    store.connect()
    try:
        save_file(ws, "app.py", "from the second tab\n", base=text_hash("first\n"))
        return "saved"
    except WorkspaceConflict:
        return "conflict"
    finally:
        store.disconnect()


def test_every_transaction_starts_as_the_writer_and_commits_durably(store):
    assert store.db._lock_type == "IMMEDIATE"
    conn = store.db.connection()
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert os.path.exists(store.path)


@pytest.mark.browser
def test_check_pressed_while_an_autosave_is_on_its_way_waits_for_it(sandbox_process, browser_page, tmp_path):
    """The page's own save and Check never cross: a slow autosave is still on the wire when Check is
    pressed, and the Check goes after it, so neither is refused as "changed elsewhere"."""
    data = tmp_path / "data"
    install_fixture_pack(data)
    _proc, url = sandbox_process(data)
    page = browser_page
    page.goto(url)
    page.goto(url.split("?")[0].rstrip("/") + HELLO_STEP)
    editor = page.get_by_role("textbox", name="app.py")
    editor.wait_for()
    # The network is slow: each autosave reaches the sandbox 1.5 s after the page sent it.
    page.evaluate("""() => {
        const send = window.fetch;
        window.fetch = (url, options) => String(url).endsWith("/save")
            ? new Promise((resolve) => setTimeout(resolve, 1500)).then(() => send(url, options))
            : send(url, options);
    }""")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(HELLO_APP + "# first words\n")
    page.wait_for_function("() => document.querySelector('.save-status').dataset.state === 'saving'")
    page.keyboard.insert_text("# more words\n")
    page.locator("#check-button").click()
    page.locator("#result").get_by_text("All checks passed.").wait_for(timeout=20_000)
    page.wait_for_timeout(2000)  # any save still on the wire has arrived by now
    page.wait_for_function("() => document.querySelector('.save-status').dataset.state !== 'saving'")
    assert page.locator(".save-status").inner_text() != "Not saved: this file changed elsewhere. Choose a version below."
    assert "Changed in another editor" not in page.locator("#result").inner_text()
    assert page.locator("#conflict").is_hidden()
    assert live_text(data) == HELLO_APP + "# first words\n# more words\n"
    assert [reason for _, reason in history_of(data / "sandbox.db")].count("conflict") == 0


def live_text(data: Path) -> str:
    return data.joinpath(*WORKSPACE, "app.py").read_text()

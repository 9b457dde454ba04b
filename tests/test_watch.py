"""Watch mode: the current step is re-checked whenever a file in its workspace is saved."""

from __future__ import annotations

import threading

import pytest

from sandbox.checker.results import headline
from sandbox.classroom.profiles import current_learner
from sandbox.launch.cli import build_parser
from sandbox.launch.watch_commands import watch_command
from sandbox.packs.build import new_pack
from sandbox.work import coursework
from sandbox.work.watch import NothingToWatch, current_place, summarize, watch
from tests.conftest import wait_for


@pytest.fixture
def place(services, settings, tmp_path):
    pack = new_pack(tmp_path / "pack", pack_id="mini", title="Mini")
    services.catalog.install(tmp_path / "pack")
    lesson = pack.lessons[0]
    here = coursework.find(services.catalog, current_learner().id, settings.workspaces_dir, "mini",
                           lesson.id, lesson.steps[0].id)
    coursework.visit(here)  # opening the step (its page, then its visit) starts the lesson and marks it current
    return here


def test_the_cli_has_a_watch_command():
    args = build_parser().parse_args(["watch", "--data-dir", "somewhere"])
    assert args.handler is watch_command and args.data_dir == "somewhere"


def test_the_current_step_is_the_last_opened_code_step(place, services, settings):
    found = current_place(services.catalog, settings.workspaces_dir, current_learner().id)
    assert (found.pack.id, found.lesson.id, found.step.id) == (place.pack.id, place.lesson.id, place.step.id)


def test_nothing_to_watch_before_a_step_is_opened(services, settings):
    with pytest.raises(NothingToWatch, match="Open a code step"):
        current_place(services.catalog, settings.workspaces_dir, current_learner().id)


def test_a_result_is_summarized_in_a_line_or_two():
    failed = {"passed": False, "duration_ms": 87.2, "tests": [
        {"title": "Home page", "outcome": "passed"},
        {"title": "Says hello", "outcome": "failed", "message": "Your page should say Hello.\nmore", "file": "app.py",
         "line": 4}]}
    assert summarize(failed) == ["✗ Not yet: 1 of 2 checks passed. (87 ms)",
                                 "  - Says hello: Your page should say Hello. (app.py:4)"]
    assert summarize({"passed": True, "duration_ms": 50, "tests": [{"outcome": "passed"}]}) == ["✓ All checks passed. (50 ms)"]


def test_watch_mode_and_the_page_say_the_same_headline(client):
    """One source for each check-outcome sentence: the result fragment shows the words watch mode prints."""
    from sandbox.web.pages.lesson import for_page
    from sandbox.web.render import render

    result = {"passed": False, "timed_out": True, "duration_ms": 3000, "tests": []}
    assert headline(result) in summarize(result)[0]
    assert headline(result) in render("partials/result", result=for_page(dict(result), "pack"), outline=None, here={})


def test_saving_a_file_reruns_the_check(place, store, check_runner):
    lines, stop, changed = [], threading.Event(), []
    worker = threading.Thread(target=store_thread, args=(store, place, check_runner, lines.append, stop, changed))
    worker.start()
    try:
        wait_for(lambda: any(line.startswith("✗") for line in lines), timeout=15, what="the first check's ✗ line")
        solution = (place.step.solution / "app.py").read_text()
        (place.ws.path / "app.py").write_text(solution)  # as any editor would
        wait_for(lambda: any(line.startswith("✓") for line in lines), timeout=15,
                 what="a ✓ line after saving the solution")
    finally:
        stop.set()
        worker.join(timeout=10)
    assert any(line.startswith("[saved app.py]") for line in lines) and changed


def store_thread(store, place, runner, say, stop, changed):
    """Peewee connections are per thread: the watcher thread opens its own."""
    store.connect()
    try:
        watch(place, runner, say, stop=stop, on_change=lambda: changed.append(1))
    finally:
        store.disconnect()

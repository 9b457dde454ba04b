"""WSGI tests of the lesson page and its actions, and of the Packs page, on a small fixture pack."""

import io
import json
import zipfile
from pathlib import Path

import pytest

from sandbox.packs.build import build_pack
from sandbox.packs.install import install_pack
from sandbox.store.models import Attempt, FileVersion, StepState

FIXTURE = Path(__file__).parent / "fixtures" / "packs" / "hello"
STEP = "/learn/hello-web/01-first-routes/hello"
GOOD = 'from bottle import Bottle\n\napp = Bottle()\n\n\n@app.route("/")\ndef home():\n    return "Hello, web!"\n'
WRONG = GOOD.replace("Hello, web!", "Hi")


@pytest.fixture
def installed(settings):
    settings.packs_dir.mkdir(parents=True, exist_ok=True)
    return install_pack(FIXTURE, settings.packs_dir).pack


def check(client, content, url=STEP, htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url + "/check", {"file:app.py": content, "csrf_token": client.csrf}, headers=headers)


def test_a_learner_who_has_started_is_welcomed_back(client, installed):
    assert "Welcome, Learner" in client.get("/").text
    client.get(STEP)
    assert "Welcome back, Learner" in client.get("/").text


def test_home_lists_the_installed_pack_with_progress(client, installed):
    page = client.get("/").text
    assert "Hello, web" in page and "0 of 4 steps done" in page and 'href="/learn/hello-web"' in page


def test_continue_opens_the_first_unfinished_step(client, installed):
    assert client.get("/learn/hello-web", status=303).location.endswith(STEP)


def test_lesson_page_shows_instructions_editor_and_outline(client, installed, settings):
    page = client.get(STEP).text
    assert "Say hello" in page and 'name="file:app.py"' in page and "Add your routes below." in page
    assert 'id="check-button"' in page and "Show a hint (0/3)" in page
    assert (settings.workspaces_dir / "1" / "hello-web" / "01-first-routes" / "app.py").exists()


def test_a_wrong_solution_shows_the_failure_message(client, installed):
    r = check(client, WRONG)
    assert "Not yet: 0 of 1 checks passed." in r.text and "The home page should say" in r.text
    assert "Step passed" not in r.text


def test_a_right_solution_passes_and_unlocks_the_next_step(client, installed):
    client.get("/learn/hello-web/01-first-routes/why-routes", status=200)
    client.post("/learn/hello-web/01-first-routes/why-routes/quiz", {"choice": "0", "csrf_token": client.csrf},
                status=403)  # still locked
    r = check(client, GOOD)
    assert "All checks passed." in r.text and "The next step is unlocked." in r.text
    assert 'hx-swap-oob="true"' in r.text and "state-passed" in r.text
    assert client.get("/learn/hello-web", status=303).location.endswith("/why-routes")


def test_check_without_htmx_redirects_back_and_shows_the_result(client, installed):
    r = check(client, WRONG, htmx=False)
    assert r.status_int == 303
    assert "The home page should say" in client.get(STEP).text


def test_checks_and_saves_are_recorded(client, installed):
    check(client, WRONG)
    check(client, GOOD)
    states = list(StepState.select())
    assert [(s.step_id, s.attempts, s.status) for s in states] == [("hello", 2, "passed")]
    assert Attempt.select().count() == 2
    assert [v.reason for v in FileVersion.select().order_by(FileVersion.id)] == ["starter", "check", "check"]


def test_autosave_writes_the_file_and_refuses_paths_outside(client, installed, settings):
    client.get(STEP)
    client.post(STEP + "/save", {"path": "app.py", "content": GOOD, "csrf_token": client.csrf}, status=200)
    assert (settings.workspaces_dir / "1" / "hello-web" / "01-first-routes" / "app.py").read_text() == GOOD
    for bad in ("../../escape.py", "/etc/passwd", "views/../../x.py", "a\\b.py", ".git/config"):
        r = client.post(STEP + "/save", {"path": bad, "content": "x", "csrf_token": client.csrf},
                        headers={"Accept": "*/*"}, status=400)
        assert r.content_type == "text/plain"
    assert not (settings.workspaces_dir / "1" / "hello-web" / "escape.py").exists()


def test_hints_are_revealed_one_at_a_time_and_recorded(client, installed):
    client.get(STEP)
    r = client.post(STEP + "/hint", {"csrf_token": client.csrf}, headers={"HX-Request": "true"})
    assert "Routes are declared" in r.text and "Show another hint (1/3)" in r.text
    r = client.post(STEP + "/hint", {"csrf_token": client.csrf}, headers={"HX-Request": "true"})
    assert "The home page" in r.text
    assert StepState.get().hints_revealed == 2


def test_solution_is_shown_on_request_and_recorded(client, installed):
    client.get(STEP)
    r = client.post(STEP + "/solution", {"csrf_token": client.csrf}, headers={"HX-Request": "true"})
    assert "Reference solution" in r.text and "Hello, web!" in r.text
    assert StepState.get().solution_viewed


def test_a_pack_can_forbid_solutions(client, settings, tmp_path):
    import shutil

    copy = tmp_path / "hello"
    shutil.copytree(FIXTURE, copy)
    manifest = copy / "pack.toml"
    manifest.write_text(manifest.read_text().replace("show_solutions = true", "show_solutions = false")
                        if "show_solutions" in manifest.read_text() else manifest.read_text() + "show_solutions = false\n")
    settings.packs_dir.mkdir(parents=True, exist_ok=True)
    install_pack(copy, settings.packs_dir)
    assert "Show the solution" not in client.get(STEP).text
    r = client.post(STEP + "/solution", {"csrf_token": client.csrf}, headers={"HX-Request": "true"}, status=403)
    assert "chose not to show solutions" in r.text


def test_reset_restores_the_start_and_keeps_the_old_version(client, installed, settings):
    client.get(STEP)
    client.post(STEP + "/save", {"path": "app.py", "content": WRONG, "csrf_token": client.csrf}, status=200)
    client.post(STEP + "/reset", {"csrf_token": client.csrf}, status=303)
    assert "Add your routes below." in (settings.workspaces_dir / "1" / "hello-web" / "01-first-routes" / "app.py").read_text()
    reasons = [v.reason for v in FileVersion.select()]
    assert "before-reset" in reasons
    assert any(v.content == WRONG for v in FileVersion.select())


def test_history_lists_versions_and_restore_brings_one_back(client, installed, settings):
    client.get(STEP)
    client.post(STEP + "/save", {"path": "app.py", "content": WRONG, "csrf_token": client.csrf}, status=200)
    client.post(STEP + "/save", {"path": "app.py", "content": GOOD, "csrf_token": client.csrf}, status=200)
    page = client.get(STEP + "/history?path=app.py").text
    assert page.count("Bring back</button>") == 3
    assert "The lesson&#039;s starting file" in page and page.count(">Saved<") == 2  # reasons in plain words
    assert '<span class="diff-add">+    return &quot;Hello, web!&quot;</span>' in page  # each version's change
    wrong = FileVersion.get(FileVersion.content == WRONG)
    client.post(STEP + "/restore", {"version": str(wrong.id), "csrf_token": client.csrf}, status=303)
    assert (settings.workspaces_dir / "1" / "hello-web" / "01-first-routes" / "app.py").read_text() == WRONG
    client.post(STEP + "/restore", {"version": "99999", "csrf_token": client.csrf}, status=400)


def test_a_deleted_file_is_listed_in_history_and_comes_back(client, installed, settings):
    client.get(STEP)
    client.post(STEP + "/files", {"path": "notes.txt", "csrf_token": client.csrf})
    client.post(STEP + "/save", {"path": "notes.txt", "content": "remember this", "csrf_token": client.csrf})
    client.post(STEP + "/files/delete", {"path": "notes.txt", "csrf_token": client.csrf})
    page = client.get(STEP + "/history?path=app.py").text
    assert "Files no longer in your folder" in page and "<code>notes.txt</code>" in page
    version = FileVersion.select().where(FileVersion.path == "notes.txt").order_by(FileVersion.id.desc()).get()
    client.post(STEP + "/restore", {"version": str(version.id), "csrf_token": client.csrf}, status=303)
    assert (settings.workspaces_dir / "1" / "hello-web" / "01-first-routes" / "notes.txt").read_text() == "remember this"


def test_the_solution_is_shown_beside_the_learners_file_and_can_be_used(client, installed, settings):
    client.get(STEP)
    client.post(STEP + "/save", {"path": "app.py", "content": WRONG, "csrf_token": client.csrf})
    shown = client.post(STEP + "/solution", {"csrf_token": client.csrf}, headers={"HX-Request": "true"}).text
    assert "Your file" in shown and "Reference solution" in shown and "return &quot;Hi&quot;" in shown
    used = client.post(STEP + "/use-solution", {"path": "app.py", "csrf_token": client.csrf},
                       headers={"HX-Request": "true"}).text
    assert "app.py now holds the solution" in used
    path = settings.workspaces_dir / "1" / "hello-web" / "01-first-routes" / "app.py"
    assert "Hello, web!" in path.read_text()
    assert FileVersion.select().where(FileVersion.content == WRONG).exists()  # theirs stays in history
    client.post(STEP + "/use-solution", {"path": "nope.py", "csrf_token": client.csrf}, status=404)


def test_quiz_is_checked_on_the_server_and_wrong_answers_recorded(client, installed):
    check(client, GOOD)
    quiz = "/learn/hello-web/01-first-routes/why-routes"
    r = client.post(quiz + "/quiz", {"choice": "1", "csrf_token": client.csrf}, headers={"HX-Request": "true"})
    assert "Not quite" in r.text and "the server is started elsewhere" in r.text
    r = client.post(quiz + "/quiz", {"choice": "0", "csrf_token": client.csrf}, headers={"HX-Request": "true"})
    assert "Right!" in r.text
    attempts = [a.passed for a in Attempt.select().where(Attempt.step_id == "why-routes")]
    assert attempts == [False, True]


def test_read_step_is_done_when_read(client, installed):
    check(client, GOOD)
    client.post("/learn/hello-web/01-first-routes/why-routes/quiz", {"choice": "0", "csrf_token": client.csrf})
    check(client, GOOD.replace('return "Hello, web!"', 'return "Hello, web!"\n\n\n@app.route("/about")\ndef about():\n    return "About me"'),
          url="/learn/hello-web/01-first-routes/about")
    # A plain form post (no htmx) is answered with a redirect; this last step has no next one, so back to it.
    r = client.post("/learn/hello-web/02-next-steps/read-more/read", {"csrf_token": client.csrf}, status=303)
    assert r.headers["Location"].endswith("/learn/hello-web/02-next-steps/read-more")
    assert "4 of 4 steps done" in client.get("/").text


def test_unknown_pack_lesson_or_step_is_404(client, installed):
    client.get("/learn/nope/01-first-routes/hello", status=404)
    client.get("/learn/hello-web/99-nope/hello", status=404)
    client.get("/learn/hello-web/01-first-routes/nope", status=404)


def test_second_lesson_offers_to_carry_code_over(client, installed, settings, tmp_path):
    import shutil

    copy = tmp_path / "two"
    shutil.copytree(FIXTURE, copy)
    manifest = copy / "pack.toml"
    manifest.write_text(manifest.read_text().replace('version = "1.0.0"', 'version = "1.1.0"'))
    lesson2 = copy / "lessons" / "02-next-steps"
    (lesson2 / "starter").mkdir()
    (lesson2 / "starter" / "app.py").write_text("# the lesson's own starter\n")
    (lesson2 / "checks").mkdir()
    (lesson2 / "checks" / "test_x.py").write_text("def test_x(client):\n    assert client.get('/').status_int == 200\n")
    (lesson2 / "solution" / "build").mkdir(parents=True)
    (lesson2 / "solution" / "build" / "app.py").write_text(GOOD)
    (lesson2 / "lesson.toml").write_text((lesson2 / "lesson.toml").read_text() + '\n[[steps]]\nid = "build"\nkind = "code"\n'
                                         'title = "Build"\ninstructions = "01-read-more.md"\nchecks = "checks/test_x.py"\n'
                                         'hints = ["a", "b"]\n')
    settings.packs_dir.mkdir(parents=True, exist_ok=True)
    install_pack(copy, settings.packs_dir)
    for sid in ("hello", "why-routes", "about"):
        StepState.create(learner=1, pack_id="hello-web", lesson_id="01-first-routes", step_id=sid, status="passed")
    StepState.create(learner=1, pack_id="hello-web", lesson_id="02-next-steps", step_id="read-more", status="passed")
    client.get(STEP)  # the first lesson's workspace exists
    client.post(STEP + "/save", {"path": "app.py", "content": GOOD, "csrf_token": client.csrf}, status=200)
    build = "/learn/hello-web/02-next-steps/build"
    assert "Carry on with my own code" in client.get(build).text
    client.post(build + "/start", {"mode": "carry", "csrf_token": client.csrf}, status=303)
    assert (settings.workspaces_dir / "1" / "hello-web" / "02-next-steps" / "app.py").read_text() == GOOD


def test_packs_page_lists_and_installs_an_uploaded_zip(client, settings, tmp_path):
    assert "No lesson packs are installed yet" in client.get("/packs").text
    archive = build_pack(FIXTURE, tmp_path / "hello.zip")
    r = client.post("/packs/install", {"csrf_token": client.csrf},
                    upload_files=[("pack", "hello.zip", archive.read_bytes())])
    assert "Installed Hello, web" in r.text
    assert "<td>1.0.0</td>" in r.text and "<td>4</td>" in r.text


def test_packs_page_shows_every_problem_of_a_bad_zip_and_installs_nothing(client, settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("pack.toml", 'format = 1\nid = "Bad Id"\ntitle = 3\n')
    r = client.post("/packs/install", {"csrf_token": client.csrf},
                    upload_files=[("pack", "bad.zip", buffer.getvalue())], status=422)
    assert "bad.zip was not installed" in r.text and "pack.toml line" in r.text
    assert not any(p for p in settings.packs_dir.glob("*") if not p.name.startswith("."))


def test_packs_page_refuses_a_zip_slip_archive(client, settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../evil.txt", "x")
    r = client.post("/packs/install", {"csrf_token": client.csrf},
                    upload_files=[("pack", "evil.zip", buffer.getvalue())], status=422)
    assert "evil.txt" in r.text
    assert not (settings.data_dir / "evil.txt").exists()


def test_packs_page_removes_a_pack(client, installed):
    client.post("/packs/hello-web/remove", {"csrf_token": client.csrf}, status=303)
    assert "No lesson packs are installed yet" in client.get("/packs").text
    client.post("/packs/hello-web/remove", {"csrf_token": client.csrf}, status=404)


def test_a_non_zip_upload_is_explained(client):
    r = client.post("/packs/install", {"csrf_token": client.csrf},
                    upload_files=[("pack", "notes.txt", b"hello")], status=400)
    assert "is not a .zip file" in r.text


def test_last_result_is_stored_as_structured_data(client, installed):
    check(client, WRONG)
    data = json.loads(Attempt.get().result_json)
    assert data["passed"] is False and data["tests"][0]["message"].startswith("The home page should say")


def test_upgrading_a_pack_keeps_progress_and_files(client, installed, settings, tmp_path):
    import shutil

    check(client, GOOD)
    ws_file = settings.workspaces_dir / "1" / "hello-web" / "01-first-routes" / "app.py"
    newer = tmp_path / "newer"
    shutil.copytree(FIXTURE, newer)
    manifest = newer / "pack.toml"
    manifest.write_text(manifest.read_text().replace('version = "1.0.0"', 'version = "1.1.0"'))
    archive = build_pack(newer, tmp_path / "hello-1.1.0.zip")
    r = client.post("/packs/install", {"csrf_token": client.csrf},
                    upload_files=[("pack", "hello-1.1.0.zip", archive.read_bytes())])
    assert "Upgraded Hello, web from 1.0.0 to 1.1.0" in r.text
    assert "1 of 4 steps done" in client.get("/").text
    assert ws_file.read_text() == GOOD
    older = client.post("/packs/install", {"csrf_token": client.csrf},
                        upload_files=[("pack", "hello.zip", build_pack(FIXTURE, tmp_path / "old.zip").read_bytes())],
                        status=422)
    assert "already installed" in older.text or "older" in older.text


def test_a_forced_reinstall_of_the_same_version_says_reinstalled(client, installed, tmp_path):
    archive = build_pack(FIXTURE, tmp_path / "hello.zip")
    r = client.post("/packs/install", {"csrf_token": client.csrf, "force": "on"},
                    upload_files=[("pack", "hello.zip", archive.read_bytes())])
    assert "Reinstalled Hello, web 1.0.0" in r.text and "Upgraded" not in r.text


def test_a_file_that_is_not_a_zip_is_named_as_the_learner_named_it(client, settings):
    r = client.post("/packs/install", {"csrf_token": client.csrf},
                    upload_files=[("pack", "notes.zip", b"not a zip at all")], status=422)
    assert "notes.zip was not installed. notes.zip is not a readable zip archive" in r.text
    assert "pack.zip" not in r.text


def test_a_refused_check_writes_no_file(client, installed, settings):
    """Check on a quiz step is refused, and the files it carried are not saved either."""
    check(client, GOOD)  # the quiz step after it unlocks
    path = settings.workspaces_dir / "1" / "hello-web" / "01-first-routes" / "app.py"
    before = path.read_text()
    r = client.post("/learn/hello-web/01-first-routes/why-routes/check",
                    {"file:app.py": "# written by a refused request", "file:notes.txt": "x",
                     "csrf_token": client.csrf}, status=400)
    assert "is a quiz step: it has no code to check" in r.text
    assert path.read_text() == before and not path.with_name("notes.txt").exists()
    assert not FileVersion.select().where(FileVersion.content == "# written by a refused request").exists()


def test_a_file_changed_in_another_editor_is_never_overwritten_silently(client, installed, settings):
    client.get(STEP)
    path = settings.workspaces_dir / "1" / "hello-web" / "01-first-routes" / "app.py"
    path.write_text(GOOD)  # saved from VS Code while the page was open
    stale = "# typed in the sandbox page\n"
    r = client.post(STEP + "/save", {"path": "app.py", "content": stale, "csrf_token": client.csrf},
                    headers={"Accept": "*/*"}, status=409)
    assert "changed on disk (another editor, a second tab or the terminal)" in r.text
    assert path.read_text() == GOOD
    assert FileVersion.select().where(FileVersion.reason == "conflict").get().content == stale
    r = client.post(STEP + "/check", {"file:app.py": stale, "csrf_token": client.csrf},
                    headers={"HX-Request": "true"}, status=409)
    assert "changed on disk (another editor, a second tab or the terminal)" in r.text and path.read_text() == GOOD
    page = client.get(STEP).text  # reloading adopts the other editor's version
    assert "Hello, web!" in page
    assert FileVersion.select().where(FileVersion.reason == "outside-edit").count() == 1
    client.post(STEP + "/save", {"path": "app.py", "content": WRONG, "csrf_token": client.csrf}, status=200)
    assert path.read_text() == WRONG


def test_a_check_records_files_saved_by_another_editor(client, installed, settings, check_runner):
    from sandbox.work import coursework

    client.get(STEP)
    path = settings.workspaces_dir / "1" / "hello-web" / "01-first-routes" / "app.py"
    path.write_text(GOOD)
    place = coursework.find(client.app.app.config["sandbox.services"].catalog, 1, settings.workspaces_dir,
                            "hello-web", "01-first-routes", "hello")
    assert coursework.run_check(place, check_runner)["passed"]
    assert FileVersion.select().where(FileVersion.reason == "outside-edit").get().content == GOOD

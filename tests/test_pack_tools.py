"""The author's tools agree with each other and blame the right party.

``pack check``, ``pack build`` and installing share one validator (links, names, sizes); a check
file that cannot load is an error row, never "ok"; ``pack check`` reads a built zip; ``pack build``
writes into a folder when asked to; install messages say what really happened.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sandbox.errors import PackError
from sandbox.launch.cli import main
from sandbox.packs.build import build_pack
from sandbox.packs.check import check_pack, format_report
from sandbox.packs.install import install_pack
from sandbox.packs.reader import validate_pack

FIXTURE = Path(__file__).parent / "fixtures" / "packs" / "hello"
LESSON = "lessons/01-first-routes"
CHECK = f"{LESSON}/checks/test_hello.py"


@pytest.fixture
def pack_dir(tmp_path):
    target = tmp_path / "hello"
    shutil.copytree(FIXTURE, target)
    return target


def only_hello(report):
    return [row for row in report.rows if row.step == "hello"]


# -- a check file that cannot load is an error, whatever the row expected ----------------------

@pytest.mark.parametrize("text, words", [
    ("from bottle import no_such_name\n\ndef test_home(client):\n    assert client.get('/').status_int == 200\n",
     "could not be loaded"),
    ("def test_home(no_such_fixture):\n    assert True\n", "fixture 'no_such_fixture'"),
    ("def helper():\n    return 1\n", "no tests were collected"),
    ("raise RuntimeError('the check author slipped')\n\ndef test_home():\n    pass\n", "could not be loaded"),
])
def test_a_check_file_that_cannot_load_makes_every_row_an_error(check_runner, pack_dir, text, words):
    (pack_dir / CHECK).write_text(text)
    report = check_pack(pack_dir, check_runner, lessons=["01-first-routes"])
    rows = only_hello(report)
    assert rows and all(not row.ok and row.got == "error" for row in rows), format_report(report)
    assert all(words in row.reason or "contain no tests" in row.reason for row in rows), [r.reason for r in rows]
    assert not report.ok


def test_a_check_file_with_tests_but_not_named_test_star_is_a_validation_problem(pack_dir):
    (pack_dir / CHECK).rename(pack_dir / LESSON / "checks" / "hello_check.py")
    lesson = pack_dir / LESSON / "lesson.toml"
    lesson.write_text(lesson.read_text().replace("checks/test_hello.py", "checks/hello_check.py"))
    problems = [str(p) for p in validate_pack(pack_dir)]
    assert any("hello_check.py" in p and "test_*.py" in p for p in problems), problems


def test_a_check_that_imports_a_library_the_sandbox_does_not_keep_is_a_problem(pack_dir):
    (pack_dir / CHECK).write_text("import requests\nfrom bs4 import BeautifulSoup\nimport json, pytest\n"
                                  "from sandbox.checker.probes import visible_text\n\ndef test_x():\n    import numpy\n")
    problems = [str(p) for p in validate_pack(pack_dir)]
    assert [p.split(": ", 1)[1].split(",")[0] for p in problems if "imports" in p] == \
        ["imports requests", "imports bs4", "imports numpy"], problems
    assert all("test_hello.py line" in p for p in problems if "imports" in p)


def test_a_helper_module_beside_real_checks_is_allowed(pack_dir):
    (pack_dir / LESSON / "checks" / "shared.py").write_text("def home_text(client):\n    return client.get('/').text\n")
    lesson = pack_dir / LESSON / "lesson.toml"
    lesson.write_text(lesson.read_text().replace('checks = ["checks/test_hello.py"]',
                                                 'checks = ["checks/test_hello.py", "checks/shared.py"]'))
    assert validate_pack(pack_dir) == []


# -- one validator for check, build and install ------------------------------------------------

@pytest.mark.parametrize("make, words", [
    (lambda starter: (starter / "secret").symlink_to("/etc/passwd"), "symbolic link"),
    (lambda starter: (starter / "a:b.py").write_text("x"), "Windows"),
    (lambda starter: (starter / "\x1b[2Jclear.py").write_text("x"), "control character"),
])
def test_check_build_and_install_refuse_the_same_folder(check_runner, pack_dir, tmp_path, make, words):
    make(pack_dir / LESSON / "starter")
    report = check_pack(pack_dir, check_runner)
    assert not report.ok and any(words in p.message for p in report.problems), format_report(report)
    assert report.rows == []
    with pytest.raises(PackError, match=words):
        build_pack(pack_dir, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()
    packs = tmp_path / "installed"
    with pytest.raises(PackError, match=words):
        install_pack(pack_dir, packs)
    assert list(packs.iterdir()) == []


def test_junk_is_left_out_by_all_three_without_a_complaint(check_runner, pack_dir, tmp_path):
    (pack_dir / LESSON / "starter" / "__pycache__").mkdir()
    (pack_dir / LESSON / "starter" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (pack_dir / ".DS_Store").write_bytes(b"\0")
    (pack_dir / ".git").mkdir()
    (pack_dir / ".git" / "link").symlink_to("/etc/passwd")  # never looked into
    assert validate_pack(pack_dir) == []
    assert install_pack(build_pack(pack_dir, tmp_path / "x.zip"), tmp_path / "installed").pack.id == "hello-web"


# -- pack check reads a zip; pack build writes into a folder -------------------------------------

def test_pack_check_checks_a_built_zip(check_runner, pack_dir, tmp_path):
    archive = build_pack(pack_dir, tmp_path / "hello.zip")
    report = check_pack(archive, check_runner)
    assert report.ok and len(report.rows) == 5, format_report(report)
    assert report.path == archive


def test_pack_check_of_a_hostile_zip_is_a_problem_not_a_crash(check_runner, tmp_path):
    import zipfile
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../evil.py", "x")
    report = check_pack(archive, check_runner)
    assert not report.ok and "leaves the pack folder" in format_report(report)
    assert not (tmp_path.parent / "evil.py").exists()


def test_pack_check_command_accepts_a_zip(check_runner, pack_dir, tmp_path, capsys):
    archive = build_pack(pack_dir, tmp_path / "hello.zip")
    assert main(["pack", "check", str(archive), "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "pack.toml is missing" not in out and "5 checks, 5 ok, 0 problems" in out


@pytest.mark.parametrize("out", ["newdir/", "newdir", "nested/deeper/"])
def test_pack_build_into_a_folder_that_does_not_exist_yet(pack_dir, tmp_path, monkeypatch, capsys, out):
    monkeypatch.chdir(tmp_path)
    assert main(["pack", "build", str(pack_dir), out]) == 0
    folder = tmp_path / out.rstrip("/")
    assert folder.is_dir() and (folder / "hello-web-1.0.0.zip").is_file()
    assert str(folder / "hello-web-1.0.0.zip") in capsys.readouterr().out


def test_pack_build_to_a_zip_name_and_over_a_file(pack_dir, tmp_path):
    assert build_pack(pack_dir, tmp_path / "given.zip") == tmp_path / "given.zip"
    (tmp_path / "plain").write_text("not a folder")
    with pytest.raises(PackError, match="is a file, not a folder"):
        build_pack(pack_dir, tmp_path / "plain")


# -- install messages say what happened ------------------------------------------------------------

def versioned(pack_dir: Path, version: str) -> Path:
    manifest = pack_dir / "pack.toml"
    text = manifest.read_text()
    start = text.index('version = "')
    end = text.index('"', start + len('version = "'))
    manifest.write_text(text[:start] + f'version = "{version}"' + text[end + 1:])
    return pack_dir


def test_install_messages_say_upgrade_downgrade_or_reinstall_truthfully(pack_dir, tmp_path, capsys):
    data = tmp_path / "data"
    steps = [("1.1.0", [], "Installed Hello, web 1.1.0."),
             ("1.2.0", [], "Upgraded Hello, web from 1.1.0 to 1.2.0"),
             ("1.2.0", ["--force"], "Reinstalled Hello, web 1.2.0"),
             ("1.0.0", ["--force"], "Went back from Hello, web 1.2.0 to the older 1.0.0"),
             ("1.0.0-beta.1", ["--force"], "Went back from Hello, web 1.0.0 to the older 1.0.0-beta.1")]
    for version, flags, sentence in steps:
        versioned(pack_dir, version)
        assert main(["pack", "install", str(pack_dir), "--data-dir", str(data), *flags]) == 0
        out = capsys.readouterr().out
        assert sentence in out, out
        assert "Upgraded" not in out or "Upgraded" in sentence


# -- a step's own time limit, and a check that misbehaves on the reference solution too -------------

STEP_URL = "/learn/hello-web/01-first-routes/hello"
GOOD = 'from bottle import Bottle\n\napp = Bottle()\n\n\n@app.route("/")\ndef home():\n    return "Hello, web!"\n'


def with_step_setting(pack_dir: Path, line: str) -> None:
    lesson = pack_dir / LESSON / "lesson.toml"
    text = lesson.read_text()
    lesson.write_text(text.replace('checks = ["checks/test_hello.py"]', f'checks = ["checks/test_hello.py"]\n{line}', 1))


@pytest.mark.parametrize("value, ok", [(1, True), (20, True), (60, True), (0, False), (61, False), (3600, False)])
def test_a_step_may_set_its_check_time_limit_within_bounds(pack_dir, value, ok):
    with_step_setting(pack_dir, f"timeout = {value}")
    problems = [str(p) for p in validate_pack(pack_dir)]
    if ok:
        assert problems == []
        from sandbox.packs.reader import load_pack
        assert load_pack(pack_dir).lessons[0].step("hello").timeout == value
    else:
        assert any("timeout" in p and "1 to 60 seconds" in p for p in problems), problems


def test_timeout_belongs_to_code_steps_only(pack_dir):
    lesson = pack_dir / LESSON / "lesson.toml"
    text = lesson.read_text()
    lesson.write_text(text.replace('kind = "quiz"', 'kind = "quiz"\ntimeout = 5', 1))
    assert any("'timeout' only belongs in a code step" in str(p) for p in validate_pack(pack_dir))


def test_pack_check_uses_the_steps_own_time_limit(check_runner, pack_dir):
    (pack_dir / CHECK).write_text("import time\n\ndef test_slow(client):\n    time.sleep(3)\n")
    with_step_setting(pack_dir, "timeout = 1")
    report = check_pack(pack_dir, check_runner, lessons=["01-first-routes"])
    rows = only_hello(report)
    assert rows and all(row.got == "timeout" for row in rows), format_report(report)
    assert all(row.ms < 2900 for row in rows), [row.ms for row in rows]


LOOPING_CHECK = "def test_home(client):\n    while True:\n        pass\n"
FLOODING_CHECK = "def test_home(client):\n    while True:\n        print('x' * 1000)\n"


@pytest.fixture
def learner_with(client, settings):
    """Install the fixture pack with the hello step's check replaced, then check GOOD code as a learner."""
    from sandbox.packs import reference

    def run(check_text: str, app_text: str = GOOD, packs_source: Path | None = None) -> str:
        reference.forget()
        source = settings.data_dir.parent / "source-pack"
        shutil.copytree(FIXTURE, source)
        (source / CHECK).write_text(check_text)
        with_step_setting(source, "timeout = 1")
        install_pack(source, settings.packs_dir)
        r = client.post(STEP_URL + "/check", {"file:app.py": app_text, "csrf_token": client.csrf},
                        headers={"HX-Request": "true"})
        return r.text

    return run


@pytest.mark.parametrize("check_text, words", [(LOOPING_CHECK, "runs out of time"), (FLOODING_CHECK, "prints too much")])
def test_a_check_that_misbehaves_on_the_reference_solution_blames_the_check(learner_with, check_text, words):
    text = learner_with(check_text)
    assert "check misbehaved" in text and words in text, text
    assert "Look for a loop" not in text and "Look for a print() inside a loop" not in text


def test_a_learners_own_endless_loop_is_still_theirs(learner_with):
    looping_app = GOOD.replace('    return "Hello, web!"', '    while True:\n        pass')
    text = learner_with((FIXTURE / CHECK).read_text(), looping_app)
    assert "misbehaved" not in text and "did not finish" in text, text


# -- a step renamed in a new version keeps the learner's progress and attempts -----------------------

def renamed_version(pack_dir: Path, version: str = "1.1.0", renamed: str = 'renamed = { hello = "say-hello" }') -> Path:
    """The fixture pack with step "hello" renamed to "say-hello" (its folders too)."""
    lesson = pack_dir / LESSON
    text = (lesson / "lesson.toml").read_text().replace('id = "hello"', 'id = "say-hello"', 1)
    (lesson / "lesson.toml").write_text(renamed + "\n" + text)
    (lesson / "solution" / "hello").rename(lesson / "solution" / "say-hello")
    (lesson / "mistakes" / "hello").rename(lesson / "mistakes" / "say-hello")
    return versioned(pack_dir, version)


@pytest.mark.parametrize("renamed, words", [
    ('renamed = { hello = "nowhere" }', "has no step 'nowhere'"),
    ('renamed = { why-routes = "say-hello" }', "'why-routes', which is a step of this lesson still"),
    ('renamed = { "Not An Id" = "say-hello" }', "is not a step id"),
    ('renamed = { hello = 3 }', "should be a table of texts"),
])
def test_renames_are_validated(pack_dir, renamed, words):
    renamed_version(pack_dir, renamed=renamed)
    problems = [str(p) for p in validate_pack(pack_dir)]
    assert any(words in p and "lesson.toml line 1" in p for p in problems), problems


def test_a_chain_of_renames_is_followed(pack_dir):
    from sandbox.packs.reader import load_pack
    renamed_version(pack_dir, renamed='renamed = { hi = "hello", hello = "say-hello" }')
    assert load_pack(pack_dir).lessons[0].renamed == {"hi": "say-hello", "hello": "say-hello"}


def test_progress_and_attempts_follow_a_renamed_step(settings, pack_dir, client):
    from sandbox.classroom.profiles import current_learner
    from sandbox.packs.catalog import Catalog
    from sandbox.store.models import Attempt, StepState
    from sandbox.work import progress

    catalog = Catalog(settings.packs_dir)
    old = catalog.install(FIXTURE).pack
    learner = current_learner()
    lesson = old.lessons[0]
    progress.record_attempt(learner.id, old, lesson, lesson.step("hello"), passed=False, result={})
    progress.record_attempt(learner.id, old, lesson, lesson.step("hello"), passed=True, result={})
    new = catalog.install(renamed_version(pack_dir)).pack
    states = {(s.step_id, s.status, s.attempts) for s in StepState.select()}
    assert ("say-hello", "passed", 2) in states and not any(step == "hello" for step, _, _ in states)
    assert {a.step_id for a in Attempt.select()} == {"say-hello"}
    outline = progress.outline(learner.id, new)
    assert outline[0].steps[0].step_id == "say-hello" and outline[0].steps[0].state == "passed"
    assert "1 of 4 steps done" in client.get("/").text


def test_the_command_line_install_moves_progress_too(settings, store, pack_dir, tmp_path, capsys):
    from sandbox.classroom.profiles import current_learner
    from sandbox.store.models import StepState
    from sandbox.work import progress

    old = install_pack(FIXTURE, settings.packs_dir).pack
    lesson = old.lessons[0]
    progress.record_attempt(current_learner().id, old, lesson, lesson.step("hello"), passed=True, result={})
    assert main(["pack", "install", str(renamed_version(pack_dir)), "--data-dir", str(settings.data_dir)]) == 0
    assert "Upgraded Hello, web from 1.0.0 to 1.1.0" in capsys.readouterr().out
    store.activate()  # the command opened (and closed) its own store on this thread
    settings_store_rows = {(s.step_id, s.status) for s in StepState.select()}
    assert settings_store_rows == {("say-hello", "passed")}


def test_records_under_both_ids_are_merged(settings, pack_dir):
    from sandbox.classroom.profiles import current_learner
    from sandbox.packs.catalog import Catalog, follow_renames
    from sandbox.store.models import StepState
    from sandbox.work import progress

    catalog = Catalog(settings.packs_dir)
    old = catalog.install(FIXTURE).pack
    learner = current_learner()
    progress.record_attempt(learner.id, old, old.lessons[0], old.lessons[0].step("hello"), passed=True, result={})
    new = catalog.install(renamed_version(pack_dir)).pack
    progress.record_attempt(learner.id, new, new.lessons[0], new.lessons[0].step("say-hello"), passed=False, result={})
    StepState.create(learner=learner.id, pack_id="hello-web", lesson_id="01-first-routes", step_id="hello",
                     status="open", attempts=3)
    assert follow_renames(new) == 1 and follow_renames(new) == 0
    [row] = StepState.select().where(StepState.lesson_id == "01-first-routes", StepState.step_id.in_(["hello", "say-hello"]))
    assert (row.step_id, row.status, row.attempts) == ("say-hello", "passed", 5)


# -- images in a lesson's Markdown come from its pack ---------------------------------------------------

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4"/></svg>'


@pytest.fixture
def illustrated(settings, pack_dir):
    """The fixture pack with images beside the first step's Markdown, which shows them."""
    lesson = pack_dir / LESSON
    (lesson / "images").mkdir()
    (lesson / "images" / "routes diagram.png").write_bytes(PNG)
    (lesson / "images" / "arrow.svg").write_bytes(SVG)
    (lesson / "solution" / "hello" / "answer.png").write_bytes(PNG)
    md = lesson / "01-hello.md"
    md.write_text(md.read_text() + "\n\n![How a route works](images/routes%20diagram.png)\n\n"
                  "![Arrow](./images/arrow.svg)\n\n![Remote](https://example.invalid/x.png)\n")
    return install_pack(pack_dir, settings.packs_dir).pack


def test_a_lessons_markdown_shows_its_images_from_the_pack(client, illustrated):
    page = client.get(STEP_URL).text
    assert 'src="/packs/hello-web/lessons/01-first-routes/images/routes%20diagram.png"' in page
    assert 'src="/packs/hello-web/lessons/01-first-routes/images/arrow.svg"' in page
    image = client.get("/packs/hello-web/lessons/01-first-routes/images/routes%20diagram.png")
    assert image.content_type == "image/png" and image.body == PNG
    svg = client.get("/packs/hello-web/lessons/01-first-routes/images/arrow.svg")
    assert svg.content_type == "image/svg+xml"
    assert "sandbox" in svg.headers["Content-Security-Policy"] and "script-src" not in svg.headers["Content-Security-Policy"]
    assert svg.headers["X-Content-Type-Options"] == "nosniff"


def test_images_follow_the_prefix_the_sandbox_is_served_under(client, illustrated):
    page = client.get(STEP_URL, extra_environ={"SCRIPT_NAME": "/user/ada"}).text
    assert 'src="/user/ada/packs/hello-web/lessons/01-first-routes/images/routes%20diagram.png"' in page


@pytest.mark.parametrize("path", [
    "../pack.toml", "..%2Fpack.toml", "%2e%2e/%2e%2e/pack.toml", "images/../lesson.toml", "lesson.toml",
    "01-hello.md", "checks/test_hello.py", "solution/hello/app.py", "solution/hello/answer.png",
    "starter/app.py", "images/nope.png", "/etc/passwd", "images/.hidden.png", "images//arrow.svg",
    "images\\arrow.svg", "images/arrow.svg%00.png",
])
def test_nothing_but_a_lessons_images_can_be_read(client, illustrated, path):
    r = client.get(f"/packs/hello-web/lessons/01-first-routes/{path}", expect_errors=True)
    assert r.status_int in (400, 404), (path, r.status)
    assert PNG not in r.body and b"[[steps]]" not in r.body and b"def test_" not in r.body


def test_an_unknown_pack_or_lesson_is_a_404_sentence(client, illustrated):
    assert "No lesson pack called" in client.get("/packs/nope/lessons/01-first-routes/images/arrow.svg", status=404).text
    assert "has no lesson" in client.get("/packs/hello-web/lessons/nope/images/arrow.svg", status=404).text

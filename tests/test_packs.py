"""Lesson packs: reading and validating the format, installing safely, building, scaffolding."""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sandbox.errors import PackError
from sandbox.packs.build import build_pack, new_pack
from sandbox.packs.format import Choice, Problem, Step, check_quiz, step_files
from sandbox.packs.install import Limits, install_pack, list_packs, remove_pack, scan_packs
from sandbox.packs.reader import load_pack, validate_pack
from sandbox.web.markdown import render_markdown

FIXTURE = Path(__file__).parent / "fixtures" / "packs" / "hello"
LESSON = "lessons/01-first-routes"


@pytest.fixture
def pack_dir(tmp_path):
    """A fresh, writable copy of the fixture pack."""
    target = tmp_path / "hello"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture
def packs_dir(tmp_path):
    folder = tmp_path / "installed"
    folder.mkdir()
    return folder


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, count))


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    hits = [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(PackError) as caught:
        load_pack(folder)
    return caught.value.problems


def find(problems: list[Problem], text: str) -> Problem:
    matches = [p for p in problems if text in p.message]
    assert matches, f"no problem mentions {text!r}: {[str(p) for p in problems]}"
    return matches[0]


# -- reading -------------------------------------------------------------------------------

def test_fixture_pack_is_read_into_lessons_and_steps():
    pack = load_pack(FIXTURE)
    assert (pack.id, pack.title, pack.version, pack.authors) == ("hello-web", "Hello, web", "1.0.0", ["Ada Lovelace"])
    assert pack.show_solutions is True and pack.requires == "0.1.0"
    assert [lesson.id for lesson in pack.lessons] == ["01-first-routes", "02-next-steps"]
    lesson = pack.lesson("01-first-routes")
    assert lesson.app == "app.py" and lesson.index == 0
    assert [(s.id, s.kind) for s in lesson.steps] == [("hello", "code"), ("why-routes", "quiz"), ("about", "code")]
    hello = lesson.step("hello")
    assert [c.name for c in hello.checks] == ["test_hello.py"]
    assert len(hello.hints) == 3 and hello.solution.name == "hello"
    assert [(m.name, m.message) for m in hello.mistakes] == [("wrong-path", "Visiting / should show a page")]
    assert "Say hello" in hello.instructions_text()
    assert lesson.step("about").checks[0].name == "test_about.py"  # a single string is accepted
    quiz = lesson.step("why-routes")
    assert quiz.question.startswith("What does") and [c.correct for c in quiz.choices] == [True, False]
    assert pack.lesson("02-next-steps").step("read-more").kind == "read"


def test_unknown_lesson_or_step_is_a_pack_error():
    pack = load_pack(FIXTURE)
    with pytest.raises(PackError, match="has no lesson 'nope'"):
        pack.lesson("nope")
    with pytest.raises(PackError, match="has no step 'nope'"):
        pack.lessons[0].step("nope")


def test_starting_point_includes_earlier_solutions_and_variants_overlay_it():
    lesson = load_pack(FIXTURE).lesson("01-first-routes")
    hello, about = lesson.step("hello"), lesson.step("about")
    assert "@app.route" not in step_files(lesson, hello)["app.py"].decode()
    assert '@app.route("/")' in step_files(lesson, hello, "solution")["app.py"].decode()
    mistake = step_files(lesson, hello, "wrong-path")
    assert set(mistake) == {"app.py"} and '"/hello"' in mistake["app.py"].decode()
    start = step_files(lesson, about)["app.py"].decode()
    assert '@app.route("/")' in start and "/about" not in start
    assert "/about" in step_files(lesson, about, "solution")["app.py"].decode()


def test_problem_reads_as_file_line_message():
    assert str(Problem("lessons/03/lesson.toml", 12, "step 'hello' names x")) == "lessons/03/lesson.toml line 12: step 'hello' names x"
    assert str(Problem("pack.toml", None, "is missing")) == "pack.toml: is missing"


# -- validation: each problem names its file and line ---------------------------------------

def test_unknown_field_suggests_the_close_one(pack_dir):
    edit(pack_dir / "pack.toml", "title =", "titel =")
    problem = find(problems_of(pack_dir), "unknown field 'titel'")
    assert (problem.file, problem.line) == ("pack.toml", 3)
    assert "did you mean 'title'?" in problem.message
    assert find(problems_of(pack_dir), "missing the required field 'title'").line == 1


def test_unknown_step_field_names_the_step(pack_dir):
    lesson = pack_dir / LESSON / "lesson.toml"
    edit(lesson, "hints =", "hint =")
    problem = find(problems_of(pack_dir), "unknown field 'hint'")
    assert problem.file == f"{LESSON}/lesson.toml" and problem.line == line_of(lesson, "hint =")
    assert "step 'hello'" in problem.message and "did you mean 'hints'?" in problem.message


def test_missing_required_field(pack_dir):
    edit(pack_dir / "pack.toml", 'version = "1.0.0"\n', "")
    problem = find(problems_of(pack_dir), "missing the required field 'version'")
    assert (problem.file, problem.line) == ("pack.toml", 1)


def test_missing_required_step_field_points_at_its_table(pack_dir):
    lesson = pack_dir / LESSON / "lesson.toml"
    edit(lesson, 'title = "An about page"\n', "")
    problem = find(problems_of(pack_dir), "step 'about' is missing the required field 'title'")
    assert problem.line == line_of(lesson, "[[steps]]", 3)


def test_wrong_type(pack_dir):
    edit(pack_dir / "pack.toml", "show_solutions = true", 'show_solutions = "yes"')
    problem = find(problems_of(pack_dir), "'show_solutions' in pack.toml should be true or false, not a string")
    assert (problem.file, problem.line) == ("pack.toml", 8)


@pytest.mark.parametrize("line, old, new, text", [
    (2, 'id = "hello-web"', 'id = "Hello_Web"', "id 'Hello_Web' should be"),
    (4, 'version = "1.0.0"', 'version = "1.0"', "version '1.0' should be a version like 1.0.0"),
    (1, "format = 1", "format = 2", "format 2 is not supported"),
    (7, 'requires = "0.1.0"', 'requires = "9.0.0"', "needs sandbox 9.0.0 or newer"),
    (9, '"02-next-steps"]', '"02-next-steps", "03-missing"]', "has no lessons/03-missing/lesson.toml"),
    (9, '"02-next-steps"]', '"02-next-steps", "02-next-steps"]', "lesson '02-next-steps' is listed twice"),
])
def test_bad_manifest_values(pack_dir, line, old, new, text):
    edit(pack_dir / "pack.toml", old, new)
    problem = find(problems_of(pack_dir), text)
    assert (problem.file, problem.line) == ("pack.toml", line)


def test_lesson_folder_not_listed_is_reported(pack_dir):
    (pack_dir / "lessons" / "03-draft").mkdir()
    problem = find(problems_of(pack_dir), "lessons/03-draft is not listed")
    assert (problem.file, problem.line) == ("pack.toml", 9)


def test_duplicate_step_id(pack_dir):
    lesson = pack_dir / LESSON / "lesson.toml"
    edit(lesson, 'id = "about"', 'id = "hello"')
    problem = find(problems_of(pack_dir), "step id 'hello' is used twice")
    assert problem.line == line_of(lesson, 'id = "hello"', 2)


def test_step_naming_a_missing_check_file(pack_dir):
    lesson = pack_dir / LESSON / "lesson.toml"
    edit(lesson, "checks/test_hello.py", "checks/test_helo.py")
    problem = find(problems_of(pack_dir), "names checks/test_helo.py")
    assert str(problem) == f"{LESSON}/lesson.toml line {line_of(lesson, 'test_helo')}: step 'hello' names checks/test_helo.py, which does not exist"


def test_step_naming_missing_instructions(pack_dir):
    lesson = pack_dir / LESSON / "lesson.toml"
    (pack_dir / LESSON / "02-why.md").unlink()
    problem = find(problems_of(pack_dir), "step 'why-routes' names 02-why.md, which does not exist")
    assert problem.line == line_of(lesson, '"02-why.md"')


def test_step_path_outside_the_lesson_is_refused(pack_dir):
    lesson = pack_dir / LESSON / "lesson.toml"
    edit(lesson, '"01-hello.md"', '"../../../pack.toml"')
    problem = find(problems_of(pack_dir), "which is outside the lesson folder")
    assert problem.line == line_of(lesson, "../../../pack.toml")


def test_code_step_without_its_solution_folder(pack_dir):
    shutil.rmtree(pack_dir / LESSON / "solution" / "about")
    problem = find(problems_of(pack_dir), "step 'about' names solution/about, which does not exist")
    assert problem.line == line_of(pack_dir / LESSON / "lesson.toml", 'id = "about"')


def test_check_file_that_does_not_parse(pack_dir):
    (pack_dir / LESSON / "checks" / "test_hello.py").write_text("def test_x(client):\n    assert (\n\nx = ]\n")
    problem = find(problems_of(pack_dir), "check file does not parse")
    assert problem.file == f"{LESSON}/checks/test_hello.py" and problem.line in (2, 4)


def test_toml_syntax_error_gives_its_line(pack_dir):
    lesson = pack_dir / LESSON / "lesson.toml"
    edit(lesson, 'summary = "Answer a request with a route."', "summary = Answer a request")
    problem = find(problems_of(pack_dir), "is not valid TOML")
    assert (problem.file, problem.line) == (f"{LESSON}/lesson.toml", 2)
    assert "(column" in problem.message


def test_quiz_without_a_correct_choice(pack_dir):
    lesson = pack_dir / LESSON / "lesson.toml"
    edit(lesson, "correct = true\n", "")
    problem = find(problems_of(pack_dir), "step 'why-routes' has no correct choice")
    assert problem.line == line_of(lesson, "[[steps.choices]]")


def test_quiz_with_two_correct_choices_needs_multiple(pack_dir):
    edit(pack_dir / LESSON / "lesson.toml", 'text = "It starts the web server."', 'text = "It starts the web server."\ncorrect = true')
    find(problems_of(pack_dir), "set multiple = true")


def test_code_step_with_no_checks(pack_dir):
    lesson = pack_dir / LESSON / "lesson.toml"
    edit(lesson, 'checks = "checks/test_about.py"\n', "")
    problem = find(problems_of(pack_dir), "step 'about' is a code step with no checks")
    assert problem.line == line_of(lesson, 'id = "about"')


def test_mistake_without_mistake_toml(pack_dir):
    (pack_dir / LESSON / "mistakes" / "hello" / "wrong-path" / "mistake.toml").unlink()
    problem = find(problems_of(pack_dir), "has no mistake.toml")
    assert problem.file == f"{LESSON}/mistakes/hello/wrong-path"


def test_mistake_without_message(pack_dir):
    (pack_dir / LESSON / "mistakes" / "hello" / "wrong-path" / "mistake.toml").write_text('description = "x"\n')
    problem = find(problems_of(pack_dir), "missing the required field 'message'")
    assert (problem.file, problem.line) == (f"{LESSON}/mistakes/hello/wrong-path/mistake.toml", 1)


def test_mistakes_for_an_unknown_step(pack_dir):
    (pack_dir / LESSON / "mistakes" / "helo").mkdir()
    find(problems_of(pack_dir), "does not match any code step")


def test_missing_pack_toml(tmp_path):
    assert [str(p) for p in validate_pack(tmp_path)] == ["pack.toml: is missing; a pack needs pack.toml at its root"]


def test_all_problems_are_reported_at_once(pack_dir):
    edit(pack_dir / "pack.toml", 'version = "1.0.0"', 'version = "one"')
    edit(pack_dir / LESSON / "lesson.toml", "checks/test_hello.py", "checks/test_helo.py")
    edit(pack_dir / LESSON / "lesson.toml", "correct = true\n", "")
    (pack_dir / "lessons" / "02-next-steps" / "lesson.toml").write_text("title = [\n")
    with pytest.raises(PackError) as caught:
        load_pack(pack_dir)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 4, messages
    assert str(caught.value).startswith(f"The lesson pack in {pack_dir} has 4 problems:")
    assert all(m in str(caught.value) for m in messages)


# -- quizzes -------------------------------------------------------------------------------

def test_quiz_answers_are_checked_on_the_server():
    quiz = load_pack(FIXTURE).lesson("01-first-routes").step("why-routes")
    right = check_quiz(quiz, [0])
    assert right.correct and right.explanations[0].startswith("Yes")
    assert len(right.explanations) == 2
    for wrong in ([1], [0, 1], [], [7], [0, 0], ["0"]):
        assert not check_quiz(quiz, wrong).correct, wrong


def test_multiple_choice_quiz_needs_every_correct_choice():
    quiz = Step(id="q", kind="quiz", title="Q", instructions=Path("q.md"), multiple=True,
                choices=[Choice("a", True), Choice("b", True), Choice("c", False)])
    assert check_quiz(quiz, [1, 0]).correct
    assert not check_quiz(quiz, [0]).correct
    assert not check_quiz(quiz, [0, 1, 2]).correct


# -- installing ------------------------------------------------------------------------------

def leftovers(packs_dir: Path) -> list[str]:
    return sorted(p.name for p in packs_dir.iterdir())


def test_install_from_a_folder(pack_dir, packs_dir):
    result = install_pack(pack_dir, packs_dir)
    assert result.pack.id == "hello-web" and result.pack.root == (packs_dir / "hello-web").resolve()
    assert (result.previous_version, result.upgraded) == (None, False)
    assert leftovers(packs_dir) == ["hello-web"]
    assert [p.id for p in list_packs(packs_dir)] == ["hello-web"]


def test_install_from_a_built_zip(pack_dir, packs_dir, tmp_path):
    archive = build_pack(pack_dir, tmp_path / "hello.zip")
    assert install_pack(archive, packs_dir).pack.version == "1.0.0"
    assert leftovers(packs_dir) == ["hello-web"]


def test_install_from_a_zip_with_the_pack_at_its_root(pack_dir, packs_dir, tmp_path):
    archive = tmp_path / "flat.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(pack_dir.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(pack_dir).as_posix())
    assert install_pack(archive, packs_dir).pack.id == "hello-web"


def zip_with(pack_dir: Path, target: Path, extra=(), *, skip_manifest=False) -> Path:
    """A zip of the fixture pack plus ``extra`` (ZipInfo or name, bytes) members."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(pack_dir.rglob("*")):
            if path.is_file() and not (skip_manifest and path.name == "pack.toml"):
                zf.write(path, "hello/" + path.relative_to(pack_dir).as_posix())
        for member, data in extra:
            zf.writestr(member, data)
    return target


def symlink_member() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("hello/lessons/01-first-routes/starter/passwd")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize("member, data, limits, rule", [
    ("/etc/evil.py", b"x", None, "has an absolute path"),
    ("hello/../../evil.py", b"x", None, "has a path that leaves the pack folder"),
    ("C:\\evil.py", b"x", None, "has a backslash in its path"),
    ("C:/evil.py", b"x", None, "has an absolute path"),
    (symlink_member(), b"/etc/passwd", None, "is a symbolic link"),
    ("hello/big.bin", os.urandom(20_000), Limits(max_bytes=15_000), "unpacks to more than"),
    ("hello/bomb.txt", b"\0" * (3 * 1024 * 1024), None, "is compressed more than 100:1"),
])
def test_unsafe_zip_member_is_refused_and_nothing_is_left(pack_dir, packs_dir, tmp_path, member, data, limits, rule):
    archive = zip_with(pack_dir, tmp_path / "bad.zip", [(member, data)])
    with pytest.raises(PackError) as caught:
        install_pack(archive, packs_dir, limits=limits)
    name = member.filename if isinstance(member, zipfile.ZipInfo) else member
    assert rule in str(caught.value) and name in str(caught.value) and "bad.zip" in str(caught.value)
    assert leftovers(packs_dir) == []


def test_zip_with_too_many_files_is_refused(pack_dir, packs_dir, tmp_path):
    archive = zip_with(pack_dir, tmp_path / "many.zip", [(f"hello/f{i}.txt", b"x") for i in range(20)])
    with pytest.raises(PackError, match=r"holds more than 15 files \(at hello/"):
        install_pack(archive, packs_dir, limits=Limits(max_files=15))
    assert leftovers(packs_dir) == []


def test_zip_whose_header_understates_a_size_is_refused(pack_dir, packs_dir, tmp_path):
    archive = zip_with(pack_dir, tmp_path / "liar.zip", [("hello/notes.txt", b"A" * 5000)])
    data = bytearray(archive.read_bytes())
    central = data.rfind(b"PK\x01\x02")  # the last member's central directory entry: uncompressed size at +24
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    with pytest.raises(PackError, match="hello/notes.txt in liar.zip"):
        install_pack(archive, packs_dir)
    assert leftovers(packs_dir) == []


def test_corrupt_zip_is_refused(packs_dir, tmp_path):
    archive = tmp_path / "corrupt.zip"
    archive.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(PackError, match="corrupt.zip is not a readable zip archive"):
        install_pack(archive, packs_dir)
    assert leftovers(packs_dir) == []


def test_zip_without_pack_toml_is_refused(pack_dir, packs_dir, tmp_path):
    archive = zip_with(pack_dir, tmp_path / "nomanifest.zip", skip_manifest=True)
    with pytest.raises(PackError, match="nomanifest.zip has no pack.toml"):
        install_pack(archive, packs_dir)
    assert leftovers(packs_dir) == []


def test_invalid_pack_is_refused_with_its_problems(pack_dir, packs_dir):
    edit(pack_dir / LESSON / "lesson.toml", "checks/test_hello.py", "checks/test_helo.py")
    with pytest.raises(PackError, match="The lesson pack in hello is not valid: .*names checks/test_helo.py") as caught:
        install_pack(pack_dir, packs_dir)
    assert caught.value.problems and leftovers(packs_dir) == []


def test_folder_with_a_symlink_is_refused(pack_dir, packs_dir):
    (pack_dir / LESSON / "starter" / "secret").symlink_to("/etc/passwd")
    with pytest.raises(PackError, match="starter/secret in hello is a symbolic link"):
        install_pack(pack_dir, packs_dir)
    assert leftovers(packs_dir) == []


def test_newer_version_upgrades_and_older_needs_force(pack_dir, packs_dir):
    install_pack(pack_dir, packs_dir)
    edit(pack_dir / "pack.toml", 'version = "1.0.0"', 'version = "1.1.0"')
    result = install_pack(pack_dir, packs_dir)
    assert (result.previous_version, result.upgraded, result.pack.version) == ("1.0.0", True, "1.1.0")
    for older in ("1.1.0", "1.0.0", "1.1.0-beta.1"):
        edit(pack_dir / "pack.toml", 'version = "1.1.0"', f'version = "{older}"')
        with pytest.raises(PackError, match="version 1.1.0 is already installed.*--force"):
            install_pack(pack_dir, packs_dir)
        edit(pack_dir / "pack.toml", f'version = "{older}"', 'version = "1.1.0"')
    edit(pack_dir / "pack.toml", 'version = "1.1.0"', 'version = "1.0.0"')
    forced = install_pack(pack_dir, packs_dir, force=True)
    assert (forced.previous_version, forced.pack.version) == ("1.1.0", "1.0.0")
    assert leftovers(packs_dir) == ["hello-web"]


def test_broken_installed_pack_is_flagged_and_can_be_removed(pack_dir, packs_dir):
    install_pack(pack_dir, packs_dir)
    (packs_dir / "half-done").mkdir()
    packs, broken = scan_packs(packs_dir)
    assert [p.id for p in packs] == ["hello-web"]
    assert [b.folder.name for b in broken] == ["half-done"] and "pack.toml" in str(broken[0].error)
    remove_pack(packs_dir, "hello-web")
    assert leftovers(packs_dir) == ["half-done"]
    with pytest.raises(PackError, match="No pack with id 'hello-web' is installed"):
        remove_pack(packs_dir, "hello-web")
    with pytest.raises(PackError):
        remove_pack(packs_dir, "../installed")


# -- building and scaffolding -----------------------------------------------------------------

def test_build_is_reproducible_and_leaves_out_junk(pack_dir, tmp_path):
    first = build_pack(pack_dir, tmp_path / "first.zip")
    (pack_dir / LESSON / "checks" / "__pycache__").mkdir()
    (pack_dir / LESSON / "checks" / "__pycache__" / "test_hello.cpython-311.pyc").write_bytes(b"junk")
    (pack_dir / ".DS_Store").write_bytes(b"junk")
    os.utime(pack_dir / "pack.toml", (1_000_000_000, 1_000_000_000))
    second = build_pack(pack_dir, tmp_path / "second.zip")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(second) as zf:
        names = zf.namelist()
        assert names == sorted(names) and "hello-web/pack.toml" in names
        assert not any("__pycache__" in n or ".DS_Store" in n for n in names)
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_build_names_the_zip_after_id_and_version(pack_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert build_pack(pack_dir) == tmp_path / "hello-web-1.0.0.zip"
    assert build_pack(pack_dir, tmp_path / "hello") == tmp_path / "hello" / "hello-web-1.0.0.zip"


def test_build_refuses_an_invalid_pack(pack_dir, tmp_path):
    edit(pack_dir / "pack.toml", 'version = "1.0.0"', 'version = "1"')
    with pytest.raises(PackError, match="version '1' should be"):
        build_pack(pack_dir, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_new_pack_scaffolds_a_valid_pack(tmp_path):
    pack = new_pack(tmp_path / "Web Basics", title="Web basics")
    assert (pack.id, pack.title) == ("web-basics", "Web basics")
    kinds = [s.kind for s in pack.lessons[0].steps]
    assert kinds == ["code", "quiz"] and pack.lessons[0].steps[0].mistakes
    assert new_pack(tmp_path / "other", pack_id="my-course").id == "my-course"


def test_new_pack_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(PackError, match="already exists and is not empty"):
        new_pack(tmp_path / "busy")
    assert os.listdir(tmp_path / "busy") == ["notes.txt"]


# -- Markdown ----------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "Hi <img src=x onerror=alert(1)> there",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
])
def test_markdown_from_a_pack_cannot_be_active(source):
    elements = Elements()
    elements.feed(render_markdown(source))
    for tag, attrs in elements.found:
        assert tag not in ("script", "iframe", "object", "embed", "style"), tag
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", (tag, name)
            assert not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")), (tag, value)
    assert all(tag != "img" or dict(attrs).get("src") != "x" for tag, attrs in elements.found)


class Elements(HTMLParser):
    """Every element a browser would build from some HTML, with its attributes."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def test_markdown_highlights_code_with_classes_and_marks_links_external():
    html = render_markdown('See [Bottle](https://bottlepy.org).\n\n```python\nprint("hi")\n```\n')
    assert 'rel="noopener noreferrer external"' in html
    assert '<div class="highlight">' in html and 'class="nb"' in html and "style=" not in html


def test_every_pack_field_is_documented():
    from sandbox.packs import reader
    doc = (Path(__file__).parent.parent / "docs" / "lesson-packs.md").read_text()
    schemas = [reader.PACK_FIELDS, reader.LESSON_FIELDS, reader.STEP_FIELDS,
               reader.CHOICE_FIELDS, *reader.VARIANT_FIELDS.values(), reader.EDIT_FIELDS]
    missing = [name for schema in schemas for name in schema if f"| `{name}` |" not in doc]
    assert missing == []


def test_a_database_is_kept_as_its_sql_and_read_as_the_database(tmp_path):
    import sqlite3

    from sandbox.packs.format import read_tree

    folder = tmp_path / "starter"
    folder.mkdir()
    (folder / "blog.db.sql").write_text("CREATE TABLE article (id INTEGER PRIMARY KEY, title TEXT);\n"
                                        "INSERT INTO article (title) VALUES ('Hello');\n")
    (folder / "empty.db.sql").write_text("")
    (folder / "notes.sql").write_text("SELECT 1;")  # SQL that names no database file stays as it is
    files = read_tree(folder)
    assert sorted(files) == ["blog.db", "empty.db", "notes.sql"]
    assert files["empty.db"] == b"" and read_tree(folder)["blog.db"] == files["blog.db"]  # built the same each time
    (tmp_path / "built.db").write_bytes(files["blog.db"])
    connection = sqlite3.connect(tmp_path / "built.db")
    assert connection.execute("SELECT title FROM article").fetchall() == [("Hello",)]
    connection.close()


def test_alternatives_are_read_and_checked_like_mistakes(pack_dir):
    alternatives = pack_dir / LESSON / "alternatives"
    (alternatives / "hello" / "ok").mkdir(parents=True)
    (alternatives / "hello" / "ok" / "alternative.toml").write_text(
        'description = "d"\n[[edits]]\nfile = "app.py"\nfind = "web"\nreplace = "Web"\n')
    hello = load_pack(pack_dir).lesson("01-first-routes").step("hello")
    [alternative] = hello.alternatives
    assert (alternative.name, alternative.kind, alternative.edits[0].find) == ("ok", "alternative", "web")
    files = step_files(load_pack(pack_dir).lesson("01-first-routes"), hello, "ok")
    assert '@app.route("/")' in files["app.py"].decode() and "Hello, Web!" in files["app.py"].decode()

    (alternatives / "hello" / "bare").mkdir()
    (alternatives / "hello" / "empty").mkdir()
    (alternatives / "hello" / "empty" / "alternative.toml").write_text('description = "nothing"\n')
    (alternatives / "hello" / "wrong-path").mkdir()  # the same name as a mistake
    (alternatives / "hello" / "wrong-path" / "alternative.toml").write_text('remove = ["app.py"]\n')
    (alternatives / "hello" / "half").mkdir()
    (alternatives / "hello" / "half" / "alternative.toml").write_text('[[edits]]\nfile = "app.py"\nfind = "x"\n')
    (alternatives / "about-us").mkdir()
    problems = problems_of(pack_dir)
    assert find(problems, "has no alternative.toml").file == f"{LESSON}/alternatives/hello/bare"
    assert find(problems, "changes nothing").file == f"{LESSON}/alternatives/hello/empty/alternative.toml"
    find(problems, "already has a mistake or alternative called 'wrong-path'")
    assert find(problems, "edit 1 is missing the required field 'replace'").line == 1
    assert find(problems, "does not match any code step").file == f"{LESSON}/alternatives/about-us"


def test_a_lesson_that_continues_starts_from_the_earlier_lessons_finished_files(pack_dir):
    from sandbox.packs.format import finished_files, starter_files

    second = pack_dir / "lessons" / "02-next-steps"
    edit(second / "lesson.toml", 'title = ', 'continues = "01-first-routes"\ntitle = ')
    (second / "starter").mkdir()
    (second / "starter" / "notes.md").write_text("new in lesson 2\n")
    pack = load_pack(pack_dir)
    first, next_steps = pack.lesson("01-first-routes"), pack.lesson("02-next-steps")
    assert next_steps.continues is first
    files = starter_files(next_steps)
    assert files["app.py"] == finished_files(first)["app.py"] and "/about" in files["app.py"].decode()
    assert files["notes.md"] == b"new in lesson 2\n"

    edit(second / "lesson.toml", 'continues = "01-first-routes"', 'continues = "01-first-route"')
    edit(pack_dir / LESSON / "lesson.toml", 'title = ', 'continues = "02-next-steps"\ntitle = ')
    problems = problems_of(pack_dir)
    assert find(problems, "continues names lesson '01-first-route', which is not in this pack").line == 1
    find(problems, "continues names lesson '02-next-steps', which does not come before this one")


def test_a_pack_read_again_unchanged_is_the_same_and_a_changed_file_is_read_afresh(tmp_path):
    import os
    import shutil

    from sandbox.packs.reader import load_pack as load

    folder = tmp_path / "pack"
    shutil.copytree(Path(__file__).parent / "fixtures" / "packs" / "hello", folder)
    first = load(folder)
    assert load(folder) is first  # nothing changed: not parsed again
    lesson = next(p for p in folder.glob("lessons/*/lesson.toml"))
    text = lesson.read_text()
    lesson.write_text(text.replace('title = "', 'title = "Renamed: ', 1))
    os.utime(lesson, ns=(lesson.stat().st_atime_ns, lesson.stat().st_mtime_ns + 1_000_000))
    again = load(folder)
    assert again is not first and again.lessons[0].title.startswith("Renamed: ")
    (folder / "lessons" / lesson.parent.name / "lesson.toml").write_text("title = \n")
    with pytest.raises(PackError):
        load(folder)  # a broken file is reported, never an old answer

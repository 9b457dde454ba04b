"""The built-in course: every check proven by `pack check`, and the whole course walked step by step
through the same routes the lesson page uses."""

import pytest

from sandbox.packs.catalog import BUILTIN_DIR
from sandbox.packs.check import check_pack, format_report
from sandbox.packs.format import starter_files, step_files
from sandbox.packs.reader import load_pack

BLOG = BUILTIN_DIR / "blog"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def blog():
    return load_pack(BLOG)


def test_the_course_has_every_lesson_of_the_plan(blog):
    assert [lesson.id[:2] for lesson in blog.lessons] == [f"{n:02d}" for n in range(17)]
    for lesson in blog.lessons:
        assert 3 <= len(lesson.steps) <= 8, f"{lesson.id} has {len(lesson.steps)} steps"
    assert sum(len(lesson.steps) for lesson in blog.lessons) >= 60


def test_every_code_step_has_two_hints_and_quizzes_explain_every_choice(blog):
    for lesson in blog.lessons:
        for step in lesson.steps:
            if step.kind == "code":
                assert len(step.hints) >= 2, f"{lesson.id}/{step.id} needs at least two hints"
            if step.kind == "quiz":
                assert all(c.explain for c in step.choices), f"{lesson.id}/{step.id}: a choice lacks its explanation"


def test_the_course_carries_at_least_thirty_common_mistakes(blog):
    assert sum(len(step.mistakes) for lesson in blog.lessons for step in lesson.steps) >= 30


def test_every_code_step_has_two_mistakes_and_an_alternative(blog):
    short = [f"{lesson.id}/{step.id}: {len(step.mistakes)} mistakes, {len(step.alternatives)} alternatives"
             for lesson in blog.lessons for step in lesson.steps
             if step.kind == "code" and (len(step.mistakes) < 2 or len(step.alternatives) < 1)]
    assert short == []


def test_each_lesson_starts_where_the_previous_one_ended(blog):
    for before, after in zip(blog.lessons, blog.lessons[1:]):
        code_steps = [s for s in before.steps if s.kind == "code"]
        if not code_steps or not (after.continues is not None or (after.root / "starter").is_dir()):
            continue
        ended = step_files(before, code_steps[-1], "solution")
        started = starter_files(after)
        assert ended == started, f"{after.id}/starter differs from the end of {before.id}: " \
                                 f"{sorted(set(ended) ^ set(started)) or [k for k in ended if ended[k] != started.get(k)]}"


def test_pack_check_proves_every_starter_solution_and_mistake(check_runner):
    report = check_pack(BLOG, check_runner)
    print(format_report(report))
    assert report.ok, format_report(report)


def test_walking_the_whole_course_passes_every_step_in_order(client, settings, blog):
    from sandbox.packs.install import install_pack

    settings.packs_dir.mkdir(parents=True, exist_ok=True)
    install_pack(BLOG, settings.packs_dir)
    for lesson in blog.lessons:
        for step in lesson.steps:
            url = f"/learn/blog/{lesson.id}/{step.id}"
            assert client.get("/learn/blog", status=303).location.endswith(url), f"{url} should be the next step"
            page = client.get(url)
            if "Carry on with my own code" in page.text:
                client.post(url + "/start", {"mode": "starter", "csrf_token": client.csrf}, status=303)
            headers = {"HX-Request": "true"}
            if step.kind == "code":
                solution = step_files(lesson, step, "solution")
                folder = settings.workspaces_dir / "1" / "blog" / lesson.id
                for path, data in solution.items():  # what the learner makes in the terminal or Python shell
                    if not _is_text(data):
                        (folder / path).parent.mkdir(parents=True, exist_ok=True)
                        (folder / path).write_bytes(data)
                files = {f"file:{path}": data.decode() for path, data in solution.items() if _is_text(data)}
                r = client.post(url + "/check", {**files, "csrf_token": client.csrf}, headers=headers)
            elif step.kind == "quiz":
                chosen = [str(i) for i, c in enumerate(step.choices) if c.correct]
                r = client.post(url + "/quiz", {"choice": chosen, "csrf_token": client.csrf}, headers=headers)
            else:
                r = client.post(url + "/read", {"csrf_token": client.csrf}, headers=headers)
            assert "Step passed!" in r.text, f"{url} did not pass:\n{r.text[:3000]}"
    assert "Review" in client.get("/").text


def _is_text(data: bytes) -> bool:
    try:
        data.decode()
        return True
    except UnicodeDecodeError:
        return False


def test_no_file_of_the_course_is_ignored_by_git():
    """A variant's file that .gitignore hides passes here and fails on every fresh clone."""
    import shutil
    import subprocess

    root = BLOG.parent.parent.parent
    if shutil.which("git") is None or not (root / ".git").exists():
        return  # an installed sandbox: no checkout to compare with
    files = [str(p.relative_to(root)) for p in BLOG.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=root, input="\n".join(files),
                             capture_output=True, text=True).stdout.split()
    assert ignored == []

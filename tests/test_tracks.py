"""The built-in framework tracks: each a whole course like the blog, one project built lesson by lesson,
with hints, two mistakes and an alternative for every code step, and every check proven by `pack check`
in the pack's own environment."""

from pathlib import Path

import pytest

from sandbox.packs.catalog import BUILTIN_DIR
from sandbox.packs.check import check_pack, format_report
from sandbox.packs.reader import load_pack

ROOT = Path(__file__).resolve().parent.parent
TRACKS = [
    "flask-weather",
    "fastapi-tasks",
    "django-blog",
]


@pytest.fixture(scope="module", params=TRACKS)
def track(request):
    return load_pack(BUILTIN_DIR / request.param)


def code_steps(pack):
    return [(lesson, step) for lesson in pack.lessons for step in lesson.steps if step.kind == "code"]


def test_a_track_is_a_whole_course(track):
    assert len(track.lessons) >= 5
    assert sum(len(lesson.steps) for lesson in track.lessons) >= 20
    assert track.framework and track.requirements


def test_every_code_step_has_hints_two_mistakes_and_an_alternative(track):
    short = [f"{lesson.id}/{step.id}: {len(step.hints)} hints, {len(step.mistakes)} mistakes, "
             f"{len(step.alternatives)} alternatives" for lesson, step in code_steps(track)
             if len(step.hints) < 2 or len(step.mistakes) < 2 or len(step.alternatives) < 1]
    assert short == []


def test_quizzes_explain_every_choice(track):
    for lesson in track.lessons:
        for step in lesson.steps:
            if step.kind == "quiz":
                assert all(choice.explain for choice in step.choices), f"{lesson.id}/{step.id}: a choice lacks its explanation"


def test_each_lesson_goes_on_with_the_project_of_the_one_before(track):
    for before, after in zip(track.lessons, track.lessons[1:]):
        if any(step.kind == "code" for step in before.steps):
            assert after.continues is not None and after.continues.id == before.id, f"{after.id} should continue {before.id}"


@pytest.mark.slow
def test_pack_check_proves_every_starter_solution_and_variant(track, check_runner):
    from sandbox.packs.environment import Environments

    wheelhouse = ROOT / "wheelhouse"
    environments = Environments(ROOT / "data" / "test-environments",
                                wheelhouse=wheelhouse if wheelhouse.is_dir() else None, online=True)
    report = check_pack(track.root, check_runner, environments=environments, jobs=2)
    assert report.ok, format_report(report)

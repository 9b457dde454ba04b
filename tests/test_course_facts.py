"""The setup facts the course states are true for the sandbox that runs it.

Every version written in a lesson's ``requirements.txt`` (starters, solutions, mistakes and
alternatives alike) is the version the sandbox runs, and a wheel the learner's terminal can
install offline; every "Python 3.X" the course, the README or the docs name is the oldest Python
``pyproject.toml`` allows, which the running interpreter satisfies. Nothing is listed by hand: the
files are found and read.
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
PACKS = [ROOT / "sandbox" / "lessons", ROOT / "sandbox" / "packs" / "template"]
WHEELHOUSE = ROOT / "wheelhouse"
TEXT_PLACES = [ROOT / "README.md", ROOT / "docs", ROOT / "tasks.py", *PACKS]
SKIPPED_DIRS = {"__pycache__", "node_modules", ".venv", "venv", ".git"}

# "Python 3.8", "python3.11", and the same fact in code: sys.version_info >= (3, 8).
PYTHON_NAMED = re.compile(r"\b[Pp]ython\s?3\.(\d+)\b")
PYTHON_COMPARED = re.compile(r"version_info\s*(?:>=|<)\s*\(\s*3\s*,\s*(\d+)\s*\)")
# A line that is no valid requirement but still states a version (a mistake's "bottle=0.13.4").
LOOSE_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*[=~<>!]+\s*([0-9][0-9A-Za-z.+!-]*)\s*$")


def _files(places, pattern="*"):
    for place in places:
        found = [place] if place.is_file() else sorted(place.rglob(pattern)) if place.is_dir() else []
        for path in found:
            if path.is_file() and not SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
                yield path


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT).as_posix()} line {line}"


def requirement_lines():
    """(where, name, specifier) for every requirement written in a pack's requirements file."""
    found = []
    for path in _files(PACKS, "requirements*.txt"):
        for number, text in _logical_lines(path.read_text(encoding="utf-8")):
            if not text or text.startswith("-"):
                continue
            text = re.split(r"\s--?[a-z]", text, maxsplit=1)[0].strip()  # per-requirement options: --hash=...
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                loose = LOOSE_PIN.match(text)
                assert loose, f"{_where(path, number)}: {text!r} names no package and version this test can read"
                found.append((_where(path, number), loose.group(1), SpecifierSet(f"=={loose.group(2)}")))
                continue
            if requirement.marker is None or requirement.marker.evaluate():
                found.append((_where(path, number), requirement.name, requirement.specifier))
    return found


def _logical_lines(text: str):
    """(first line number, text) of each line as pip reads a requirements file: a backslash at the end
    joins the next line, and a # at the start or after a space starts a comment."""
    number, parts = None, []
    for index, raw in enumerate(text.splitlines(), 1):
        line = re.split(r"(^|\s)#", raw, maxsplit=1)[0]
        number = number or index
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        yield number, " ".join(parts).strip()
        number, parts = None, []
    if parts:
        yield number, " ".join(parts).strip()


def course_minimum() -> Version:
    """The oldest Python the project allows, from ``requires-python`` in pyproject.toml."""
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    lowest = [Version(s.version) for s in SpecifierSet(spec) if s.operator in (">=", "~=", "==")]
    assert lowest, f"requires-python = {spec!r} names no oldest version"
    return min(lowest)


def python_statements():
    """(where, minor) for every Python 3.X the course text, the README and the docs state."""
    found = []
    for path in _files(TEXT_PLACES):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for pattern in (PYTHON_NAMED, PYTHON_COMPARED):
                found += [(_where(path, number), int(m.group(1))) for m in pattern.finditer(line)]
    return found


def installed(name: str) -> Version:
    try:
        return Version(importlib.metadata.version(name))
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"{name} is written in a lesson's requirements, but the sandbox does not have it installed")


def test_every_requirement_of_the_course_is_what_the_sandbox_runs():
    lines = requirement_lines()
    assert lines, "no requirements.txt found in the course: the test would prove nothing"
    wrong = []
    for where, name, specifier in lines:
        version = installed(name)
        if not specifier.contains(version, prereleases=True):
            wrong.append(f"{where}: {name}{specifier}, but the sandbox runs {name} {version}")
    assert not wrong, "\n".join(wrong)


def test_every_pinned_version_is_in_the_wheelhouse():
    if not WHEELHOUSE.is_dir():
        pytest.skip("no wheelhouse/ yet: `python3 tasks.py setup` fills it")
    wheels: dict[str, set[Version]] = {}
    for wheel in WHEELHOUSE.glob("*.whl"):
        name, version, _build, _tags = parse_wheel_filename(wheel.name)
        wheels.setdefault(canonicalize_name(name), set()).add(version)
    missing = [f"{where}: {name}{specifier} has no wheel in wheelhouse/ (it holds {sorted(map(str, wheels.get(canonicalize_name(name), ()))) or 'none'})"
               for where, name, specifier in requirement_lines()
               if not any(specifier.contains(v, prereleases=True) for v in wheels.get(canonicalize_name(name), ()))]
    assert not missing, "\n".join(missing)


def test_the_pinned_libraries_run_on_the_python_the_course_names():
    oldest = course_minimum()
    refused = []
    for where, name, _specifier in requirement_lines():
        needs = importlib.metadata.metadata(name).get("Requires-Python")
        if needs and not SpecifierSet(needs).contains(oldest, prereleases=True):
            refused.append(f"{where}: {name} {installed(name)} needs Python {needs}, but the course allows {oldest}")
    assert not refused, "\n".join(refused)


def test_the_running_python_is_one_the_project_allows():
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert SpecifierSet(spec).contains(platform.python_version()), (
        f"pyproject.toml says requires-python = {spec!r}, but this is Python {platform.python_version()}")


def test_every_python_version_the_course_states_is_the_one_it_needs():
    oldest = course_minimum()
    statements = python_statements()
    assert statements, "no 'Python 3.X' found in the course, README or docs: the test would prove nothing"
    try:
        running = Version(platform.python_version())
    except InvalidVersion:  # pragma: no cover - a development build
        running = Version(".".join(map(str, platform.python_version_tuple()[:2])))
    assert running >= oldest, f"this is Python {running}, older than the {oldest} the project requires"
    wrong = [f"{where}: says Python 3.{minor}, but pyproject.toml requires Python {oldest} or newer"
             for where, minor in statements if (3, minor) != (oldest.major, oldest.minor)]
    assert not wrong, "\n".join(wrong)

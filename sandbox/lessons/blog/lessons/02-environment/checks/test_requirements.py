"""Checks for the "Pin your requirements" step: requirements.txt pins the blog's packages.

The learner makes the file in the Terminal tab with pip freeze > requirements.txt, inside a venv
where they ran pip install bottle peewee waitress. The venv folder itself never reaches a check
(checks run on a copy of the lesson folder without venv/), so only the file is checked: every
package listed, each pinned to one exact release with ==, the way pip freeze writes it.
"""

import re
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version

import pytest


def installed(name, fallback):
    try:
        return installed_version(name)
    except PackageNotFoundError:
        return fallback


# The versions the sandbox offers, for the examples in the messages (any exact version passes).
EXAMPLES = {"bottle": installed("bottle", "0.13.4"), "peewee": installed("peewee", "4.5.3"),
            "waitress": installed("waitress", "3.0.2")}
FREEZE = ("In the Terminal tab, with your venv active ((venv) in front of the prompt), run "
          "pip install bottle peewee waitress and then pip freeze > requirements.txt.")

# name, optional [extras], optional operator, the rest (version, maybe more)
LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(===|==|~=|!=|>=|<=|>|<|=)?\s*(.*)$")
VERSION = re.compile(r"^\d+(\.\d+)+([a-zA-Z0-9.+-]*)$")


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def find_line(text, package):
    """(operator, version, the line as written) for package, or None when it is not listed."""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip().lstrip("\ufeff")
        match = LINE.match(line)
        if match and normalise(match.group(1)) == package:
            return match.group(3) or "", match.group(4).strip(), line
    return None


def requirements(workspace):
    """The text of requirements.txt, or None when there is no such file."""
    path = workspace / "requirements.txt"
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


def check_pinned(workspace, package):
    text = requirements(workspace)
    if not (text or "").strip():
        pytest.skip("Checked once requirements.txt lists packages.")
    example = f"{package}=={EXAMPLES[package]}"
    found = find_line(text, package)
    assert found is not None, (
        f"requirements.txt does not mention {package} yet. Install it in your venv (pip install {package}) "
        f"and run pip freeze > requirements.txt again in the Terminal tab; pip writes a line like {example}."
    )
    operator, version, line = found
    assert operator or version, (
        f"{package} is listed without a version. Pin it exactly with ==, like {example}, "
        "so every install gets the same release: pip freeze > requirements.txt in the Terminal tab writes "
        "the pins for you."
    )
    assert operator != "=", f"'{line}' needs two equals signs: write it as {example}."
    assert operator == "==", (
        f"'{line}' allows many versions. Pin one exact release with ==, like {example}."
    )
    assert VERSION.match(version), (
        f"'{line}' does not end in a version number. Write an exact version like {example} "
        "(pip freeze prints the ones you have)."
    )


def test_requirements_file_has_packages(workspace):
    """requirements.txt exists and lists packages"""
    text = requirements(workspace)
    assert text is not None, f"There is no requirements.txt in your lesson folder yet. {FREEZE}"
    assert text.strip(), (
        "requirements.txt is empty: pip freeze lists the packages installed in the active environment, and a "
        "new venv has none yet. Run pip install bottle peewee waitress in the Terminal tab first, then "
        "pip freeze > requirements.txt again."
    )


def test_bottle_is_pinned(workspace):
    """requirements.txt pins bottle"""
    check_pinned(workspace, "bottle")


def test_peewee_is_pinned(workspace):
    """requirements.txt pins peewee"""
    check_pinned(workspace, "peewee")


def test_waitress_is_pinned(workspace):
    """requirements.txt pins waitress"""
    check_pinned(workspace, "waitress")

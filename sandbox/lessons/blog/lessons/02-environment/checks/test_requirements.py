"""Checks for the "Pin your requirements" step: requirements.txt pins the blog's packages.

The learner makes the file in the Terminal tab with pip freeze > requirements.txt, inside a venv
where they ran pip install bottle peewee waitress. The venv folder itself never reaches a check
(checks run on a copy of the lesson folder without venv/), so only the file is checked, read the
way pip reads it: comments, blank lines, other packages, extras, markers, hashes, any case and
- or _ in names are all fine; each of the three packages must be pinned to one exact release.
"""

import codecs
import difflib
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

# name, optional [extras], the version specifiers (comma-separated), an optional ; marker
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*?)\s*(?:;.*)?$")
SPECIFIER = re.compile(r"^(===|==|~=|!=|>=|<=|>|<|=|@)?\s*(.*)$")
BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def decode(data):
    """The file's text, as pip reads it: a byte-order mark says the encoding (Windows PowerShell's
    > writes UTF-16), else UTF-8."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def requirement_lines(text):
    """Each requirement as pip sees it: continued lines joined, comments and options dropped."""
    text = re.sub(r"\\\r?\n", " ", text)
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        line = re.split(r"\s--?[a-z]", " " + line, maxsplit=1)[0].strip()  # --hash=... and other options
        if line and not line.startswith("-"):
            yield line


def find_line(text, package):
    """(operator, version, the line as written) for package, or None when it is not listed."""
    for line in requirement_lines(text):
        match = REQUIREMENT.match(line)
        if not match or normalise(match.group(1)) != package:
            continue
        specifiers = [part.strip() for part in match.group(2).split(",") if part.strip()]
        if len(specifiers) > 1:
            return ",", match.group(2), line
        operator, version = SPECIFIER.match(specifiers[0] if specifiers else "").groups()
        return operator or "", version.strip(), line
    return None


def requirements(workspace):
    """The text of requirements.txt, or None when there is no such file."""
    path = workspace / "requirements.txt"
    return decode(path.read_bytes()) if path.is_file() else None


def near_misses(workspace):
    """Files with a name close to requirements.txt (requirement.txt, Requirements.txt, requirements.txt.txt)."""
    names = [p.name for p in workspace.iterdir() if p.is_file()]
    return [n for n in names if n != "requirements.txt" and (
        n.lower() == "requirements.txt" or difflib.SequenceMatcher(None, n.lower(), "requirements.txt").ratio() > 0.8)]


def check_pinned(workspace, package):
    text = requirements(workspace)
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
    assert operator in ("==", "===") and "*" not in version, (
        f"'{line}' allows many versions. Pin one exact release with ==, like {example}."
    )
    assert re.match(r"^\d+(\.\d+)*([a-zA-Z0-9.+!-]*)$", version), (
        f"'{line}' does not end in a version number. Write an exact version like {example} "
        "(pip freeze prints the ones you have)."
    )


def test_requirements_file_has_packages(workspace):
    """requirements.txt exists and lists packages"""
    text = requirements(workspace)
    if text is None:
        similar = near_misses(workspace)
        assert not similar, (
            f"There is no requirements.txt in your lesson folder, but there is {similar[0]}. pip, hosting "
            "platforms and your teammates look for the exact name requirements.txt: rename it (Rename in the Files "
            "panel), or run pip freeze > requirements.txt again in the Terminal tab."
        )
        pytest.fail(f"There is no requirements.txt in your lesson folder yet. {FREEZE}", pytrace=False)
    assert list(requirement_lines(text)), (
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

"""Checks for the "Pin your requirements" step: requirements.txt pins the blog's packages."""

import re

EXAMPLES = {"bottle": "0.13.4", "peewee": "3.17.9", "waitress": "3.0.2"}

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


def check_pinned(source, package):
    text = source("requirements.txt")
    example = f"{package}=={EXAMPLES[package]}"
    found = find_line(text, package)
    assert found is not None, (
        f"requirements.txt does not mention {package} yet. Add a line like {example}."
    )
    operator, version, line = found
    assert operator or version, (
        f"{package} is listed without a version. Pin it exactly with ==, like {example}, "
        "so every install gets the same release."
    )
    assert operator != "=", f"'{line}' needs two equals signs: write it as {example}."
    assert operator == "==", (
        f"'{line}' allows many versions. Pin one exact release with ==, like {example}."
    )
    assert VERSION.match(version), (
        f"'{line}' does not end in a version number. Write an exact version like {example} "
        "(pip freeze prints the ones you have)."
    )


def test_bottle_is_pinned(source):
    """requirements.txt pins bottle"""
    check_pinned(source, "bottle")


def test_peewee_is_pinned(source):
    """requirements.txt pins peewee"""
    check_pinned(source, "peewee")


def test_waitress_is_pinned(source):
    """requirements.txt pins waitress"""
    check_pinned(source, "waitress")

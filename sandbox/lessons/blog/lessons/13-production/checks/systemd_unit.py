"""The learner's systemd unit, read the way systemd reads one: sections, case-sensitive names, keys
given more than once, lines continued with a backslash, and the environment it gives the service.
A helper of the production lesson's checks, not a test file.
"""

from __future__ import annotations

import configparser
import posixpath
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from serving import shown, workspace_files


class _Repeated(dict):
    """configparser's section dict, keeping every value of a key systemd lets you repeat."""

    def __setitem__(self, key, value):
        if isinstance(value, list) and isinstance(self.get(key), list):
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


class UnitError(Exception):
    pass


@dataclass
class Unit:
    path: Path
    sections: dict[str, dict[str, list[str]]]

    def values(self, section: str, key: str) -> list[str]:
        """Every value given to ``key``, in order; an empty assignment (``Key=``) resets the list."""
        found: list[str] = []
        for value in self.sections.get(section, {}).get(key, []):
            if value == "":
                found = []
            else:
                found.append(value)
        return found

    def value(self, section: str, key: str) -> str | None:
        found = self.values(section, key)
        return found[-1] if found else None

    def near_miss(self, section: str, key: str) -> str | None:
        """A key written with other capitals (systemd's names are case-sensitive)."""
        for name in self.sections.get(section, {}):
            if name.lower() == key.lower() and name != key:
                return name
        return None


def unit_files(workspace: Path) -> list[Path]:
    return workspace_files(workspace, "*.service")


def read_unit(path: Path, workspace: Path) -> Unit:
    text = path.read_text(encoding="utf-8", errors="replace")
    # systemd joins a line that ends in a backslash with the next, and ignores spaces in front of lines.
    text = re.sub(r"\\\r?\n", " ", text)
    text = "\n".join(line.strip() for line in text.splitlines())
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",),
                                       comment_prefixes=("#", ";"), inline_comment_prefixes=None,
                                       empty_lines_in_values=False, default_section="\x00",
                                       dict_type=_Repeated)
    parser.optionxform = str  # systemd's names are case-sensitive
    try:
        parser.read_string(text, source=shown(workspace, path))
    except configparser.MissingSectionHeaderError as exc:
        raise UnitError(f"{shown(workspace, path)} line {exc.lineno}: a unit file starts with a section name in "
                        "brackets, like [Unit], before its first setting.") from None
    except configparser.ParsingError as exc:
        line = exc.errors[0][0] if exc.errors else None
        raise UnitError(f"{shown(workspace, path)} line {line}: systemd reads settings as Name=value, and this "
                        "line has no =.") from None
    sections = {name: {key: value.split("\n") for key, value in parser.items(name, raw=True)}
                for name in parser.sections()}
    return Unit(path, sections)


def the_unit(workspace: Path) -> Unit:
    units = unit_files(workspace)
    if not units:
        pytest.fail("There is no systemd unit in your workspace yet: make deploy/blog.service with the sections "
                    "[Unit], [Service] and [Install].", pytrace=False)
    try:
        return read_unit(units[0], workspace)
    except UnitError as exc:
        pytest.fail(str(exc), pytrace=False)


def environment_file_values(path: Path) -> dict[str, str]:
    """KEY=value lines of an EnvironmentFile, as systemd reads them."""
    found = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[key.strip()] = value
    return found


def unit_environment(unit: Unit, workspace: Path) -> tuple[dict[str, str], list[str], list[str]]:
    """(variables the service gets that the check can read, EnvironmentFile paths, those not in the workspace)."""
    env: dict[str, str] = {}
    for value in unit.values("Service", "Environment"):
        try:
            words = shlex.split(value)
        except ValueError:
            words = value.split()
        for word in words:
            if "=" in word:
                key, val = word.split("=", 1)
                env[key] = val
    files = [v.lstrip("-") for value in unit.values("Service", "EnvironmentFile") for v in value.split()]
    unseen = []
    for name in files:  # systemd reads these after Environment=, so they win
        matches = [p for p in workspace_files(workspace) if p.name == posixpath.basename(name)]
        if matches:
            env.update(environment_file_values(matches[0]))
        else:
            unseen.append(name)
    return env, files, unseen

"""The pack format's TOML schemas (each field's type and whether it is required) and a TOML file
read with its lines, so that every problem ``sandbox.packs.reader`` finds names its line.
"""

from __future__ import annotations

import re

DECODE_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")

TYPES = {  # kind -> (test, description for messages)
    "str": (lambda v: isinstance(v, str), "text in quotes"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "strs": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of strings"),
    "str_or_strs": (lambda v: isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v)),
                    "a string or a list of strings"),
    "tables": (lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v), "a list of tables"),
    "str_table": (lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
                  "a table of texts, like { old-id = \"new-id\" }"),
}

PACK_FIELDS = {"format": ("int", True), "id": ("str", True), "title": ("str", True), "version": ("str", True),
               "authors": ("strs", False), "description": ("str", False), "requires": ("str", False),
               "show_solutions": ("bool", False), "lessons": ("strs", True),
               "requirements": ("strs", False), "framework": ("str", False), "when_to_choose": ("str", False)}
LESSON_FIELDS = {"title": ("str", True), "summary": ("str", False), "app": ("str", False), "continues": ("str", False),
                 "renamed": ("str_table", False), "steps": ("tables", True)}
STEP_FIELDS = {"id": ("str", True), "kind": ("str", True), "title": ("str", True), "instructions": ("str", True),
               "checks": ("str_or_strs", False), "hints": ("strs", False), "solution": ("str", False),
               "question": ("str", False), "multiple": ("bool", False), "choices": ("tables", False),
               "timeout": ("int", False)}
CHOICE_FIELDS = {"text": ("str", True), "correct": ("bool", False), "explain": ("str", False)}
VARIANT_FIELDS = {  # mistake.toml and alternative.toml
    "mistake": {"message": ("str", True), "description": ("str", False), "edits": ("tables", False), "remove": ("strs", False)},
    "alternative": {"description": ("str", False), "edits": ("tables", False), "remove": ("strs", False)},
}
EDIT_FIELDS = {"file": ("str", True), "find": ("str", True), "replace": ("str", True)}
VARIANT_FOLDERS = {"mistakes": "mistake", "alternatives": "alternative"}


def describe_type(value) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a table"}
    return names.get(type(value), "a date or time")


class TomlLines:
    """One TOML file's data plus its raw lines, to find the line of a key or table."""

    def __init__(self, data: dict, text: str):
        self.data = data
        self.lines = text.splitlines()
        end = next((i for i, line in enumerate(self.lines, 1) if line.lstrip().startswith("[")), len(self.lines) + 1)
        self.top = (1, max(end - 1, 1))

    def key_line(self, key: str, section: tuple[int, int]) -> int:
        pattern = re.compile(rf"""\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
        for number in range(section[0], min(section[1], len(self.lines)) + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return section[0]

    def sections(self, header: str, within: tuple[int, int], count: int, key: str) -> list[tuple[int, int]]:
        """Line ranges of the ``[[header]]`` tables inside ``within``, one per item."""
        name = r"\s*\.\s*".join(re.escape(part) for part in header.split("."))
        pattern = re.compile(rf"\s*\[\[\s*{name}\s*\]\]")
        starts = [n for n in range(within[0], min(within[1], len(self.lines)) + 1) if pattern.match(self.lines[n - 1])]
        if len(starts) != count:  # written inline (key = [{...}]): point at the key
            line = self.key_line(key, within)
            return [(line, line)] * count
        ends = [s - 1 for s in starts[1:]] + [within[1]]
        return list(zip(starts, ends))

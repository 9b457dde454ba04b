"""The one strict schema of a progress report (format ``sandbox-progress``, version 1), and its errors as
sentences.

A report from another computer is untrusted data: it is validated with ``jsonschema`` (JSON Schema
2020-12) against this schema before anything else reads it. Every object is closed (an unknown key
is refused), every count is a whole number in range (so NaN and Infinity, which Python's JSON
reader accepts, are refused), and every text is real text (no lone surrogate, which cannot even be
written as UTF-8, and no control characters in names). docs/progress-format.md describes the fields.
"""

from __future__ import annotations

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

MAX_STEPS_PER_LESSON = 1000
MAX_LESSONS = 500
MAX_COUNT = 10**12 - 1

# Python's re (which jsonschema uses for "pattern"): no surrogate anywhere, and for names no control
# character either. A title may hold a tab or a newline.
_NO_SURROGATE = r"^[^\ud800-\udfff]*$"
_NAME_TEXT = r"^[^\ud800-\udfff\x00-\x1f\x7f-\x9f]*$"
_TEXT = r"^[^\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

_MOMENT = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", "maxLength": 40}
_COUNT = {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}
_ID = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": _NAME_TEXT}
_TITLE = {"type": "string", "maxLength": 2000, "pattern": _TEXT}

STEP = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "kind", "status", "attempts", "first_pass_seconds", "hints_used", "hints_available",
                 "solution_viewed", "seconds_spent", "first_opened_at", "passed_at"],
    "properties": {
        "id": _ID,
        "title": _TITLE,
        "kind": {"enum": ["code", "quiz", "read"]},
        "status": {"enum": ["passed", "started", "not-started"]},
        "attempts": _COUNT,
        "first_pass_seconds": {"oneOf": [_COUNT, {"type": "null"}]},
        "hints_used": _COUNT,
        "hints_available": _COUNT,
        "solution_viewed": {"type": "boolean"},
        "seconds_spent": _COUNT,
        "first_opened_at": {"oneOf": [_MOMENT, {"type": "null"}]},
        "passed_at": {"oneOf": [_MOMENT, {"type": "null"}]},
    },
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://python-web-sandbox.invalid/schemas/sandbox-progress-1.json",
    "title": "Python Web Sandbox progress report, format version 1",
    "type": "object",
    "additionalProperties": False,
    "required": ["format", "version", "report_id", "generated_at", "sandbox_version", "learner", "pack", "lessons",
                 "totals", "checksum"],
    "properties": {
        "format": {"const": "sandbox-progress"},
        "version": {"const": 1},
        "report_id": {"type": "string",
                      "pattern": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"},
        "generated_at": _MOMENT,
        "sandbox_version": {"type": "string", "maxLength": 40, "pattern": r"^[0-9A-Za-z.+-]+$"},
        "learner": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 80, "pattern": _NAME_TEXT}},
        },
        "pack": {"oneOf": [
            {"type": "null"},
            {"type": "object",
             "additionalProperties": False,
             "required": ["id", "title", "version"],
             "properties": {"id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{1,63}$"},
                            "title": _TITLE,
                            "version": {"type": "string", "minLength": 1, "maxLength": 40,
                                        "pattern": r"^[0-9A-Za-z.+-]+$"}}},
        ]},
        "lessons": {
            "type": "array",
            "maxItems": MAX_LESSONS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "steps"],
                "properties": {"id": _ID, "title": _TITLE,
                               "steps": {"type": "array", "maxItems": MAX_STEPS_PER_LESSON, "items": STEP}},
            },
        },
        "totals": {
            "type": "object",
            "additionalProperties": False,
            "required": ["steps", "passed", "attempts", "hints_used", "seconds_spent"],
            "properties": {key: _COUNT for key in ("steps", "passed", "attempts", "hints_used", "seconds_spent")},
        },
        "checksum": {
            "type": "object",
            "additionalProperties": False,
            "required": ["algorithm", "value"],
            "properties": {"algorithm": {"const": "sha256"}, "value": {"type": "string", "pattern": r"^[0-9a-f]{64}$"}},
        },
    },
}

Draft202012Validator.check_schema(SCHEMA)
_VALIDATOR = Draft202012Validator(SCHEMA)


def problems(report) -> list[str]:
    """Every way ``report`` breaks the schema, as phrases naming the field (empty when it fits)."""
    found = sorted(_VALIDATOR.iter_errors(report), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    return [describe(error) for error in found]


def first_problem(report) -> str | None:
    """The first way ``report`` breaks the schema, as a phrase; None when it fits."""
    found = problems(report)
    return found[0] if found else None


def where(error: ValidationError) -> str:
    """``lessons[0].steps[1].attempts``: the field the error is about, as a reader would write it."""
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the report"


def describe(error: ValidationError) -> str:
    """One phrase from one of the library's errors: the field, what is wrong, and the library's words."""
    field = where(error)
    value = error.instance
    if error.validator == "additionalProperties":
        return f"{field} has a field the format does not know ({error.message})"
    if error.validator == "required":
        return f"{field} is missing a field ({error.message})"
    if error.validator == "pattern" and isinstance(value, str):
        if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            return f"{field} holds a lone surrogate (half of a character), which is not text"
        if error.schema.get("pattern") in (_NAME_TEXT, _TEXT):
            return f"{field} holds a control character, which a name or title may not have"
        return f"{field} is not in the expected form ({_clip(error.message)})"
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return f"{field} is {value!r}, which is not a JSON number; counts are whole numbers"
    if error.validator in ("type", "oneOf", "enum", "const"):
        return f"{field} is missing or has the wrong type ({_clip(error.message)})"
    if error.validator in ("minimum", "maximum", "minLength", "maxLength", "maxItems"):
        return f"{field} is out of range ({_clip(error.message)})"
    return f"{field}: {_clip(error.message)}"


def _clip(text: str, longest: int = 160) -> str:
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= longest else text[: longest - 1] + "…"

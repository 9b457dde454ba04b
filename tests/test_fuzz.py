"""Fuzzing the parsers that read files from strangers: pack manifests and progress reports.

Whatever the text, reading it ends in a result or in the sandbox's own error with a sentence,
never in another exception.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.classroom import reports
from sandbox.errors import PackError
from sandbox.packs.reader import load_pack, validate_pack

FIXTURE = Path(__file__).parent / "fixtures" / "packs" / "hello"
LESSON = "lessons/01-first-routes/lesson.toml"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def pack_copy():
    folder = Path(tempfile.mkdtemp(prefix="fuzz-pack-")) / "hello"
    shutil.copytree(FIXTURE, folder)
    yield folder
    shutil.rmtree(folder.parent)


def read_with(folder: Path, rel: str, text: str) -> None:
    """Write ``text`` as ``rel`` in the pack, read the pack, and restore the file."""
    original = (FIXTURE / rel).read_text()
    (folder / rel).write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        try:
            load_pack(folder)
        except PackError as exc:
            assert str(exc) and all(p.message for p in exc.problems)
        problems = validate_pack(folder)
        assert all(isinstance(p.message, str) and p.message for p in problems)
    finally:
        (folder / rel).write_text(original)


# TOML values of every type, for putting where another type belongs.
SCALARS = st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=True), st.booleans(), st.text(max_size=30),
                    st.datetimes().map(lambda d: d.isoformat()), st.just(""), st.just("../../etc"),
                    st.just("lessons/../../x"), st.just("a" * 300))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = repr(value)
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(text, text)
    if isinstance(value, str):
        return json.dumps(value)  # JSON's string escapes are TOML's too
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def with_field(text: str, key: str, value, occurrence: int) -> str:
    """Replace the ``occurrence``-th ``key = ...`` line's value (or append the key)."""
    lines = text.splitlines()
    hits = [i for i, line in enumerate(lines) if line.split("=")[0].strip() == key]
    new = f"{key} = {toml_value(value)}"
    if hits:
        lines[hits[occurrence % len(hits)]] = new
    else:
        lines.insert(0, new)
    return "\n".join(lines) + "\n"


PACK_KEYS = list(tomllib.loads((FIXTURE / "pack.toml").read_text())) + ["bogus", "lessons"]
LESSON_KEYS = ["title", "summary", "id", "kind", "instructions", "checks", "hints", "question", "text", "correct",
               "explain", "multiple", "app", "solution", "steps", "bogus"]


@FUZZ
@given(text=st.text(max_size=400))
def test_any_text_as_pack_toml_is_read_or_refused_with_a_pack_error(pack_copy, text):
    read_with(pack_copy, "pack.toml", text)


@FUZZ
@given(text=st.text(max_size=400))
def test_any_text_as_lesson_toml_is_read_or_refused_with_a_pack_error(pack_copy, text):
    read_with(pack_copy, LESSON, text)


@FUZZ
@given(key=st.sampled_from(PACK_KEYS), value=VALUES)
def test_any_value_in_any_pack_field_is_read_or_refused(pack_copy, key, value):
    read_with(pack_copy, "pack.toml", with_field((FIXTURE / "pack.toml").read_text(), key, value, 0))


@FUZZ
@given(key=st.sampled_from(LESSON_KEYS), value=VALUES, occurrence=st.integers(0, 5))
def test_any_value_in_any_lesson_field_is_read_or_refused(pack_copy, key, value, occurrence):
    read_with(pack_copy, LESSON, with_field((FIXTURE / LESSON).read_text(), key, value, occurrence))


@FUZZ
@given(drop=st.sets(st.integers(0, 60), max_size=6), repeat=st.integers(0, 60))
def test_lesson_toml_with_lines_dropped_or_repeated_is_read_or_refused(pack_copy, drop, repeat):
    lines = (FIXTURE / LESSON).read_text().splitlines()
    kept = [line for i, line in enumerate(lines) if i not in drop]
    if kept:
        kept.insert(repeat % len(kept), kept[repeat % len(kept)])
    read_with(pack_copy, LESSON, "\n".join(kept) + "\n")


# -- progress reports (the instructor's import) -----------------------------------------------

JSONISH = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                                 st.text(max_size=20)),
                       lambda inner: st.one_of(st.lists(inner, max_size=4),
                                               st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                       max_leaves=12)


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_as_a_report_are_read_or_refused_with_a_report_error(data):
    try:
        reports.parse_report(data, "report.json")
    except reports.ReportError as exc:
        assert "report.json" in str(exc)


@FUZZ
@given(body=st.dictionaries(st.sampled_from(["learner", "pack", "steps", "lessons", "generated_at", "id", "report_id",
                                             "sandbox_version", "totals", "bogus"]), JSONISH, max_size=8))
def test_a_sealed_report_of_any_shape_is_read_or_refused_with_a_report_error(body):
    sealed = reports.seal({"format": reports.FORMAT, "version": reports.VERSION, **body})
    try:
        reports.parse_report(json.dumps(sealed).encode(), "report.json")
    except reports.ReportError as exc:
        assert "report.json" in str(exc)

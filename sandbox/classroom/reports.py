"""Progress reports: what one learner did in one pack, as a versioned, checksummed JSON file
(or CSV for a spreadsheet), the learner's final files as a zip on request, and reading a report
back while refusing anything malformed, huge or edited (docs/progress-format.md).

A report read back is validated against one strict JSON Schema (``report_schema``) before anything
else looks at it. CSV cells that a spreadsheet would run as a formula are neutralised
(``spreadsheet_cell``), for this CSV and the gradebook's.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sandbox import __version__
from sandbox.classroom import report_schema
from sandbox.errors import PackNotFound, ReportError, StorageError
from sandbox.files import write_atomic
from sandbox.packs.format import Pack
from sandbox.store.models import StepState
from sandbox.work import workspace

FORMAT = "sandbox-progress"
VERSION = 1
MAX_REPORT_BYTES = 5 * 1024 * 1024
MAX_STEPS = 5000
STATUSES = ("passed", "started", "not-started")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and full-width forms
CSV_COLUMNS = ("learner", "pack_id", "pack_version", "lesson", "step", "kind", "status", "attempts",
               "first_pass_seconds", "hints_used", "solution_viewed", "seconds_spent")


@dataclass
class ExportResult:
    report: dict
    paths: list[Path] = field(default_factory=list)


# -- building -------------------------------------------------------------------------------

def _iso(moment: dt.datetime | None) -> str | None:
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None


def _step_entry(step, row: StepState | None) -> dict:
    first_pass = None
    if row is not None and row.status == "passed" and row.passed_at and row.first_opened_at:
        first_pass = max(0, int((row.passed_at - row.first_opened_at).total_seconds()))
    status = "not-started" if row is None else ("passed" if row.status == "passed" else "started")
    return {
        "id": step.id, "title": step.title, "kind": step.kind, "status": status,
        "attempts": row.attempts if row else 0,
        "first_pass_seconds": first_pass,
        "hints_used": row.hints_revealed if row else 0,
        "hints_available": len(step.hints),
        "solution_viewed": bool(row.solution_viewed) if row else False,
        "seconds_spent": row.seconds_spent if row else 0,
        "first_opened_at": _iso(row.first_opened_at) if row else None,
        "passed_at": _iso(row.passed_at) if row else None,
    }


def build_report(learner_id: int, learner_name: str, pack: Pack | None) -> dict:
    """The sealed report for one learner and one pack (an empty one when there is no pack)."""
    lessons = []
    if pack is not None:
        rows = StepState.select().where((StepState.learner == learner_id) & (StepState.pack_id == pack.id))
        states = {(r.lesson_id, r.step_id): r for r in rows}
        lessons = [{"id": lesson.id, "title": lesson.title,
                    "steps": [_step_entry(step, states.get((lesson.id, step.id))) for step in lesson.steps]}
                   for lesson in pack.lessons]
    steps = [s for lesson in lessons for s in lesson["steps"]]
    content = {
        "format": FORMAT, "version": VERSION, "report_id": str(uuid.uuid4()),
        "generated_at": _iso(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)),
        "sandbox_version": __version__,
        "learner": {"name": learner_name},
        "pack": {"id": pack.id, "title": pack.title, "version": pack.version} if pack else None,
        "lessons": lessons,
        "totals": {"steps": len(steps), "passed": sum(s["status"] == "passed" for s in steps),
                   "attempts": sum(s["attempts"] for s in steps),
                   "hints_used": sum(s["hints_used"] for s in steps),
                   "seconds_spent": sum(s["seconds_spent"] for s in steps)},
    }
    return seal(content)


def canonical(content: dict) -> bytes:
    """The bytes the checksum covers: sorted keys, no spaces, UTF-8 (see docs/progress-format.md)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def checksum(report: dict) -> str:
    return hashlib.sha256(canonical({k: v for k, v in report.items() if k != "checksum"})).hexdigest()


def seal(content: dict) -> dict:
    return {**content, "checksum": {"algorithm": "sha256", "value": checksum(content)}}


def pick_pack(learner_id: int, packs: list[Pack], pack_id: str | None = None) -> Pack | None:
    """The pack asked for, else the one the learner worked on last, else the first installed."""
    if pack_id:
        for pack in packs:
            if pack.id == pack_id:
                return pack
        raise PackNotFound(f"No lesson pack called '{pack_id}' is installed.")
    by_id = {p.id: p for p in packs}
    recent = (StepState.select().where((StepState.learner == learner_id) & StepState.pack_id.in_(list(by_id)))
              .order_by(StepState.last_active_at.desc(nulls="LAST"), StepState.id.desc()).first())
    return by_id[recent.pack_id] if recent else (packs[0] if packs else None)


# -- writing --------------------------------------------------------------------------------

def spreadsheet_cell(value):
    """``value`` safe for a CSV cell that a spreadsheet opens: a text that starts (after any spaces) with
    ``=``, ``+``, ``-``, ``@`` (or their full-width forms), a tab, a carriage return or a newline gets a
    leading ``'``, so it is shown as text and never run as a formula (OWASP's advice on CSV injection).
    Numbers stay numbers."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(FORMULA_STARTS) or value.lstrip(" \u00a0\u3000").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_row(values) -> list:
    """Every cell of a CSV row through ``spreadsheet_cell``."""
    return [spreadsheet_cell(value) for value in values]


def to_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    pack = report.get("pack") or {}
    for lesson in report["lessons"]:
        for s in lesson["steps"]:
            writer.writerow(spreadsheet_row([
                report["learner"]["name"], pack.get("id", ""), pack.get("version", ""), lesson["id"],
                s["id"], s["kind"], s["status"], s["attempts"],
                "" if s["first_pass_seconds"] is None else s["first_pass_seconds"],
                s["hints_used"], "yes" if s["solution_viewed"] else "no", s["seconds_spent"]]))
    return out.getvalue()


def report_text(report: dict, fmt: str = "json") -> str:
    if fmt == "csv":
        return to_csv(report)
    if fmt != "json":
        raise ReportError(f"'{fmt}' is not a report format; use json or csv.")
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def default_name(report: dict, fmt: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", report["learner"]["name"].lower()).strip("-") or "learner"
    pack = (report.get("pack") or {}).get("id", "no-pack")
    stamp = report["generated_at"].replace("-", "").replace(":", "").rstrip("Z")
    return f"progress-{slug}-{pack}-{stamp}.{fmt}"


def files_zip(workspaces_dir: Path, learner_id: int, pack: Pack | None, out: Path) -> Path:
    """The learner's final files, one folder per lesson they started."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for lesson in pack.lessons if pack else []:
            ws = workspace.open_workspace(workspaces_dir, learner_id, pack.id, lesson.id)
            for rel, data in sorted(workspace.snapshot(ws).items()) if ws.path.is_dir() else []:
                archive.writestr(f"{lesson.id}/{rel}", data)
    write_atomic(out, buffer.getvalue())
    return out


def export(learner_id: int, learner_name: str, pack: Pack | None, out: Path, *, fmt: str = "json",
           with_files: bool = False, workspaces_dir: Path | None = None, folder: bool = False) -> ExportResult:
    """Write the report to file ``out`` (with ``folder``: into folder ``out``, made if need be, under
    its default name); the files zip goes beside it. StorageError when the disk refuses."""
    report = build_report(learner_id, learner_name, pack)
    out = Path(out)
    try:
        if folder:
            out.mkdir(parents=True, exist_ok=True)
        target = out / default_name(report, fmt) if folder or out.is_dir() else out
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, report_text(report, fmt).encode("utf-8"))
        result = ExportResult(report, [target])
        if with_files:
            if workspaces_dir is None:
                raise ReportError("The learner's files cannot be exported without the workspaces folder.")
            zipped = target.with_name(target.stem + "-files.zip")
            result.paths.append(files_zip(workspaces_dir, learner_id, pack, zipped))
    except OSError as exc:
        raise StorageError(f"The progress report could not be written to {out} "
                           f"({(exc.strerror or str(exc)).lower()}).") from None
    return result


# -- reading --------------------------------------------------------------------------------

def parse_report(data: bytes, name: str) -> dict:
    """Read a report file's bytes; ReportError names the file and says what is wrong with it.

    In order: the size, JSON, the format and its version, the schema (every field, nothing unknown,
    no NaN, no lone surrogate), then the checksum.
    """
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(f"{name} is {len(data) / 1024 / 1024:.1f} MB; a progress report can be at most "
                          f"{MAX_REPORT_BYTES // (1024 * 1024)} MB.")
    try:
        report = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ReportError(f"{name} is not a text file, so it cannot be a progress report.") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except (ValueError, RecursionError):
        raise ReportError(f"{name} is not JSON the sandbox can read (it is nested or sized oddly).") from None
    if not isinstance(report, dict) or report.get("format") != FORMAT:
        raise ReportError(f"{name} is not a sandbox progress report (its \"format\" is not \"{FORMAT}\").")
    version = report.get("version")
    if version != VERSION or isinstance(version, bool):
        newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
        hint = "; update the sandbox to read it" if newer else ""
        raise ReportError(f"{name} uses report format version {_shown(version)}, and this sandbox reads version "
                          f"{VERSION}{hint}.")
    seal_ = report.get("checksum")
    if not isinstance(seal_, dict) or seal_.get("algorithm") != "sha256" or not isinstance(seal_.get("value"), str):
        raise ReportError(f"{name} has no sha256 checksum, so the sandbox cannot tell whether it was edited.")
    try:
        problem = report_schema.first_problem(report)
    except RecursionError:
        problem = "it is nested too deeply"
    if problem:
        raise ReportError(f"{name} is not a valid progress report: {problem}.")
    if seal_["value"] != checksum(report):
        raise ReportError(f"{name} was changed after the sandbox wrote it: its checksum does not match its content.")
    steps = sum(len(lesson["steps"]) for lesson in report["lessons"])
    if steps > MAX_STEPS:
        raise ReportError(f"{name} is not a valid progress report: it lists more than {MAX_STEPS} steps.")
    return report


def _shown(value) -> str:
    """A value from a report, short and printable, for a sentence."""
    text = ascii(value)
    return text if len(text) <= 40 else text[:39] + "…"

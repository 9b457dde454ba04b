"""The gradebook: many learners' progress reports for one pack, as a class table, the steps where
learners struggle most, and CSV. It sits beside the core and only reads reports.

Imports are all or nothing per batch: every file is read and checked first, and one bad file
means nothing from that batch is stored. Reports imported on the Instructor page are kept in
the database (``ImportedReport``), so the class survives a restart until the instructor clears it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from sandbox.classroom.reports import ReportError, parse_report, spreadsheet_row
from sandbox.store import atomic
from sandbox.store.models import ImportedReport

STRUGGLE_LIMIT = 5


@dataclass
class ImportPlan:
    add: list[dict] = field(default_factory=list)  # reports to store
    drop: list[str] = field(default_factory=list)  # report ids they replace
    notes: list[str] = field(default_factory=list)  # sentences: added, replaced, skipped


def _key(report: dict) -> tuple[str, str]:
    return report["learner"]["name"].strip().lower(), report["pack"]["id"]


def plan_import(existing: list[dict], incoming: list[tuple[str, dict]]) -> ImportPlan:
    """Decide what a batch changes; ReportError (listing every problem) when any file does not fit.

    One report per learner and pack counts: the same report id twice is skipped, and for the same
    learner the newer report (by ``generated_at``) replaces the older.
    """
    problems = []
    held = existing[0]["pack"] if existing else None
    for name, report in incoming:
        pack = report["pack"]
        if pack is None:
            problems.append(f"{name} covers no lesson pack (it was exported before any pack was installed).")
            continue
        held = held or pack
        if (pack["id"], pack["version"]) != (held["id"], held["version"]):
            problems.append(f"{name} is a report for pack '{pack['id']}' version {pack['version']}, but this "
                            f"gradebook is for '{held['id']}' version {held['version']}. Grade one pack version at "
                            "a time (clear the gradebook to start another).")
    if problems:
        raise ReportError("Nothing was imported: " + " ".join(problems), problems)
    plan, by_id = ImportPlan(), {r["report_id"]: r for r in existing}
    by_key = {_key(r): r for r in existing}
    for name, report in incoming:
        learner = report["learner"]["name"]
        if report["report_id"] in by_id:
            plan.notes.append(f"{name}: skipped, this report ({learner}) was already imported.")
            continue
        older = by_key.get(_key(report))
        if older is not None and older["generated_at"] >= report["generated_at"]:
            plan.notes.append(f"{name}: skipped, a newer report for {learner} is already imported.")
            continue
        if older is not None:
            plan.drop.append(older["report_id"])
            plan.add = [r for r in plan.add if r["report_id"] != older["report_id"]]
            plan.notes.append(f"{name}: replaced the older report for {learner}.")
        else:
            plan.notes.append(f"{name}: imported {learner}.")
        plan.add.append(report)
        by_id[report["report_id"]], by_key[_key(report)] = report, report
    return plan


def read_files(files: list[tuple[str, bytes]]) -> list[tuple[str, dict]]:
    """Parse every file; ReportError listing each bad file (by name) when any is bad."""
    parsed, problems = [], []
    for name, data in files:
        try:
            parsed.append((name, parse_report(data, name)))
        except ReportError as exc:
            problems.append(str(exc))
    if not files:
        problems.append("Choose one or more report files (.json) to import.")
    if problems:
        raise ReportError("Nothing was imported: " + " ".join(problems), problems)
    return parsed


# -- the stored class -----------------------------------------------------------------------

def stored_reports() -> list[dict]:
    return [json.loads(row.content) for row in ImportedReport.select().order_by(ImportedReport.id)]


def import_files(files: list[tuple[str, bytes]]) -> list[str]:
    """Check and store a batch of uploaded reports, all or nothing; return one sentence per file."""
    incoming = read_files(files)
    with atomic():
        plan = plan_import(stored_reports(), incoming)
        if plan.drop:
            ImportedReport.delete().where(ImportedReport.report_id.in_(plan.drop)).execute()
        for report in plan.add:
            ImportedReport.create(report_id=report["report_id"], learner_name=report["learner"]["name"],
                                  pack_id=report["pack"]["id"], pack_version=report["pack"]["version"],
                                  generated_at=report["generated_at"], content=json.dumps(report))
    return plan.notes


def clear() -> int:
    return ImportedReport.delete().execute()


# -- the class view -------------------------------------------------------------------------

def _learner_row(report: dict, lessons: list[dict]) -> dict:
    by_lesson = {lesson["id"]: lesson["steps"] for lesson in report["lessons"]}
    steps = [s for lesson in report["lessons"] for s in lesson["steps"]]
    cells = [{"done": sum(s["status"] == "passed" for s in by_lesson.get(lesson["id"], [])), "total": lesson["steps"]}
             for lesson in lessons]
    total = sum(lesson["steps"] for lesson in lessons)
    done = sum(c["done"] for c in cells)
    return {"name": report["learner"]["name"], "generated_at": report["generated_at"], "lessons": cells,
            "done": done, "total": total, "percent": round(100 * done / total) if total else 0,
            "attempts": sum(s["attempts"] for s in steps), "hints": sum(s["hints_used"] for s in steps),
            "solutions": sum(s["solution_viewed"] for s in steps), "seconds": sum(s["seconds_spent"] for s in steps)}


def _struggles(reports: list[dict]) -> list[dict]:
    """Per step: how many learners tried it, passed it, needed hints; sorted hardest first."""
    steps: dict[tuple[str, str], dict] = {}
    for report in reports:
        for lesson in report["lessons"]:
            for s in lesson["steps"]:
                if s["status"] == "not-started":
                    continue
                entry = steps.setdefault((lesson["id"], s["id"]), {
                    "lesson": lesson["id"], "step": s["id"], "title": s["title"], "learners": 0, "passed": 0,
                    "attempts": 0, "seconds": 0, "hint_users": 0, "solutions": 0})
                entry["learners"] += 1
                entry["passed"] += s["status"] == "passed"
                entry["attempts"] += s["attempts"]
                entry["seconds"] += s["seconds_spent"]
                entry["hint_users"] += s["hints_used"] > 0
                entry["solutions"] += s["solution_viewed"]
    for entry in steps.values():
        entry["mean_attempts"] = round(entry["attempts"] / entry["learners"], 1)
        entry["mean_seconds"] = round(entry["seconds"] / entry["learners"])
        entry["stuck"] = entry["learners"] - entry["passed"]
    hard = [e for e in steps.values() if e["mean_attempts"] > 1 or e["hint_users"] or e["stuck"] or e["solutions"]]
    hard.sort(key=lambda e: (-(e["stuck"] + e["hint_users"] + e["solutions"]) / e["learners"],
                             -e["mean_attempts"], -e["mean_seconds"]))
    return hard[:STRUGGLE_LIMIT]


def class_view(reports: list[dict]) -> dict:
    """The class table (learners x lessons) and the steps where learners struggle, as plain data."""
    if not reports:
        return {"pack": None, "lessons": [], "learners": [], "struggles": []}
    newest = max(reports, key=lambda r: r["generated_at"])
    lessons = [{"id": lesson["id"], "title": lesson.get("title", lesson["id"]), "steps": len(lesson["steps"])}
               for lesson in newest["lessons"]]
    learners = sorted((_learner_row(r, lessons) for r in reports), key=lambda row: row["name"].lower())
    return {"pack": newest["pack"], "lessons": lessons, "learners": learners, "struggles": _struggles(reports)}


def class_csv(view: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["learner", "completion_percent", "steps_passed", "steps_total", "attempts", "hints_used",
                     "solutions_viewed", "seconds_spent", *(f"lesson:{lesson['id']}" for lesson in view["lessons"])])
    for row in view["learners"]:
        writer.writerow(spreadsheet_row([row["name"], row["percent"], row["done"], row["total"], row["attempts"],
                                         row["hints"], row["solutions"], row["seconds"],
                                         *(f"{c['done']}/{c['total']}" for c in row["lessons"])]))
    return out.getvalue()


def class_text(view: dict) -> str:
    """The class table for a terminal."""
    if not view["learners"]:
        return "No reports."
    pack = view["pack"]
    lines = [f"{pack['title']} ({pack['id']} {pack['version']}): {len(view['learners'])} learners"]
    header = ["Learner", "Done", "Attempts", "Hints", *(lesson["id"] for lesson in view["lessons"])]
    table = [[r["name"], f"{r['percent']}%", str(r["attempts"]), str(r["hints"]),
              *(f"{c['done']}/{c['total']}" for c in r["lessons"])] for r in view["learners"]]
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *table]]
    if view["struggles"]:
        lines.append("Where learners struggle:")
        lines += [f"  {s['lesson']}/{s['step']}: {s['mean_attempts']} attempts on average, {s['hint_users']} of "
                  f"{s['learners']} used hints, {s['stuck']} not passed yet" for s in view["struggles"]]
    return "\n".join(lines)

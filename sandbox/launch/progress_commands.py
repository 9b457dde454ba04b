"""`sandbox progress export` and `sandbox gradebook`: progress reports and the class table from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from sandbox.config import build_settings, prepare_data_dir


def add_commands(commands, add_data_dir) -> None:
    progress = commands.add_parser("progress", help="export a learner's progress report")
    sub = progress.add_subparsers(dest="progress_command", metavar="ACTION", required=True)
    export = sub.add_parser("export", help="write a progress report (JSON or CSV) for one learner and pack")
    export.add_argument("--learner", default=None, help="profile name (default: the current profile)")
    export.add_argument("--pack", default=None, help="pack id (default: the pack the learner worked on last)")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("-o", "--output", default=None,
                        help="file to write, or - for standard output (default: a new file in DATA_DIR/exports)")
    export.add_argument("--with-files", action="store_true",
                        help="also write the learner's final files per lesson as FILE-files.zip")
    add_data_dir(export)
    export.set_defaults(handler=progress_export)

    grades = commands.add_parser("gradebook", help="combine learners' progress reports into a class table")
    grades.add_argument("files", nargs="+", metavar="FILE", help="progress reports (.json) for one pack")
    grades.add_argument("-o", "--output", default=None, help="write the class table as CSV to this file")
    grades.set_defaults(handler=gradebook_command)


def progress_export(args, *, out=None) -> int:
    from sandbox.classroom import profiles, reports
    from sandbox.errors import ReportError
    from sandbox.packs.install import list_packs
    from sandbox.store import Store

    out = out or sys.stdout
    settings = build_settings(data_dir=getattr(args, "data_dir", None))
    prepare_data_dir(settings.data_dir)
    with Store.open(settings.db_path):
        learner = profiles.find_by_name(args.learner) if args.learner else profiles.current_learner()
        pack = reports.pick_pack(learner.id, list_packs(settings.packs_dir), args.pack)
        if args.output == "-":
            if args.with_files:
                raise ReportError("--with-files needs a file to write next to; use -o FILE.")
            out.write(reports.report_text(reports.build_report(learner.id, learner.name, pack), args.format))
            return 0
        target = Path(args.output) if args.output else settings.data_dir / "exports"
        result = reports.export(learner.id, learner.name, pack, target, fmt=args.format, folder=not args.output,
                                with_files=args.with_files, workspaces_dir=settings.workspaces_dir)
    what = f"'{pack.id}' {pack.version}" if pack else "no pack (none is installed)"
    print(f"Wrote the progress report of {learner.name} for {what}: " + ", ".join(map(str, result.paths)), file=out)
    return 0


def gradebook_command(args, *, out=None) -> int:
    from sandbox.classroom import gradebook
    from sandbox.classroom.reports import MAX_REPORT_BYTES
    from sandbox.errors import ReportError
    from sandbox.files import write_atomic

    out = out or sys.stdout
    files, problems = [], []
    for name in args.files:
        path = Path(name)
        try:
            # Never read more than one byte past the cap: the size check only needs to know it is too big.
            with path.open("rb") as fh:
                files.append((name, fh.read(MAX_REPORT_BYTES + 1)))
        except OSError as exc:
            problems.append(f"{name} cannot be read ({exc.strerror or exc}).")
    try:
        incoming = gradebook.read_files(files) if files else []
    except ReportError as exc:
        problems = exc.problems + problems
    if problems:
        raise ReportError("Nothing was graded: " + " ".join(problems), problems)
    plan = gradebook.plan_import([], incoming)
    for note in plan.notes:
        if "skipped" in note:
            print(note, file=sys.stderr)
    view = gradebook.class_view(plan.add)
    print(gradebook.class_text(view), file=out)
    if args.output:
        write_atomic(Path(args.output), gradebook.class_csv(view).encode("utf-8"))
        print(f"Wrote {args.output}", file=out)
    return 0

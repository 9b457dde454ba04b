"""`sandbox pack ...`: scaffold, check, build, install, list and remove lesson packs."""

from __future__ import annotations

import sys
from pathlib import Path

from sandbox.config import build_settings, prepare_data_dir


def add_commands(commands, add_data_dir) -> None:
    pack = commands.add_parser("pack", help="write, check, build and install lesson packs")
    sub = pack.add_subparsers(dest="pack_command", metavar="ACTION", required=True)

    new = sub.add_parser("new", help="scaffold a small working pack in a new folder")
    new.add_argument("dir")
    new.add_argument("--id", dest="pack_id", default=None, help="pack id (default: from the folder name)")
    new.add_argument("--title", default=None)
    new.set_defaults(handler=pack_new)

    check = sub.add_parser("check", help="validate a pack and prove its checks: starters fail, solutions pass")
    check.add_argument("path", help="a pack folder, or a built .zip of one")
    check.add_argument("--watch", action="store_true", help="check again after every change until Ctrl+C")
    check.add_argument("--lesson", action="append", default=[], metavar="ID",
                       help="check only this lesson (repeat for more); default: every lesson")
    check.add_argument("--jobs", type=_positive, default=None, metavar="N",
                       help="rows checked at once (default: the number of processors, at least 2)")
    add_data_dir(check)
    check.set_defaults(handler=pack_check)

    build = sub.add_parser("build", help="validate a pack and write a reproducible zip of it")
    build.add_argument("dir")
    build.add_argument("out", nargs="?", default=None,
                       help="a file name ending in .zip, or a folder to write <id>-<version>.zip into")
    build.add_argument("--with-wheels", action="store_true",
                       help="put the wheels of the pack's requirements into the zip, so it installs offline")
    build.add_argument("--platform", action="append", default=[], metavar="TAG",
                       help="a platform to get wheels for, as pip names it (e.g. manylinux2014_x86_64, "
                            "win_amd64, macosx_11_0_arm64); repeat for more; default: this computer's")
    build.add_argument("--python-version", action="append", default=[], metavar="X.Y",
                       help="a Python version to get wheels for (repeat for more); default: this one")
    build.set_defaults(handler=pack_build)

    install = sub.add_parser("install", help="install a pack from a folder or a .zip")
    install.add_argument("path")
    install.add_argument("--force", action="store_true", help="reinstall the same or an older version")
    add_data_dir(install)
    install.set_defaults(handler=pack_install)

    listing = sub.add_parser("list", help="list installed packs")
    add_data_dir(listing)
    listing.set_defaults(handler=pack_list)

    remove = sub.add_parser("remove", help="remove an installed pack (the learner's files and progress stay)")
    remove.add_argument("pack_id")
    add_data_dir(remove)
    remove.set_defaults(handler=pack_remove)


def environments(settings):
    """The pack environments of a data folder, installed from the sandbox's wheelhouse when it can."""
    from sandbox.packs.environment import Environments

    return Environments(settings.pack_environments_dir, wheelhouse=settings.wheelhouse)


def _say(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def _packs_dir(args) -> Path:
    settings = build_settings(data_dir=getattr(args, "data_dir", None))
    prepare_data_dir(settings.data_dir)
    return settings.packs_dir


def pack_new(args) -> int:
    from sandbox.packs.build import new_pack

    pack = new_pack(Path(args.dir), pack_id=args.pack_id, title=args.title)
    print(f"Created the pack '{pack.id}' in {args.dir}. Try: sandbox pack check {args.dir}")
    return 0


def pack_check(args) -> int:
    from sandbox.checker import CheckRunner
    from sandbox.packs.check import check_pack, format_report

    settings = build_settings(data_dir=getattr(args, "data_dir", None))
    prepare_data_dir(settings.data_dir)
    runner = CheckRunner()
    if getattr(args, "watch", False):
        from sandbox.work.watch import watch_pack

        try:
            runner.start()
            return watch_pack(Path(args.path), runner, environments=environments(settings))
        finally:
            runner.stop()
    try:
        runner.start()
        report = check_pack(Path(args.path), runner, jobs=args.jobs, lessons=args.lesson, on_row=lambda row: print(
            f"  {'ok ' if row.ok else 'BAD'} {row.lesson}/{row.step} {row.variant}: {row.got} ({row.ms} ms)",
            file=sys.stderr, flush=True), environments=environments(settings), on_progress=_say)
    finally:
        runner.stop()
    print(format_report(report))
    return 0 if report.ok else 1


def pack_build(args) -> int:
    from sandbox.packs.build import build_pack

    if (args.platform or args.python_version) and not args.with_wheels:
        from sandbox.errors import ConfigError

        raise ConfigError("--platform and --python-version choose the wheels of --with-wheels; add --with-wheels.")
    settings = build_settings(data_dir=getattr(args, "data_dir", None))
    local = [settings.wheelhouse] if settings.wheelhouse.is_dir() else []
    out = build_pack(Path(args.dir), args.out, with_wheels=args.with_wheels,  # as typed: a trailing slash means a folder
                     platforms=args.platform, python_versions=args.python_version, find_links=local)
    print(f"Built {out}")
    return 0


def pack_install(args) -> int:
    from sandbox.packs.catalog import follow_renames
    from sandbox.packs.install import install_pack
    from sandbox.store import Store

    settings = build_settings(data_dir=getattr(args, "data_dir", None))
    prepare_data_dir(settings.data_dir)
    settings.packs_dir.mkdir(parents=True, exist_ok=True)
    result = install_pack(Path(args.path), settings.packs_dir, force=args.force)
    if any(lesson.renamed for lesson in result.pack.lessons):
        with Store.open(settings.db_path):  # learners' progress follows the renamed steps
            follow_renames(result.pack)
    print(result.sentence())
    if result.pack.requirements:
        from sandbox.packs.install import scan_packs

        places = environments(settings)
        places.prepare(result.pack.requirements, wheels=_wheels_of(result.pack), progress=_say)
        places.remove_unused(scan_packs(settings.packs_dir)[0])
        print(f"Its libraries are ready: {', '.join(result.pack.requirements)}.")
    return 0


def _wheels_of(pack):
    folder = Path(pack.root) / "wheels"
    return folder if folder.is_dir() else None


def pack_list(args) -> int:
    from sandbox.packs.install import scan_packs

    settings = build_settings(data_dir=getattr(args, "data_dir", None))
    packs, broken = scan_packs(_packs_dir(args))
    places = environments(settings)
    if not packs and not broken:
        print("No lesson packs are installed.")
    for pack in packs:
        steps = sum(len(lesson.steps) for lesson in pack.lessons)
        state = places.state(pack)
        libraries = {"none": "no libraries of its own", "ready": f"libraries {state.size / 1e6:.1f} MB",
                     "failed": "libraries could not be installed", "preparing": "libraries not installed yet"}[state.state]
        framework = pack.framework or "Bottle"
        print(f"{pack.id:24} {pack.version:10} {len(pack.lessons):3} lessons {steps:4} steps  "
              f"{framework:10} {libraries:28} {pack.title}")
    for item in broken:
        print(f"{item.folder.name:24} BROKEN     {item.error}")
    return 0


def pack_remove(args) -> int:
    from sandbox.packs.install import remove_pack

    from sandbox.packs.install import scan_packs

    packs_dir = _packs_dir(args)
    remove_pack(packs_dir, args.pack_id)
    environments(build_settings(data_dir=getattr(args, "data_dir", None))).remove_unused(scan_packs(packs_dir)[0])
    print(f"Removed '{args.pack_id}'. The learner's files and progress are kept, should it be installed again.")
    return 0


def _positive(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        import argparse

        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return number

"""`sandbox instructor forget`: the way back in when the instructor passphrase is forgotten.

The passphrase keeps pupils out of the instructor's pages; whoever can run commands as this
computer's user can remove it (and could read the data folder anyway). Progress, reports and
packs are kept.
"""

from __future__ import annotations

from sandbox.config import build_settings, prepare_data_dir


def add_commands(commands, add_data_dir) -> None:
    instructor = commands.add_parser("instructor", help="the instructor passphrase that locks the instructor's pages")
    sub = instructor.add_subparsers(dest="instructor_command", metavar="ACTION", required=True)
    forget = sub.add_parser("forget", help="remove the instructor passphrase (progress, reports and packs are kept)")
    add_data_dir(forget)
    forget.set_defaults(handler=instructor_forget)


def instructor_forget(args) -> int:
    from sandbox.classroom import lock
    from sandbox.store import Store

    settings = build_settings(data_dir=getattr(args, "data_dir", None))
    prepare_data_dir(settings.data_dir)
    with Store.open(settings.db_path):
        removed = lock.forget()
    if removed:
        print("The instructor passphrase is removed: the gradebook, importing reports and removing packs are open "
              "again. Set a new one on the Instructor page.")
    else:
        print("There was no instructor passphrase; nothing is locked.")
    return 0

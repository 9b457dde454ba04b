"""`sandbox watch`: re-check the current step (and reload a preview) whenever a file is saved."""

from __future__ import annotations

import sys

from sandbox.config import build_settings, prepare_data_dir
from sandbox.packs.environment import Environments


def add_commands(commands, add_data_dir) -> None:
    watch = commands.add_parser("watch", help="re-run the current step's checks whenever you save a file, in any editor")
    watch.add_argument("--preview", action="store_true",
                       help="also serve your app here and reload it on every save (the sandbox window does this itself)")
    add_data_dir(watch)
    watch.set_defaults(handler=watch_command)


def watch_command(args) -> int:
    from sandbox.checker import CheckRunner
    from sandbox.classroom.profiles import current_learner
    from sandbox.packs.catalog import Catalog
    from sandbox.store import Store
    from sandbox.work import watch

    settings = build_settings(data_dir=getattr(args, "data_dir", None))
    prepare_data_dir(settings.data_dir)

    def say(line: str) -> None:
        print(line, flush=True)

    with Store.open(settings.db_path):
        catalog = Catalog(settings.packs_dir, environments=Environments(settings.pack_environments_dir,
                                                                      wheelhouse=settings.wheelhouse))
        place = watch.current_place(catalog, settings.workspaces_dir, current_learner().id)
        say(f"Watching {place.ws.path} for '{place.step.title}' ({place.lesson.title}). Press Ctrl+C to stop.")
        preview = None
        if args.preview:
            from sandbox.preview.manager import PreviewManager

            preview = PreviewManager(memory_mb=settings.check_memory_mb)
            say(f"Your app: {preview.open(place.learner_id, place.ws.path, place.lesson.app).url}")
        try:
            with CheckRunner(timeout=settings.check_timeout, memory_mb=settings.check_memory_mb) as runner:
                watch.watch(place, runner, say)
        except KeyboardInterrupt:
            pass
        finally:
            if preview is not None:
                preview.close()
    print("Stopped watching.", file=sys.stderr)
    return 0

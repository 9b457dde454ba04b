"""The preview child's ASGI and Django serving.

- An ASGI app (FastAPI, Starlette, a Django project's ``asgi.py``...) is served by uvicorn from the pack's
  own libraries (``serve_asgi``); ``need_uvicorn`` fails the start in plain words when the pack lacks it.
- A Django project (``django_app``) is set up as the learner wrote it, on their own database, and served
  as ``runserver`` serves it (its WSGI application) or through its ``asgi.py``; the console says when the
  database lacks migrations the project has.

The WSGI path (Waitress), the child's main, its limits and recording stay in ``sandbox.preview.child``
and ``sandbox.preview.recorder``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import sys
from pathlib import Path

from sandbox.checker.django_project import DjangoProject

# --- Django projects -------------------------------------------------------------------------


def django_app(workspace: Path, settings_module: str, app_file: str):
    """The learner's Django project's app (on their own database): its ASGI app when ``app_file`` is
    ``asgi.py``, else its WSGI application."""
    project = DjangoProject.for_preview(workspace, settings_module, app_file)
    tell_about_migrations()
    return project.asgi_app() if Path(app_file).name == "asgi.py" else project.wsgi_app(for_checks=False)


def tell_about_migrations() -> None:
    """Say in the console, as Django's runserver does, when the database lacks migrations the project has."""
    with contextlib.suppress(Exception):  # only a note: the app starts all the same
        from django.db import DEFAULT_DB_ALIAS, connections
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            apps = sorted({migration.app_label for migration, _ in plan})
            print(f"(Note: your database lacks {len(plan)} migration(s) of {', '.join(apps)}, so pages that use "
                  f"those tables will fail: run python manage.py migrate in the terminal.)", file=sys.stderr,
                  flush=True)


# --- ASGI apps, with uvicorn -----------------------------------------------------------------

NO_UVICORN = ("Your app is an ASGI app (FastAPI, Starlette...), which the preview serves with uvicorn, and this "
              "pack's environment does not have it: the pack's author should add \"uvicorn\" to requirements in "
              "pack.toml.")


def need_uvicorn() -> None:
    """Fail the start (a ``LookupError``, shown as the app's error) when the pack's environment has no uvicorn."""
    if importlib.util.find_spec("uvicorn") is None:
        raise LookupError(NO_UVICORN)


def serve_asgi(app, listener: socket.socket) -> None:
    """Serve an ASGI app with uvicorn on the socket the sandbox handed us."""
    import uvicorn

    config = uvicorn.Config(app, interface="asgi3", lifespan="auto", loop="asyncio", log_level="warning",
                            access_log=False, server_header=False, timeout_graceful_shutdown=1)
    uvicorn.Server(config).run(sockets=[listener])

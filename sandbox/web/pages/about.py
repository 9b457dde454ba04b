"""The About page: versions of the sandbox and its libraries, the data folder, the address, and which
walls learner code has on this computer (``sandbox.containment``)."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from sandbox import containment
from sandbox.web import context
from sandbox.web.render import bundle_available, render

DEPENDENCIES = ("bottle", "waitress", "peewee", "pywebview", "markdown-it-py", "pygments", "nh3",
                "platformdirs", "pytest", "webtest")


def show():
    settings = context.settings()
    versions = [("Python", f"{platform.python_version()} ({sys.implementation.name})")]
    versions += [(name, _version(name)) for name in DEPENDENCIES]
    hub = settings.hub
    address = f"http://127.0.0.1:{settings.port}/" if hub is None else hub.prefix
    mode = None if hub is None else (f"Your class's server: JupyterHub started this sandbox for {hub.user} and "
                                     f"logs you in; your progress goes to your class's gradebook when you pass a step."
                                     if hub.classroom_url else
                                     f"Your class's server: JupyterHub started this sandbox for {hub.user} and logs you in.")
    return render("about", context.page_context("about"), versions=versions, data_dir=str(settings.data_dir),
                  address=address, bundle_ok=bundle_available(), protection=containment.protection(), mode=mode)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"

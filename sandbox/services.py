"""The long-lived objects one launch shares: the database, the packs, the checker, the preview.

Built once by the launcher (``sandbox.launch.run``) and handed to ``create_app``; tests build
their own, as many as they like, each on its own data folder.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.checker import CheckRunner
from sandbox.classroom.hub_client import ClassroomClient
from sandbox.packs.catalog import Catalog
from sandbox.preview.inspector import Inspector
from sandbox.preview.manager import PreviewManager
from sandbox.store import Store
from sandbox.terminal.manager import TerminalManager
from sandbox.work.changes import Notifier


@dataclass
class Services:
    store: Store  # the data folder's database
    catalog: Catalog  # the installed lesson packs
    checker: CheckRunner | None = None  # runs a step's checks; None where checks are off
    preview: PreviewManager | None = None  # learners' own apps, live; None where the preview is off
    inspector: Inspector | None = None  # what each preview request did; None without the preview
    terminals: TerminalManager | None = None  # learners' terminals; None where they are off
    notifier: Notifier = field(default_factory=Notifier)  # wakes a page's long poll when something changed
    notices: list[str] = field(default_factory=list)  # sentences shown on the home page this launch
    open_url: Callable[[str], object] = webbrowser.open  # shows an outside link in the system browser
    classroom: ClassroomClient | None = None  # under JupyterHub: the class's service (SANDBOX_CLASSROOM_URL), or None
    activity: Callable[[], None] | None = None  # under JupyterHub: told of each thing the learner does

    def start_preview(self, preview: PreviewManager) -> None:
        """Use ``preview`` for learners' apps, with the request inspector listening to it."""
        self.preview = preview
        self.inspector = Inspector()
        preview.add_listener(self.inspector.listen)
        preview.add_listener(lambda key, event: self.notifier.notify(key))

    def start_terminals(self, terminals: TerminalManager) -> None:
        """Use ``terminals`` for learners' terminals; their output wakes the page's long poll."""
        self.terminals = terminals
        terminals.add_listener(lambda key, event: self.notifier.notify(key))

    def close(self) -> None:
        """Stop the checker, every preview and every terminal (the store is closed by its owner)."""
        if self.checker is not None:
            self.checker.stop()
        if self.preview is not None:
            self.preview.close()
        if self.terminals is not None:
            self.terminals.close()

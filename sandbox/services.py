"""The long-lived services one launch shares (checker, notices, how to open outside links).

Built once by the CLI and handed to ``create_app``; tests build their own.
"""

from __future__ import annotations

import webbrowser
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Services:
    catalog: object | None = None  # sandbox.catalog.Catalog of installed packs
    checker: object | None = None  # sandbox.checker.CheckRunner once started
    preview: object | None = None  # sandbox.preview.PreviewManager: learners' own apps, live
    notices: list[str] = field(default_factory=list)  # sentences shown on the home page this launch
    open_url: Callable[[str], object] = webbrowser.open
    url: str = ""  # the address the sandbox is served at, for the About page

    def close(self) -> None:
        if self.checker is not None:
            self.checker.stop()
        if self.preview is not None:
            self.preview.close()

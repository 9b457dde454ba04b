"""Who owns the learner's files when the sandbox runs as root and its preview runs as `nobody`.

Root ignores process limits, so a preview started by root drops to `nobody`, which must read the
sources and write the app's database.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)


def give_new_files(folder: Path, owner: tuple[int, int]) -> None:
    """Hand to `nobody` what is not theirs yet (new files from the sandbox's saves, as root)."""
    for top, dirs, files in os.walk(folder):
        for name in [".", *dirs, *files]:
            path = os.path.join(top, name)
            try:
                if os.lstat(path).st_uid != owner[0]:
                    os.lchown(path, *owner)
            except FileNotFoundError:  # an autosave's temporary file, renamed away meanwhile
                pass


def let_through(folder: Path) -> None:
    """As root, let `nobody` pass through (never list) the folders above the workspace.

    SQLite turns the app's relative "blog.db" into an absolute path, so the app must be able to
    reach its workspace by name; a data dir under /root or a 0700 temp folder would stop it.
    """
    for parent in folder.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            log.info("Letting the preview pass through %s (search permission only)", parent)
            os.chmod(parent, stat.S_IMODE(mode) | stat.S_IXOTH)

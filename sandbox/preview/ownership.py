"""Who owns the learner's files when the sandbox runs as root and its preview runs as `nobody`.

Root ignores process limits, so a preview started by root drops to `nobody`, which must read the
sources and write the app's database. Only the workspace itself is ever changed: no folder above it
(the data folder, a home folder) gets any permission it did not have. In a bubblewrap sandbox
(``sandbox.containment``) the folders above the workspace are the sandbox's own, open to pass
through; without one, ``blocked_for_others`` names the folder that keeps `nobody` out, to say so.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def give_new_files(folder: Path, owner: tuple[int, int]) -> None:
    """Hand to `nobody` what is not theirs yet (new files from the sandbox's saves, as root).

    Only what is inside ``folder`` and is no link: ``lchown`` changes a planted link itself, never
    what it points to."""
    for top, dirs, files in os.walk(folder):
        for name in [".", *dirs, *files]:
            path = os.path.join(top, name)
            try:
                if os.lstat(path).st_uid != owner[0]:
                    os.lchown(path, *owner)
            except FileNotFoundError:  # an autosave's temporary file, renamed away meanwhile
                pass


def blocked_for_others(folder: Path) -> Path | None:
    """The first folder above ``folder`` that other users cannot pass through (no o+x), or None."""
    for parent in reversed(Path(folder).parents):
        try:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return parent
        except OSError:
            return parent
    return None

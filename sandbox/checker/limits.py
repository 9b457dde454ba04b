"""What a check process may use: environment, user, memory, processes, files.

Everything here is applied inside the check child, before any learner or pack code runs.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from sandbox.files import is_temp_file, walk_files

try:
    import resource
except ImportError:  # Windows: no rlimits; the wall-clock timeout still applies
    resource = None
try:
    import ctypes  # imported now: after the drop to `nobody` it may no longer be readable
except ImportError:
    ctypes = None

OUTPUT_TAIL_BYTES = 64 * 1024  # what we keep of a check's output
OUTPUT_LIMIT_BYTES = 4 * 1024 * 1024  # more printing than this stops the check
MAX_PROCESSES = 64  # processes (and threads) a check may run, beyond what its user already has
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_WORKSPACE_BYTES = 64 * 1024 * 1024


def check_temp_root() -> str | None:
    """Where a check's private folder goes: a RAM-backed folder when the system has one.

    A check writes a copy of the workspace and a fresh SQLite database, whose commits wait for
    the disk (fsync) on a disk-backed /tmp; on tmpfs they do not, which makes a typical check
    about a third faster. Returns ``/dev/shm`` when it is a writable tmpfs (Linux, per
    /proc/mounts), else None (``tempfile``'s default folder).
    """
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            tmpfs = any(line.split()[1:3] == ["/dev/shm", "tmpfs"] for line in mounts)
    except OSError:
        return None
    return "/dev/shm" if tmpfs and os.access("/dev/shm", os.W_OK | os.X_OK) else None


def clean_env(home: str) -> dict:
    """A minimal environment: nothing of the sandbox's (tokens, SANDBOX_*) reaches a check; only the
    time zone (``TZ``) is passed on, so ``TZ=Europe/Berlin sandbox pack check`` checks in Berlin time."""
    env = {
        "PATH": os.defpath if os.name != "nt" else os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": home,
        "TMPDIR": home,
        "PYTHONDONTWRITEBYTECODE": "1",
        # Plugins installed in the venv (playwright's, ...) must not join a check's session.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    if "TZ" in os.environ:  # the learner's time zone, so their code and the checks see the clock they do
        env["TZ"] = os.environ["TZ"]
    if os.name == "nt":
        for name in ("SYSTEMROOT", "TEMP", "TMP"):
            if name in os.environ:
                env[name] = os.environ[name]
    return env


def unprivileged_ids() -> tuple[int, int] | None:
    """(uid, gid) to drop to when running as root, since root ignores RLIMIT_NPROC."""
    if os.name == "nt" or os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return (65534, 65534)
    return (entry.pw_uid, entry.pw_gid)


def copy_tree(src: Path, dest: Path, owner: tuple[int, int] | None) -> None:
    """Copy the workspace (``sandbox.files``' rule: data files too, no skipped folders, junk or links) so
    a check never writes into, or is confused by, the real one. Files past MAX_WORKSPACE_BYTES are left out.

    The workspace is live while it is copied: the sandbox's own temporary files (an autosave's, renamed
    away at any moment) are never copied, and a file that vanishes between being listed and being
    copied (a journal the preview's database removed, a file deleted in the panel) is left out.
    """
    budget = MAX_WORKSPACE_BYTES
    dest.mkdir(exist_ok=True)
    for rel in walk_files(src, data=True):
        if is_temp_file(rel.rsplit("/", 1)[-1]):
            continue
        path = src / rel
        target = dest / rel
        try:
            size = path.stat().st_size
            if size > budget:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        except (FileNotFoundError, NotADirectoryError):
            target.unlink(missing_ok=True)
            continue
        budget -= size
    if owner:
        give_tree(dest, owner)


def give_tree(path: Path, owner: tuple[int, int]) -> None:
    os.chown(path, *owner)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), *owner)


def count_user_processes(uid: int) -> int:
    """How many processes the user already runs (Linux /proc), since RLIMIT_NPROC counts them all."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    count = 0
    for entry in entries:
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def enter_limits(owner: tuple[int, int] | None, memory_mb: int) -> None:
    """Drop to the unprivileged user (if root) and cap memory, processes, files and core dumps."""
    if os.name == "nt":
        return
    if owner:
        reach_imports_through_fds()
        os.setgroups([])
        os.setgid(owner[1])
        os.setuid(owner[0])
    set_parent_death_signal()
    if resource is None:
        return
    memory = memory_mb * 1024 * 1024
    _lower(resource.RLIMIT_AS, memory)
    _lower(resource.RLIMIT_CORE, 0)
    _lower(resource.RLIMIT_FSIZE, MAX_FILE_BYTES)
    if hasattr(resource, "RLIMIT_NPROC"):
        _lower(resource.RLIMIT_NPROC, count_user_processes(os.getuid()) + MAX_PROCESSES)


def _lower(limit: int, value: int) -> None:
    soft, hard = resource.getrlimit(limit)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    try:
        resource.setrlimit(limit, (value, value))
    except (ValueError, OSError):
        pass


def set_parent_death_signal() -> None:
    """Linux: the check dies with its worker even if the worker is killed hard."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def reach_imports_through_fds() -> None:
    """Keep the Python installation importable after dropping to `nobody`.

    Python may live somewhere `nobody` cannot read (CI: /root/.pyenv). A directory opened
    before the drop stays usable through /proc/self/fd/N, so sys.path is rewritten to those.
    """
    if not os.path.isdir("/proc/self/fd"):
        return
    import importlib

    reachable, moved = [], {}
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            moved[entry] = f"/proc/self/fd/{os.open(entry, os.O_RDONLY | os.O_DIRECTORY)}"
            reachable.append(moved[entry])
        else:
            reachable.append(entry)
    sys.path[:] = reachable
    # Packages imported already (encodings, email, ...) find their submodules through __path__,
    # which still names the unreadable folders: point those at the opened ones too.
    for module in list(sys.modules.values()):
        paths = getattr(module, "__path__", None)
        if isinstance(paths, list):
            paths[:] = [_moved(p, moved) for p in paths]
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()


def _moved(path: str, moved: dict[str, str]) -> str:
    for old, new in moved.items():
        if path == old or path.startswith(old + os.sep):
            return new + path[len(old):]
    return path

"""Walls around learner code: every check worker, preview and terminal runs inside a bubblewrap sandbox.

bubblewrap (``bwrap``, Debian's ``bubblewrap``, the tool Flatpak uses) builds a private view of the
computer for one process tree, without privileges where the kernel allows user namespaces. Each of
the sandbox's learner processes sees:

- the system (``/usr``, ``/etc``, the ``/bin`` and ``/lib`` links), the Python installation, the
  sandbox's own code and its virtual environment, all read-only;
- only its own folders read-write (a preview or a terminal: the lesson's folder), or read-only (a
  check worker: the folder the runner copies each check's files into);
- a private, empty ``/tmp`` and ``/dev/shm`` (memory that ends with it);
- nothing of the data folder (no ``sandbox.db``, no ``sandbox.lock`` with the launch token, no other
  learner's files), of the user's home or of anything else not named above;
- its own process tree only (a PID namespace): it cannot see or signal the sandbox or anyone else,
  and when its first process ends, is killed, or the sandbox dies (``--die-with-parent``), the
  kernel kills every process left in it, ``setsid`` daemons included;
- no network for checks and previews (``--unshare-net``: a loopback of their own, nothing else). A
  check calls the app through WSGI. A preview serves on the loopback socket the sandbox opened for it
  on the computer's 127.0.0.1 and hands over as a descriptor (a socket keeps the network it was made
  in), so the page and the learner's ``curl`` reach it while the app can listen nowhere else and
  connect to nothing, the sandbox's own server included. The terminal keeps the computer's network:
  its ``curl`` must reach the preview, and the learner's own ``python app.py`` must be reachable.

Where bubblewrap is missing or cannot create namespaces (macOS, Windows, a kernel or container
without user namespaces), ``protection()`` says so in one sentence (the About page, the log, the
README) and the processes run with the limits of ``sandbox.checker.limits`` only.
``SANDBOX_CONTAINMENT=off`` turns the walls off on purpose (``python -m bench check`` measures both).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

ENV_SWITCH = "SANDBOX_CONTAINMENT"  # "off": no walls (the bench's baseline); anything else: walls when bwrap works
CODE = Path(__file__).resolve().parent  # the sandbox package: the only part of the checkout a learner process sees
SYSTEM_FOLDERS = ("/usr", "/etc")
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
TMP_BYTES = 512 * 1024 * 1024  # each private /tmp and /dev/shm (memory); a check's files are capped well below
# As root there is no user namespace (root's processes would stay root's to the kernel, beyond RLIMIT_NPROC):
# bwrap keeps only what our own code needs before it drops to `nobody` (limits.enter_limits).
ROOT_CAPABILITIES = ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_KILL", "CAP_DAC_READ_SEARCH")
KINDS = ("check", "preview", "terminal")
PROBE_SECONDS = 10.0


@dataclass(frozen=True)
class Protection:
    """Which walls learner code has on this computer, as data and as one sentence."""

    active: bool
    tool: str | None = None  # bwrap's path when active
    version: str = ""
    reason: str = ""  # why not, when not active
    features: frozenset = field(default_factory=frozenset)  # optional bwrap flags this version has

    @property
    def sentence(self) -> str:
        if self.active:
            return (f"Learner code runs in a bubblewrap sandbox ({self.tool}{' ' + self.version if self.version else ''}): "
                    "each check, preview and terminal sees the system read-only, only its own lesson folder, "
                    "a private /tmp and only its own processes, never the data folder or another learner's "
                    "work; checks and your app in the preview have no network beyond their own address.")
        return (f"Learner code is not walled in ({self.reason}): checks, the preview and terminals run with "
                "time, memory, process and file-size limits only, and can read what this computer's user can "
                "read. Install bubblewrap (the 'bubblewrap' package) to wall them in.")


_lock = threading.Lock()
_cached: Protection | None = None


def protection(*, refresh: bool = False) -> Protection:
    """The walls in force for this process (probed once; thread-safe). The first answer is logged."""
    global _cached
    with _lock:
        if _cached is None or refresh:
            _cached = probe()
            (log.info if _cached.active else log.warning)("%s", _cached.sentence)
        return _cached


def probe(bwrap: str | None = None, environ=None) -> Protection:
    """Find bubblewrap and prove it works here: a check worker's exact sandbox must run Python."""
    environ = os.environ if environ is None else environ
    if environ.get(ENV_SWITCH, "").strip().lower() in ("off", "0", "no", "false"):
        return Protection(False, reason=f"turned off with {ENV_SWITCH}=off")
    if not sys.platform.startswith("linux"):
        return Protection(False, reason=f"bubblewrap needs Linux; this is {sys.platform}")
    tool = bwrap or shutil.which("bwrap") or ("/usr/bin/bwrap" if os.path.exists("/usr/bin/bwrap") else None)
    if tool is None or not os.access(tool, os.X_OK):
        return Protection(False, reason="bubblewrap (bwrap) is not installed")
    try:
        helped = subprocess.run([tool, "--help"], capture_output=True, text=True, timeout=PROBE_SECONDS)
        version = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=PROBE_SECONDS)
    except (OSError, subprocess.SubprocessError) as exc:
        return Protection(False, reason=f"{tool} could not run: {exc}")
    flags = set(re.findall(r"^\s+(--[a-z0-9-]+)", helped.stdout + helped.stderr, re.MULTILINE))
    features = frozenset(name for name in ("--disable-userns", "--size", "--chmod", "--cap-drop") if name in flags)
    trial = Protection(True, tool, version.stdout.strip().removeprefix("bubblewrap").strip(), features=features)
    # As root, our code drops to `nobody` in there, who must still reach the Python installation.
    drop = "import os; os.setgroups([]); os.setgid(65534); os.setuid(65534); " if os.geteuid() == 0 else ""
    command = wrap(trial, "check", [sys.executable, "-I", "-S", "-c", drop + "import json; print('walled')"])
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PROBE_SECONDS,
                              stdin=subprocess.DEVNULL, cwd="/")
    except (OSError, subprocess.SubprocessError) as exc:
        return Protection(False, reason=f"{tool} could not run: {exc}")
    if done.returncode != 0 or done.stdout.strip() != "walled":
        said = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return Protection(False, reason=f"{tool} cannot make a sandbox here: {said}")
    return trial


# --- the command line --------------------------------------------------------------------


def wrap(walls: Protection | None, kind: str, command: list[str], *, read_write: Iterable = (),
         read_only: Iterable = (), private: Iterable = (), python: str | None = None,
         chdir: str | None = None) -> list[str]:
    """``command`` inside a sandbox of ``kind`` ("check", "preview" or "terminal"), or unchanged when
    ``walls`` are not active. ``read_write`` / ``read_only``: the folders (or files) it may see, at the
    same paths; ``private``: more empty folders in memory, its own (a terminal's home); ``python``:
    another interpreter than this one whose installation it must run."""
    if walls is None or not walls.active:
        return list(command)
    if kind not in KINDS:
        raise ValueError(f"unknown kind of sandbox {kind!r}")
    mounts: list[tuple[str, list[str]]] = []  # (destination, arguments), mounted parents first
    for folder in SYSTEM_FOLDERS:
        if os.path.isdir(folder):
            mounts.append((folder, ["--ro-bind", folder, folder]))
    for name in SYSTEM_LINKS:
        if os.path.islink(name):
            mounts.append((name, ["--symlink", os.readlink(name), name]))
        elif os.path.isdir(name):
            mounts.append((name, ["--ro-bind", name, name]))
    for folder in _readable_folders(python):
        mounts.append((folder, ["--ro-bind", folder, folder]))
    for folder in read_only:
        folder = os.path.abspath(folder)
        mounts.append((folder, ["--ro-bind", folder, folder]))
    for folder in read_write:
        folder = os.path.abspath(folder)
        mounts.append((folder, ["--bind", folder, folder]))
    sized = ["--size", str(TMP_BYTES)] if "--size" in walls.features else []
    mounts.append(("/proc", ["--proc", "/proc"]))
    mounts.append(("/dev", ["--dev", "/dev"]))
    for folder in ("/tmp", "/dev/shm", *(os.path.abspath(f) for f in private)):
        mode = ["--chmod", "1777", folder] if "--chmod" in walls.features else []
        mounts.append((folder, [*sized, "--tmpfs", folder, *mode]))
    mounts.sort(key=lambda item: len(Path(item[0]).parts))  # stable: parents before what is mounted in them
    args = [walls.tool]
    kept = list(_without_covered(mounts))
    for _, chunk in kept:
        args += chunk
    if "--chmod" in walls.features:
        # bwrap makes the folders above a mount 0700; the `nobody` a check drops to must pass through them.
        placed = {dest for dest, _ in kept}
        binds = [dest for dest, chunk in kept if chunk[0] in ("--bind", "--ro-bind")]
        made = binds + [dest for dest, chunk in kept if "--tmpfs" in chunk]
        above = {str(parent) for dest in made for parent in Path(dest).parents if str(parent) != "/"}
        for folder in sorted(above - placed, key=lambda p: len(Path(p).parts)):
            if not any(folder.startswith(b.rstrip("/") + "/") for b in binds):  # not in a folder of the computer's
                args += ["--chmod", "0755", folder]
    args += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
             "--die-with-parent", "--new-session", "--chdir", chdir or "/tmp"]
    if kind in ("check", "preview"):
        args.append("--unshare-net")  # a loopback of its own: WSGI for a check, a handed-over socket for a preview
    if os.geteuid() == 0:
        args += ["--cap-drop", "ALL"] + [arg for cap in ROOT_CAPABILITIES for arg in ("--cap-add", cap)]
    else:
        args.append("--unshare-user")
        if "--disable-userns" in walls.features:
            args.append("--disable-userns")
    return [*args, "--", *command]


def _without_covered(mounts):
    """Leave out a read-only bind of a folder already bound read-only through a parent: bwrap would
    bind it again for nothing (a binding of the same folder is harmless, but costs a mount)."""
    bound: list[str] = []
    for dest, chunk in mounts:
        if chunk[0] == "--ro-bind" and any(dest == p or dest.startswith(p.rstrip("/") + "/") for p in bound):
            continue
        if chunk[0] == "--ro-bind":
            bound.append(dest)
        yield dest, chunk


_folders_cache: dict[str | None, list[str]] = {}


def _readable_folders(python: str | None) -> list[str]:
    """The Python installation(s), the virtual environment and the sandbox's own code: read-only.

    Never the whole checkout (its ``data/`` folder is the default data folder), only the package.
    """
    if python in _folders_cache:
        return _folders_cache[python]
    found = {CODE}
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        found.add(Path(prefix).resolve())
    for entry in sys.path:  # site-packages outside the prefixes (a distribution's dist-packages)
        if entry and os.path.isdir(entry) and os.path.basename(entry.rstrip("/")) in ("site-packages", "dist-packages"):
            found.add(Path(entry).resolve())
    for interpreter in ([sys.executable] if python is None else [sys.executable, python]):
        for candidate in (Path(interpreter).absolute(), Path(os.path.realpath(interpreter))):
            home = _installation_of(candidate)
            if home is not None:
                found.add(home)
    result = sorted(str(p) for p in found if str(p) not in ("/", "/usr") and not str(p).startswith("/usr/"))
    _folders_cache[python] = result
    return result


def _installation_of(interpreter: Path) -> Path | None:
    """The folder a Python executable belongs to: a venv (``pyvenv.cfg``) or a prefix with ``lib/pythonX.Y``."""
    lib = f"python{sys.version_info[0]}"
    for folder in (interpreter.parent, interpreter.parent.parent):
        if (folder / "pyvenv.cfg").is_file():
            return folder
        if (folder / "lib").is_dir() and any(p.name.startswith(lib) for p in (folder / "lib").iterdir()):
            return folder
    return None


# --- inside a sandbox: processes --------------------------------------------------------


def _parents() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process this /proc shows (inside a sandbox: its own only)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[int(entry)] = (int(fields[1]), fields[0].decode())
    return found


def tree(parents: dict[int, tuple[int, str]], roots: Iterable[int]) -> set[int]:
    """``roots`` and every process below them."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in parents.items():
        children.setdefault(parent, []).append(pid)
    found, frontier = set(), [r for r in roots if r in parents]
    while frontier:
        pid = frontier.pop()
        if pid not in found:
            found.add(pid)
            frontier += children.get(pid, [])
    return found


def end_strays(running: Iterable[int], *, seconds: float = 2.0) -> int:
    """Inside a sandbox's own PID namespace only: SIGKILL every process that is not the namespace's
    init (pid 1), not us, and not a running check (or below one), until none is left; return how
    many were killed. What a finished check left behind (a ``setsid`` daemon, a double fork) ends
    with it, not with the worker. Never call it outside a PID namespace of our own."""
    running = list(running)
    if not running:
        # Nothing else runs here: one kill(-1) reaches every process of the namespace but init and us,
        # and the kernel does it while no fork can happen, so a fork bomb cannot slip past it.
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
    killed = 0
    deadline = time.monotonic() + seconds
    while True:
        parents = _parents()
        keep = {1, os.getpid()} | tree(parents, running)
        strays = {pid: state for pid, (_, state) in parents.items() if pid not in keep and state not in ("Z", "X")}
        if not strays or time.monotonic() > deadline:
            return killed
        # Stopped processes cannot fork: stop them all first, kill them once none is left running.
        still = any(state not in ("T", "t") for state in strays.values())
        for pid in strays:
            try:
                os.kill(pid, signal.SIGSTOP if still else signal.SIGKILL)
                killed += not still
            except OSError:
                pass
        time.sleep(0.001)


def kill_sandbox(root: int, argv: list[str] | None = None, *, reap=None) -> None:
    """SIGKILL a sandbox started as ``root`` (bwrap's pid, as this computer sees it) and everything in it.

    Killing bwrap alone is not enough while it is still setting up: its child arms its own parent-death
    signal only at the end of that, so it would live on. So every process below ``root`` is killed (the
    sandbox's init among them, which takes its whole PID namespace along); then, once ``reap()`` has
    reaped bwrap, a child it was cloning at that very moment (an orphan now, with bwrap's own command
    line ``argv``) is found and killed too."""
    for pid in sorted(tree(_parents(), [root]), reverse=True):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if reap is not None:
        reap()
    if not argv:
        return
    wanted = b"\0".join(os.fsencode(a) for a in argv) + b"\0"
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if fh.read() != wanted:
                    continue
            os.kill(int(entry), signal.SIGKILL)
        except OSError:
            continue


def host_pid(root: int, inner: int) -> int | None:
    """The pid, as this computer sees it, of the process a sandbox started from ``root`` (bwrap's pid)
    calls ``inner`` in its own namespace; None when it is gone (or /proc cannot tell)."""
    parents = _parents()
    for pid in tree(parents, [root]):
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as status:
                for line in status:
                    if line.startswith("NSpid:"):
                        levels = line.split()[1:]
                        if len(levels) > 1 and int(levels[-1]) == inner:
                            return pid
                        break
        except (OSError, ValueError):
            continue
    return None

"""A pack's own Python libraries: one folder of installed wheels per distinct set of requirements.

A pack may say in ``pack.toml`` which libraries its learners need (``requirements = ["flask>=3.1"]``).
They are installed with pip into a folder of their own (``pip install --target``), never into the
sandbox's environment, so two packs that want different versions coexist. The folder is put at the
front of ``sys.path`` for the pack's checks, preview and terminal; pytest, WebTest and the check
plugin still come from the sandbox.

Only wheels are installed (``--only-binary :all:``): installing a wheel runs none of its code,
whereas building a source distribution would run the pack author's ``setup.py`` with the
sandbox's rights. Offline first: the wheels a pack zip carries (``wheels/``, from ``pack build
--with-wheels``) and the sandbox's own ``wheelhouse/``; PyPI only when those lack something.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import EnvironmentNotReady, PackError, SandboxError

log = logging.getLogger(__name__)

DONE_FILE = ".complete"  # written last: a folder without it is an install that did not finish
PIP_TIMEOUT = 600  # seconds for one pip run (Django and its friends: about 10 MB)
MAX_REQUIREMENTS = 40


@dataclass(frozen=True)
class EnvironmentState:
    """What a pack's environment is doing: ``ready`` (with ``path`` and ``size`` in bytes), ``preparing``
    (with the last ``step`` said), ``failed`` (with the ``error`` sentence), or ``none`` (no requirements)."""

    state: str
    path: Path | None = None
    size: int = 0
    step: str = ""
    error: str = ""


def environment_key(requirements: Iterable[str]) -> str:
    """The folder name for a set of requirements on this Python: 16 hex digits of a SHA-256."""
    text = json.dumps({"python": f"{sys.implementation.cache_tag}-{sys.platform}",
                       "requirements": sorted({r.strip() for r in requirements})})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def requirement_problem(text: str) -> str | None:
    """Why ``text`` cannot be a pack requirement (PEP 508 via ``packaging``), or None when it can.

    Only names from an index with versions and markers: no URLs, no paths, no pip options.
    """
    from packaging.requirements import InvalidRequirement, Requirement

    if text.strip().startswith("-"):
        return f"'{text}' is a pip option; list only requirements like 'flask>=3.1'"
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        return f"'{text}' is not a requirement pip understands ({str(exc).splitlines()[0]})"
    if requirement.url:
        return f"'{text}' points at a URL or a file; list a name from PyPI, like 'flask>=3.1'"
    return None


def top_level_modules(path: Path) -> list[str]:
    """The importable top-level names installed in ``path`` (from each wheel's ``top_level.txt`` or its
    RECORD), for the warm check worker to import ahead of the first check."""
    names: set[str] = set()
    for info in sorted(path.glob("*.dist-info")):
        top = info / "top_level.txt"
        if top.is_file():
            names.update(line.strip() for line in top.read_text(errors="replace").splitlines() if line.strip())
            continue
        record = info / "RECORD"
        if record.is_file():
            for line in record.read_text(errors="replace").splitlines():
                first = line.split(",", 1)[0].split("/", 1)[0]
                first = first.removesuffix(".py")
                if first and first.isidentifier():
                    names.add(first)
    return sorted(n for n in names if n.isidentifier() and not n.startswith("_"))


def folder_size(path: Path) -> int:
    """Bytes of the files under ``path`` (links not followed)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


class Environments:
    """The pack environments of one data folder (``root``), installed from ``wheelhouse`` when possible.

    Thread-safe. ``prepare`` blocks; ``path_for`` answers at once (starting the work in the
    background when needed) and raises EnvironmentNotReady until the folder is ready.
    """

    def __init__(self, root: Path, *, wheelhouse: Path | None = None, online: bool = True):
        self.root = Path(root)
        self.wheelhouse = wheelhouse
        self.online = online
        self._lock = threading.Lock()
        self._preparing: dict[str, str] = {}  # key -> the last step said
        self._failed: dict[str, str] = {}  # key -> the sentence

    def folder(self, requirements: Iterable[str]) -> Path:
        return self.root / environment_key(requirements)

    def state(self, pack) -> EnvironmentState:
        """Where ``pack``'s environment stands, without starting anything."""
        if not pack.requirements:
            return EnvironmentState("none")
        key = environment_key(pack.requirements)
        target = self.root / key
        if (target / DONE_FILE).is_file():
            return EnvironmentState("ready", path=target, size=_recorded_size(target))
        with self._lock:
            if key in self._preparing:
                return EnvironmentState("preparing", step=self._preparing[key])
            if key in self._failed:
                return EnvironmentState("failed", error=self._failed[key])
        return EnvironmentState("preparing", step="Waiting to start")

    def path_for(self, pack) -> Path | None:
        """The ready folder of ``pack``'s libraries, None when it needs none.

        Raises EnvironmentNotReady (starting the install in the background) when it is not ready yet,
        and again with the reason when the install failed.
        """
        if not pack.requirements:
            return None
        target = self.folder(pack.requirements)
        if (target / DONE_FILE).is_file():
            return target
        key = target.name
        with self._lock:
            failed = self._failed.get(key)
            busy = key in self._preparing
        if failed:
            raise EnvironmentNotReady(failed)
        if not busy:
            self.prepare_in_background(pack)
        libraries = ", ".join(pack.requirements)
        raise EnvironmentNotReady(f"The libraries this pack needs ({libraries}) are still being installed, "
                                  f"which takes up to a minute the first time; try again in a moment.")

    def prepare_in_background(self, pack) -> None:
        """Start installing ``pack``'s libraries on a thread of its own (once; a failure is remembered)."""
        key = environment_key(pack.requirements)
        with self._lock:
            if key in self._preparing:
                return
            self._preparing[key] = "Starting"
            self._failed.pop(key, None)

        def work():
            try:
                self.prepare(pack.requirements, wheels=_pack_wheels(pack))
            except SandboxError as exc:
                log.warning("Pack %s: %s", pack.id, exc)

        threading.Thread(target=work, name=f"environment-{key}", daemon=True).start()

    def prepare(self, requirements: Iterable[str], *, wheels: Path | None = None,
                progress: Callable[[str], None] | None = None) -> Path | None:
        """Install ``requirements`` into their folder unless it is ready; return it (None for no requirements).

        ``wheels``: a folder of wheels to install from first (a pack zip's ``wheels/``).
        ``progress(sentence)`` hears each stage. Raises PackError with one sentence when pip fails.
        """
        requirements = sorted({r.strip() for r in requirements if r.strip()})
        if not requirements:
            return None
        key = environment_key(requirements)
        target = self.root / key
        say = progress or (lambda text: None)
        with self._lock:  # another thread or process installing the same folder is waited for on the file lock
            self._preparing[key] = "Starting"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with _FileLock(self.root / f".{key}.lock"):
                if (target / DONE_FILE).is_file():
                    return target
                self._install(requirements, target, wheels, say, key)
                return target
        except PackError as exc:
            with self._lock:
                self._failed[key] = str(exc)
            raise
        finally:
            with self._lock:
                self._preparing.pop(key, None)

    def _step(self, key: str, say, text: str) -> None:
        with self._lock:
            self._preparing[key] = text
        say(text)

    def _install(self, requirements: list[str], target: Path, wheels: Path | None, say, key: str) -> None:
        staging = self.root / f".{key}.installing-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        local = [folder for folder in (wheels, self.wheelhouse) if folder is not None and Path(folder).is_dir()]
        libraries = ", ".join(requirements)
        attempts = []
        if local:
            attempts.append(("offline", ["--no-index"] + [arg for f in local for arg in ("--find-links", str(f))]))
        if self.online:
            attempts.append(("online", [arg for f in local for arg in ("--find-links", str(f))]))
        if not attempts:
            raise PackError(f"The libraries this pack needs ({libraries}) cannot be installed: this computer has "
                            f"no copy of them and the sandbox may not download. Install a pack zip built with "
                            f"--with-wheels.")
        error = ""
        for where, options in attempts:
            self._step(key, say, f"Installing {libraries} ({'from the wheels on this computer' if where == 'offline' else 'from PyPI'})")
            shutil.rmtree(staging, ignore_errors=True)
            done = subprocess.run(
                [sys.executable, "-m", "pip", "install", "--target", str(staging), "--only-binary", ":all:",
                 "--disable-pip-version-check", "--no-input", "--no-warn-script-location", "--quiet",
                 *options, *requirements],
                capture_output=True, text=True, timeout=PIP_TIMEOUT, env=_pip_env(), check=False)
            if done.returncode == 0:
                break
            error = _last_error(done.stderr or done.stdout)
            log.info("pip could not install %s %s: %s", libraries, where, error)
        else:
            shutil.rmtree(staging, ignore_errors=True)
            hint = ("Connect to the internet once, or install a pack zip built with --with-wheels."
                    if not self.online or not local else "Check the pack's requirements.")
            raise PackError(f"The libraries this pack needs ({libraries}) could not be installed: {error} {hint}")
        self._step(key, say, "Finishing")
        size = folder_size(staging)
        (staging / DONE_FILE).write_text(json.dumps({"requirements": requirements, "size": size,
                                                     "python": sys.version.split()[0]}))
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        say(f"Installed {libraries} ({size / 1e6:.1f} MB)")

    def remove_unused(self, packs: Iterable) -> list[str]:
        """Remove environment folders no installed pack needs; return their names."""
        keep = {environment_key(p.requirements) for p in packs if p.requirements}
        removed = []
        if not self.root.is_dir():
            return removed
        for folder in self.root.iterdir():
            if folder.is_dir() and not folder.name.startswith(".") and folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
        return removed


def download_wheels(requirements: Iterable[str], dest: Path, *, platforms: Iterable[str] = (),
                    python_versions: Iterable[str] = (), find_links: Iterable[Path] = (),
                    offline: bool = False) -> list[Path]:
    """Download the wheels of ``requirements`` and everything they need into ``dest`` with pip's
    ``download``, once per platform tag × Python version (pip's ``--platform`` / ``--python-version``;
    both default to this computer's); return the wheel files, sorted. ``find_links``: folders of
    wheels to take first; ``offline``: those only (pip's ``--no-index``). Raises PackError."""
    requirements = sorted({r.strip() for r in requirements if r.strip()})
    platforms = list(platforms) or [None]
    python_versions = list(python_versions) or [None]
    for platform in platforms:
        for version in python_versions:
            target = ["--no-index"] if offline else []
            target += [arg for folder in find_links for arg in ("--find-links", str(folder))]
            if platform:
                target += ["--platform", platform]
            if version:
                target += ["--python-version", version]
            done = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--dest", str(dest), "--only-binary", ":all:",
                 "--disable-pip-version-check", "--no-input", "--quiet", *target, *requirements],
                capture_output=True, text=True, timeout=PIP_TIMEOUT, env=_pip_env(), check=False)
            if done.returncode != 0:
                where = " ".join(filter(None, [platform, version and f"Python {version}"])) or "this computer"
                raise PackError(f"The wheels of {', '.join(requirements)} for {where} could not be downloaded: "
                                f"{_last_error(done.stderr or done.stdout)}")
    return sorted(dest.glob("*.whl"))


def _pack_wheels(pack) -> Path | None:
    folder = Path(pack.root) / "wheels"
    return folder if folder.is_dir() else None


def _recorded_size(target: Path) -> int:
    try:
        return int(json.loads((target / DONE_FILE).read_text()).get("size", 0))
    except (OSError, ValueError, TypeError):
        return 0


def _pip_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k != "PYTHONPATH"}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _last_error(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("ERROR:"):
            return line[len("ERROR:"):].strip().rstrip(".") + "."
    return (lines[-1] if lines else "pip gave no reason").rstrip(".") + "."


class _FileLock:
    """An exclusive lock on a file, across threads and processes (fcntl where there is one)."""

    _threads = threading.Lock()

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self._handle = open(self.path, "a+")
        try:
            import fcntl

            fcntl.flock(self._handle, fcntl.LOCK_EX)
        except ImportError:  # Windows: one process per data folder anyway (launch/instance.py)
            self._threads.acquire()
            self._held = True
        return self

    def __exit__(self, *exc):
        if getattr(self, "_held", False):
            self._threads.release()
        self._handle.close()

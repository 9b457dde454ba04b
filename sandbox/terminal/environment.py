"""The learner's own Python: the virtual environment whose ``python`` and ``pip`` the terminal runs.

It holds the lesson packages (``packages.PACKAGES``: bottle, peewee, waitress, pytest) and their
dependencies, installed offline from the wheelhouse that ``tasks.py setup`` fills while online,
and nothing of the sandbox's own (no playwright, no Qt). It is made on first use, which takes a
few seconds, and afterwards found in a blink through a stamp file recording what was installed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from sandbox.checker import limits
from sandbox.errors import TerminalError
from sandbox.terminal.packages import PACKAGES

log = logging.getLogger(__name__)
STAMP = ".sandbox-environment.json"
INSTALL_SECONDS = 600.0  # a bound for a hang, never a measure: pip normally takes seconds
MISSING = re.compile(r"No matching distribution found for ([^\s;]+)")


def _names(packages) -> str:
    """'bottle, peewee, waitress and pytest' from requirement specifiers."""
    names = [re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0] for spec in packages]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def _bundled_pip() -> Path | None:
    """The pip wheel this Python bundles for ensurepip (Debian's Python keeps none there)."""
    try:
        import ensurepip
    except ImportError:
        return None
    found = sorted((Path(ensurepip.__file__).parent / "_bundled").glob("pip-*.whl"))
    return found[-1] if found else None


class LearnerEnvironment:
    """One virtual environment at ``path``, filled from ``wheelhouse`` (a folder of wheels, or None).

    Thread-safe: two terminals opening at once make it once. ``python`` is the interpreter that
    makes the environment (``python -m venv``); its version is the environment's.
    """

    def __init__(self, path: Path, wheelhouse: Path | None, *, packages=PACKAGES, python: str = sys.executable):
        self.path = Path(path)
        self.wheelhouse = Path(wheelhouse) if wheelhouse is not None else None
        self.packages = tuple(packages)
        self.python = python
        self._lock = threading.Lock()

    @property
    def bin_dir(self) -> Path:
        """Where ``python`` and ``pip`` are: ``bin/`` (``Scripts\\`` on Windows)."""
        return self.path / ("Scripts" if os.name == "nt" else "bin")

    @property
    def interpreter(self) -> Path:
        return self.bin_dir / ("python.exe" if os.name == "nt" else "python")

    def ready(self) -> bool:
        """Is the environment made, with what the stamp says it must hold? (Cheap: one small file.)"""
        try:
            stamp = json.loads((self.path / STAMP).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(stamp, dict) and self._expected().items() <= stamp.items() and self.interpreter.exists()

    def ensure(self, progress: Callable[[str], object] | None = None) -> Path:
        """Make the environment if it is not made yet, and return its bin folder.

        ``progress(sentence)`` hears what is happening when there is something to wait for (it is
        not called when the environment is ready). Raises TerminalError with a sentence when the
        wheelhouse is missing or lacks a package, or when Python cannot make the environment.
        """
        if self.ready():
            return self.bin_dir
        with self._lock:
            if self.ready():
                return self.bin_dir
            tell = progress or (lambda sentence: None)
            self._check_wheelhouse()
            tell("Preparing Python for your terminal (first time only)…")
            log.info("Making the learner's Python at %s", self.path)
            if self.path.exists():
                shutil.rmtree(self.path)  # half made (no stamp) or made for other packages: start clean
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._make(tell)
            wheels = sorted(path.name for path in self.wheelhouse.glob("*.whl"))  # what was on offer, for a person
            (self.path / STAMP).write_text(json.dumps({**self._expected(), "wheelhouse": wheels}), encoding="utf-8")
            tell("Python for your terminal is ready.")
            return self.bin_dir

    # --- helpers -------------------------------------------------------------------------

    def _make(self, tell: Callable[[str], object]) -> None:
        """venv, then pip and the packages in one offline pip run, then their bytecode on every core.

        pip itself comes from the wheel Python bundles for ``ensurepip``; the usual ``python -m venv``
        (ensurepip, then a second pip run) also installs setuptools and compiles one file at a time,
        about 1.6 times as long here, so it is only the fallback where that wheel cannot be found.
        """
        names = _names(self.packages)
        failure = f"The terminal's Python could not install {names} from {self.wheelhouse}"
        bundled = _bundled_pip() if self.python == sys.executable else None
        if bundled is None:
            self._run([self.python, "-m", "venv", str(self.path)],
                      f"Python could not make the terminal's environment at {self.path}")
            tell(f"Installing {names} into it…")
            self._run([str(self.interpreter), "-m", "pip", "install", "--quiet", "--no-index", "--find-links",
                       str(self.wheelhouse), "--no-warn-script-location", *self.packages], failure)
            return
        self._run([self.python, "-m", "venv", "--without-pip", str(self.path)],
                  f"Python could not make the terminal's environment at {self.path}")
        tell(f"Installing {names} into it…")
        self._run([str(self.interpreter), str(bundled / "pip"), "install", "--quiet", "--no-compile", "--no-index",
                   "--find-links", str(self.wheelhouse), "--no-warn-script-location", str(bundled), *self.packages],
                  failure)
        # The learner's processes cannot write __pycache__ here (as `nobody`) or are told not to: compile now.
        self._run([str(self.interpreter), "-m", "compileall", "-q", "-j", "0", str(self.path / "lib")], "",
                  check=False)

    def _expected(self) -> dict:
        return {"packages": list(self.packages), "python": self.python, "version": list(sys.version_info[:3])}

    def _check_wheelhouse(self) -> None:
        if self.wheelhouse is None or not self.wheelhouse.is_dir() or not any(self.wheelhouse.glob("*.whl")):
            raise TerminalError(
                f"The terminal's Python cannot be prepared: there is no wheelhouse at {self.wheelhouse}. "
                "Run `python3 tasks.py setup` once while online to fill it."
            )

    def _run(self, command: list[str], failure: str, *, check: bool = True) -> None:
        with tempfile.TemporaryDirectory(prefix="sandbox-env-") as home:
            env = limits.clean_env(home)
            env["PIP_CONFIG_FILE"] = os.devnull  # this computer's pip settings (indexes, find-links) do not apply
            try:
                done = subprocess.run(command, env=env, cwd=home, stdin=subprocess.DEVNULL, capture_output=True,
                                      text=True, errors="replace", timeout=INSTALL_SECONDS)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise TerminalError(f"{failure} ({exc}).") from None
        if done.returncode != 0 and not check:
            log.info("%s exited with %s (ignored)", command[1:4], done.returncode)
        elif done.returncode != 0:
            output = (done.stdout + done.stderr).strip()
            log.warning("%s:\n%s", failure, output)
            missing = MISSING.search(output)
            if missing:
                raise TerminalError(
                    f"The terminal's Python cannot be prepared: the wheelhouse {self.wheelhouse} has no "
                    f"{missing.group(1)}. Run `python3 tasks.py setup` once while online to fill it."
                )
            last = output.splitlines()[-1] if output else f"exit code {done.returncode}"
            raise TerminalError(f"{failure}: {last}")

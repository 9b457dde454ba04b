"""Starting a terminal's program: its environment, its command, and the launcher that contains it
(``sandbox.terminal.child``) on a pty, or on pipes for the line console; on Windows the program itself.

Where bubblewrap works (``sandbox.containment``) the launcher and everything the learner starts run in
a sandbox of their own: the lesson's folder and the terminal's home read-write, the learner's Python
and the wheelhouse read-only, nothing else of the data folder, and the computer's network (so
``curl`` reaches the preview)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sandbox import containment
from sandbox.checker import limits
from sandbox.preview.ownership import blocked_for_others, give_new_files
from sandbox.terminal.session import Terminal, set_size

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent.parent
BOOT = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from sandbox.terminal.child import main; main()"


@dataclass
class Spawner:
    """How a manager starts its terminals: the launcher's Python, limits, user, pty or pipes, wheelhouse."""

    python: str = sys.executable
    memory_mb: int = 1024
    owner: tuple[int, int] | None = None  # (uid, gid) to drop to, when the sandbox runs as root
    use_pty: bool = True
    wheelhouse: Path | None = None
    walls: containment.Protection | None = None  # default: containment.protection(), probed on first use

    def start(self, terminal: Terminal, bin_dir: Path | None) -> None:
        """Start ``terminal``'s program (and its launcher); its descriptors are set on ``terminal``."""
        if self.walls is None:
            self.walls = containment.protection()
        env = self.environment(terminal.home, bin_dir, terminal.libraries)
        program = self.program(terminal.kind, bin_dir, env)
        if self.owner:
            # `nobody` must write the workspace and own its home. No folder outside them is changed.
            os.chown(terminal.home, *self.owner)
            give_new_files(terminal.workspace, self.owner)
            if not self.walls.active:
                pythons = [Path(os.path.realpath(bin_dir / "python"))] if bin_dir is not None else []
                for folder in (terminal.workspace, *pythons, Path(os.path.realpath(program[0]))):
                    blocked = blocked_for_others(folder)
                    if blocked is not None:
                        log.warning("The terminal runs as nobody, who cannot pass through %s", blocked)
        if os.name == "nt":
            self.start_plain(terminal, program, env)
            return
        contained = self.walls.active
        # Contained, the launcher's parent is the sandbox's own init (pid 1).
        command = [self.python, "-I", "-B", "-c", BOOT, "--workspace", str(terminal.workspace),
                   "--home", str(terminal.home), "--parent", "1" if contained else str(os.getpid()),
                   "--memory-mb", str(self.memory_mb)]
        if self.owner:
            command += ["--drop-to", f"{self.owner[0]}:{self.owner[1]}"]
        seen = [folder for folder in (bin_dir.parent if bin_dir is not None else None, self.wheelhouse,
                                      terminal.libraries) if folder is not None and folder.exists()]

        if contained:  # its home is the sandbox's own, in memory: nothing of it outlives the terminal
            shutil.rmtree(terminal.home, ignore_errors=True)

        def walled(inner: list[str]) -> list[str]:
            return containment.wrap(self.walls, "terminal", inner, read_write=[terminal.workspace],
                                    read_only=seen, private=[terminal.home],
                                    python=str(bin_dir / "python") if bin_dir else self.python)

        if self.use_pty:
            master, slave = os.openpty()
            try:
                set_size(master, terminal.cols, terminal.rows)
                terminal.process = subprocess.Popen(
                    walled([*command, "--tty-fd", str(slave), "--", *program]), stdin=subprocess.DEVNULL, stdout=slave,
                    stderr=slave, pass_fds=(slave,), env=env, cwd=tempfile.gettempdir(), start_new_session=True)
            except BaseException:
                os.close(master)
                raise
            finally:
                os.close(slave)
            os.set_blocking(master, False)
            terminal.fd, terminal.pty = master, True
        else:
            terminal.process = subprocess.Popen(
                walled([*command, "--", *program]), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=env, cwd=tempfile.gettempdir(), start_new_session=True, bufsize=0)
            terminal.fd, terminal.stdin = terminal.process.stdout.fileno(), terminal.process.stdin.fileno()
            os.set_blocking(terminal.stdin, False)

    def start_plain(self, terminal: Terminal, program: list[str], env: dict) -> None:
        """Windows: the program itself on pipes, in the workspace, with no launcher and no limits."""
        terminal.process = subprocess.Popen(
            program, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
            cwd=terminal.workspace, bufsize=0, creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
        terminal.fd, terminal.stdin = terminal.process.stdout.fileno(), terminal.process.stdin.fileno()


    def environment(self, home: Path, bin_dir: Path | None, libraries: Path | None = None) -> dict:
        """The terminal's whole environment: nothing of the sandbox's (no token, no SANDBOX_*, no database
        path), a private HOME and TMPDIR, the learner's Python first on PATH, and pip kept offline. A pack's
        own libraries (``libraries``) come first on PYTHONPATH, their commands (``django-admin``) on PATH."""
        env = limits.clean_env(str(home))
        if os.name != "nt":
            env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        if bin_dir is not None:
            env["PATH"] = str(bin_dir) + os.pathsep + env["PATH"]
        if libraries is not None:
            env["PYTHONPATH"] = str(libraries)
            env["PATH"] = str(libraries / "bin") + os.pathsep + env["PATH"]
        env.update(TERM="xterm-256color", PS1=r"\W $ ", PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        wheelhouse = self.wheelhouse
        if wheelhouse is not None:
            env["PIP_FIND_LINKS"] = str(wheelhouse)
        return env

    def program(self, kind: str, bin_dir: Path | None, env: dict) -> list[str]:
        line_console = os.name == "nt" or not self.use_pty
        if kind == "python":
            python = str(bin_dir / ("python.exe" if os.name == "nt" else "python")) if bin_dir else self.python
            return [python, "-u", "-i"] if line_console else [python, "-i"]
        if os.name == "nt":
            return [os.environ.get("COMSPEC", "cmd.exe")]
        bash = shutil.which("bash", path=env["PATH"])
        if bash:
            return [bash, "--noprofile", "--norc", *(["--noediting"] if line_console else []), "-i"]
        env["PS1"] = "$ "  # sh does not expand \w
        return [shutil.which("sh", path=env["PATH"]) or "/bin/sh", "-i"]


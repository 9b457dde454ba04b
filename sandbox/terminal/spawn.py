"""Starting a terminal's program: its environment, its command, and the launcher that contains it
(``sandbox.terminal.child``) on a pty, or on pipes for the line console; on Windows the program itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sandbox.checker import limits
from sandbox.preview.ownership import give_new_files, let_through
from sandbox.terminal.session import Terminal, set_size

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

    def start(self, terminal: Terminal, bin_dir: Path | None) -> None:
        """Start ``terminal``'s program (and its launcher); its descriptors are set on ``terminal``."""
        env = self.environment(terminal.home, bin_dir)
        program = self.program(terminal.kind, bin_dir, env)
        if self.owner:
            # `nobody` must write the workspace, own its home and reach its Python (a pyenv under /root).
            os.chown(terminal.home, *self.owner)
            let_through(terminal.workspace)
            give_new_files(terminal.workspace, self.owner)
            pythons = [Path(os.path.realpath(bin_dir / "python"))] if bin_dir is not None else []
            for folder in (bin_dir, *pythons, Path(os.path.realpath(program[0])), self.wheelhouse):
                if folder is not None:
                    let_through(folder)
        if os.name == "nt":
            self.start_plain(terminal, program, env)
            return
        command = [self.python, "-I", "-B", "-c", BOOT, "--workspace", str(terminal.workspace),
                   "--home", str(terminal.home), "--parent", str(os.getpid()), "--memory-mb", str(self.memory_mb)]
        if self.owner:
            command += ["--drop-to", f"{self.owner[0]}:{self.owner[1]}"]
        if self.use_pty:
            master, slave = os.openpty()
            try:
                set_size(master, terminal.cols, terminal.rows)
                terminal.process = subprocess.Popen(
                    [*command, "--tty-fd", str(slave), "--", *program], stdin=subprocess.DEVNULL, stdout=slave,
                    stderr=slave, pass_fds=(slave,), env=env, cwd=terminal.home, start_new_session=True)
            except BaseException:
                os.close(master)
                raise
            finally:
                os.close(slave)
            os.set_blocking(master, False)
            terminal.fd, terminal.pty = master, True
        else:
            terminal.process = subprocess.Popen(
                [*command, "--", *program], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=env, cwd=terminal.home, start_new_session=True, bufsize=0)
            terminal.fd, terminal.stdin = terminal.process.stdout.fileno(), terminal.process.stdin.fileno()
            os.set_blocking(terminal.stdin, False)

    def start_plain(self, terminal: Terminal, program: list[str], env: dict) -> None:
        """Windows: the program itself on pipes, in the workspace, with no launcher and no limits."""
        terminal.process = subprocess.Popen(
            program, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
            cwd=terminal.workspace, bufsize=0, creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
        terminal.fd, terminal.stdin = terminal.process.stdout.fileno(), terminal.process.stdin.fileno()


    def environment(self, home: Path, bin_dir: Path | None) -> dict:
        """The terminal's whole environment: nothing of the sandbox's (no token, no SANDBOX_*, no database
        path), a private HOME and TMPDIR, the learner's Python first on PATH, and pip kept offline."""
        env = limits.clean_env(str(home))
        if os.name != "nt":
            env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        if bin_dir is not None:
            env["PATH"] = str(bin_dir) + os.pathsep + env["PATH"]
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


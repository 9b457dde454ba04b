"""The terminal's launcher: the small process between the sandbox and the learner's shell.

Started by ``sandbox.terminal.manager`` as ``python -I -B -c BOOT ... -- PROGRAM ARGS`` in its own
session, with the learner's clean environment and (on Linux and macOS) the pty's slave side as an
inherited descriptor. The sandbox's server is multithreaded, so it never forks to exec the shell
itself; this single-threaded launcher does:

1. it becomes a *child subreaper* (Linux): whatever the shell starts, even a daemon that left
   with ``setsid`` and a double fork, stays its descendant instead of moving to init;
2. it forks the shell's process, which makes the pty its controlling terminal (``os.login_tty``),
   enters the learner's limits (``limits.enter_limits``: `nobody` as root, memory, processes,
   files, core dumps, death with the launcher), moves to the workspace and execs the program;
3. it waits; when the program ends, or the sandbox sends SIGTERM (closing the terminal) or dies
   (the launcher's parent-death signal), it SIGKILLs every descendant left, reaps them, removes
   the terminal's private home (the manager does too, unless it was killed) and exits with the
   program's status (128+N for a signal N), which the manager reports as the exit code.

The launcher itself keeps the sandbox's user (root stays root here, so the learner's processes,
as `nobody`, cannot signal it) and never runs learner code. It imports only the checker's limits.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys

from sandbox.checker import limits

PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux") or limits.ctypes is None:
        return False
    try:
        return limits.ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (Linux /proc; empty elsewhere), children before grandchildren."""
    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found, frontier = [], [root]
    while frontier:
        children = parents.get(frontier.pop(), [])
        found += children
        frontier += children
    return found


def end_everything(program: int | None) -> None:
    """SIGKILL every descendant, and reap them, until none is left.

    ``program`` is the program's pid while it is not reaped yet (its process group is killed too,
    which is all there is where /proc is missing); None once reaped, when the number may be reused.
    """
    if program is not None:
        try:
            os.killpg(program, signal.SIGKILL)
        except OSError:
            pass
    while True:
        for pid in descendants(os.getpid()):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.waitpid(-1, 0)  # one at a time; a killed process's orphans come to us meanwhile
        except ChildProcessError:
            return


def status_code(status: int) -> int:
    """A wait status as a shell reports it: the exit code, or 128+N for a signal N."""
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


def start_program(args, program: list[str], owner: tuple[int, int] | None) -> None:
    """In the forked child: take the terminal, enter the limits, exec. Never returns."""
    try:
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(number, signal.SIG_DFL)  # Python ignores SIGPIPE; the shell's pipes need it back
        if args.tty_fd >= 0:
            os.login_tty(args.tty_fd)  # a new session with the pty as its controlling terminal, on 0, 1 and 2
        else:
            os.setsid()
        limits.enter_limits(owner, args.memory_mb)
        os.chdir(args.workspace)
        os.execvp(program[0], program)
    except BaseException as exc:  # noqa: BLE001 - whatever it was, the learner reads one sentence
        os.write(2, f"\r\nThe terminal could not start {program[0]}: {exc}\r\n".encode(errors="replace"))
    finally:
        os._exit(127)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--home", default="")  # the terminal's private HOME, removed at the end
    parser.add_argument("--tty-fd", type=int, default=-1)  # the pty's slave side; -1: plain pipes
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--drop-to", default="")  # uid:gid when the sandbox runs as root
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("program", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    program = args.program[1:] if args.program[:1] == ["--"] else args.program
    owner = tuple(int(x) for x in args.drop_to.split(":")) if args.drop_to else None
    running: list[int] = []  # the program's pid until it is reaped

    def finish(code: int, unreaped: int | None):
        end_everything(unreaped)
        if args.home:
            shutil.rmtree(args.home, ignore_errors=True)
        os._exit(code)

    def stop(signum, frame):
        finish(128 + signum, running[0] if running else None)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)  # the sandbox died: end the terminal, as closing it does
    if os.getppid() != args.parent:
        os._exit(0)  # the sandbox died before the death signal was armed
    child = os.fork()
    if child == 0:
        start_program(args, program, owner)
    running.append(child)
    if args.tty_fd >= 0:
        os.close(args.tty_fd)
    while True:
        pid, status = os.waitpid(-1, 0)  # the program, or an orphan that came to us
        if pid == child:
            running.clear()
            break
    finish(status_code(status), None)


if __name__ == "__main__":
    main()

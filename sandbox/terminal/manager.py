"""Learners' terminals: a shell or a Python prompt in their workspace, for a page's xterm.js to show.

Waitress has no WebSockets, so a page sends keystrokes with ``write`` (a POST) and long-polls
``output(since)`` for what is new, woken by this manager's listeners. Each terminal is a pty (the
program sees a real terminal: colours, line editing, Ctrl+C, full-screen programs, resizes) whose
master side the manager keeps; its slave side goes to a launcher (``sandbox.terminal.child``) that
the manager starts with ``subprocess`` in its own session. The launcher starts the program with the
preview's containment (`nobody` as root, memory, process and file limits, a clean environment) and
ends every process the program started when it ends or is closed.

Where there is no pty (Windows), and in tests with ``use_pty=False``, a terminal is a plain line
console on pipes instead: what is typed is echoed by the manager and sent a line at a time when
Enter is pressed (Backspace edits the line; arrows and other escape keys are dropped; Ctrl+C drops
the line, it does not stop a running program; Ctrl+D on an empty line ends the input); programs see
no terminal, so there are no colours, no prompt editing and no full-screen programs, and a newline
in the output is sent as CR LF so xterm.js shows it as a pty would. bash there starts by saying it
has no job control. On Windows the program (``cmd.exe`` or ``python -i``) runs without the
launcher and without limits, like a Windows check (docs/isolation.md).

Every verb is thread-safe. Terminals start from one manager thread (Linux sends the launcher's
parent-death signal when the *thread* that started it ends), which also ends the terminals nobody
reads or types into any more.
"""

from __future__ import annotations

import codecs
import logging
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from sandbox.checker import limits
from sandbox.errors import TerminalError, TerminalGone
from sandbox.terminal.environment import LearnerEnvironment
from sandbox.terminal.session import Terminal, TerminalInfo, clamp_size, ready, set_size
from sandbox.terminal.spawn import Spawner

try:
    import termios
except ImportError:  # Windows: no pty, so the plain line console
    termios = None

log = logging.getLogger(__name__)
HAVE_PTY = termios is not None and hasattr(os, "openpty") and hasattr(os, "login_tty")
KINDS = ("shell", "python")
MAX_TERMINALS = 4  # per learner; opening one more ends the oldest
READ_BYTES = 65536
STOP_SECONDS = 2.0  # the launcher has this long to end its processes before it is killed itself
POLL_SECONDS = 1.0  # a reader looks at its launcher at least this often


class TerminalManager:
    """Opens, feeds, reads, resizes and ends learners' terminals; at most MAX_TERMINALS per learner key."""

    def __init__(self, *, memory_mb: int = 1024, idle_seconds: float = 1800.0, unwatched_seconds: float = 60.0,
                 environment: LearnerEnvironment | None = None, python: str = sys.executable,
                 use_pty: bool | None = None):
        """``environment`` is the learner's Python (its bin folder goes first on PATH; without one the
        shell finds whatever Python the computer has, and the python kind runs ``python``, the sandbox's
        own interpreter). A terminal ends when nobody typed for ``idle_seconds`` or nobody read its output
        for ``unwatched_seconds`` (its page went away). ``use_pty=False`` forces the line console."""
        self.memory_mb = memory_mb
        self.idle_seconds = idle_seconds
        self.unwatched_seconds = unwatched_seconds
        self.environment = environment
        self.python = python
        self.use_pty = HAVE_PTY if use_pty is None else use_pty and HAVE_PTY
        self._terminals: dict[str, Terminal] = {}  # by id, in the order they opened
        self._lock = threading.Lock()
        self._listeners: list[Callable[[object, dict], None]] = []
        self._spawner = Spawner(python=python, memory_mb=memory_mb, owner=limits.unprivileged_ids(),
                                use_pty=self.use_pty, wheelhouse=environment.wheelhouse if environment else None)
        self._jobs: queue.Queue = queue.Queue()
        self._closed = False
        self._tick = max(0.05, min(1.0, idle_seconds / 4, unwatched_seconds / 4))
        self._thread = threading.Thread(target=self._run, name="terminal-manager", daemon=True)
        self._thread.start()

    # --- the public verbs ----------------------------------------------------------------

    def open(self, key, workspace: Path, *, kind: str = "shell", cols: int = 80, rows: int = 24,
             progress: Callable[[str], object] | None = None, libraries: Path | None = None) -> TerminalInfo:
        """Start a ``kind`` terminal ("shell" or "python") in ``workspace`` for ``key``; ``cols`` x ``rows``
        characters. Prepares the learner's Python first if needed (seconds, the first time only;
        ``progress(sentence)`` hears about it). Raises TerminalError with a sentence for an unknown kind,
        an unusable workspace, a Python that cannot be prepared, or a manager that is closed.
        ``libraries``: the pack's own library folder (``packs.environment``), put on PYTHONPATH and PATH."""
        if kind not in KINDS:
            raise TerminalError(f"There is no {kind!r} terminal: choose a shell or Python.")
        folder = Path(workspace).resolve()
        if not folder.is_dir():
            raise TerminalError(f"The folder {folder} does not exist, so no terminal can open in it: "
                                "open a code step first.")
        if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
            raise TerminalError(f"The folder {folder} cannot be read and written, so no terminal can open in it.")
        bin_dir = self.environment.ensure(progress) if self.environment is not None else None
        return self._call(self._open, key, folder, kind, clamp_size(cols, 80), clamp_size(rows, 24), bin_dir, libraries)

    def write(self, key, terminal_id: str, data: str) -> None:
        """Send what was typed (text as xterm.js gives it: Enter is "\\r", Ctrl+C "\\x03", arrows escape
        sequences). Raises TerminalGone for an unknown or ended terminal, TerminalError when its program
        has read nothing for WRITE_SECONDS."""
        terminal = self._find(key, terminal_id)
        if not terminal.alive:
            raise TerminalGone("That terminal has ended: open a new one.")
        terminal.last_input = time.monotonic()
        with terminal.write_lock:
            if terminal.pty:
                terminal.send(data.encode("utf-8", "replace"))
            else:
                terminal.type_line(data, lambda text: self._show(terminal, text))

    def resize(self, key, terminal_id: str, cols: int, rows: int) -> TerminalInfo:
        """Tell the terminal's programs its new size in characters (TIOCSWINSZ; they get SIGWINCH).
        Sizes are kept within 2..1000 columns and 1..1000 rows. The line console only records it."""
        terminal = self._find(key, terminal_id)
        with terminal.write_lock:
            terminal.cols, terminal.rows = clamp_size(cols, terminal.cols, 2), clamp_size(rows, terminal.rows)
            if terminal.pty and terminal.fd is not None:
                try:
                    set_size(terminal.fd, terminal.cols, terminal.rows)
                except OSError:
                    pass  # it ended meanwhile
        return terminal.info()

    def output(self, key, terminal_id: str, since: int = 0) -> tuple[str, int, bool, int | None]:
        """(text written after offset ``since``, the offset to ask from next time, alive, exit code).

        Offsets count characters written since the terminal opened (see OutputRing); only the last
        OUTPUT_CHARS are kept, and a reader that fell behind gets those. Reading is what keeps a
        terminal watched: one nobody reads for ``unwatched_seconds`` is ended and then forgotten.
        Raises TerminalGone for an unknown or forgotten terminal."""
        terminal = self._find(key, terminal_id)
        terminal.last_read = time.monotonic()
        with terminal.lock:
            text, end = terminal.ring.since(clamp_size(since, 0, 0, 2**63))
            return text, end, terminal.alive, terminal.exit_code

    def list(self, key) -> list[TerminalInfo]:
        """The learner's terminals, alive or ended but not yet forgotten, oldest first."""
        with self._lock:
            return [t.info() for t in self._terminals.values() if t.key == key]

    def info(self, key, terminal_id: str) -> TerminalInfo:
        return self._find(key, terminal_id).info()

    def close(self, key=None, terminal_id: str | None = None) -> None:
        """``close(key, id)`` ends one terminal and forgets it (TerminalGone if unknown, None included);
        ``close()`` ends every terminal at shutdown, all at once, and stops the manager."""
        if key is not None or terminal_id is not None:
            terminal = self._find(key, terminal_id)
            self._forget(terminal)
            self._stop([terminal])
            return
        if self._closed:
            return
        self._closed = True  # from now on no job starts a terminal, even one queued before this
        with self._lock:
            terminals = list(self._terminals.values())
            self._terminals.clear()
        self._stop(terminals)
        self._jobs.put(None)
        self._thread.join(timeout=5)
        with self._lock:  # one that a job had started while we were stopping the others
            late = list(self._terminals.values())
            self._terminals.clear()
        self._stop(late)

    def close_all(self, key) -> None:
        """End and forget every terminal of ``key`` (their page or profile is gone)."""
        with self._lock:
            terminals = [t for t in self._terminals.values() if t.key == key]
            for terminal in terminals:
                del self._terminals[terminal.id]
        self._stop(terminals)

    def add_listener(self, listener: Callable[[object, dict], None]) -> None:
        """Call ``listener(key, event)`` with ``{"event": "output", "terminal": id}`` when a terminal wrote
        something and ``{"event": "exited", "terminal": id, "exit_code": n}`` when it ended. Called from
        the terminals' reader threads: a listener must be quick; its exceptions are logged and ignored."""
        self._listeners.append(listener)

    # --- finding and telling -------------------------------------------------------------

    def _find(self, key, terminal_id: str) -> Terminal:
        terminal = self._terminals.get(terminal_id) if isinstance(terminal_id, str) else None
        if terminal is None or terminal.key != key:  # another learner's id is as unknown as a made-up one
            raise TerminalGone("That terminal has ended or never existed: open a new one.")
        return terminal

    def _forget(self, terminal: Terminal) -> None:
        with self._lock:
            self._terminals.pop(terminal.id, None)

    def _tell(self, key, event: dict) -> None:
        for listener in self._listeners:
            try:
                listener(key, event)
            except Exception:  # noqa: BLE001 - a listener's fault must not stop a terminal
                log.exception("A terminal listener failed")

    # --- the manager thread --------------------------------------------------------------

    def _call(self, fn, *args):
        if self._closed:
            raise TerminalError("The sandbox is closing, so no terminal can open now.")
        done: Future = Future()
        self._jobs.put((fn, args, done))
        return done.result(timeout=30)

    def _run(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self._tick)
            except queue.Empty:
                job = ()
            if job is None:
                return
            if job:
                fn, args, done = job
                try:
                    done.set_result(fn(*args))
                except BaseException as exc:  # handed to the caller, who owns the error
                    done.set_exception(exc)
            try:
                self._end_unused()
            except Exception:  # noqa: BLE001 - the manager thread must go on ending terminals
                log.exception("Ending unused terminals failed")

    def _end_unused(self) -> None:
        """End terminals nobody reads or types into; forget ended ones nobody has read for a while."""
        now = time.monotonic()
        ending = []
        with self._lock:
            terminals = list(self._terminals.values())
        for terminal in terminals:
            unwatched = now - terminal.last_read > self.unwatched_seconds
            if terminal.alive and (unwatched or now - terminal.last_input > self.idle_seconds):
                log.info("Ending the %s terminal in %s: %s", terminal.kind, terminal.workspace,
                         "nobody reads it" if unwatched else "nobody typed in it")
                ending.append(terminal)
            elif not terminal.alive and unwatched:
                self._forget(terminal)
        if ending:
            self._stop(ending, wait=False)

    # --- starting one --------------------------------------------------------------------

    def _open(self, key, workspace: Path, kind: str, cols: int, rows: int, bin_dir: Path | None,
              libraries: Path | None = None) -> TerminalInfo:
        if self._closed:
            raise TerminalError("The sandbox is closing, so no terminal can open now.")
        with self._lock:
            mine = [t for t in self._terminals.values() if t.key == key]
        if len(mine) >= MAX_TERMINALS:
            oldest = next((t for t in mine if not t.alive), mine[0])  # an ended one first
            self._forget(oldest)
            self._stop([oldest])
        home = Path(tempfile.mkdtemp(prefix="sandbox-terminal-"))
        terminal = Terminal(key, kind, workspace, cols, rows, home)
        terminal.libraries = libraries
        try:
            self._spawner.start(terminal, bin_dir)
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise
        with self._lock:
            self._terminals[terminal.id] = terminal
        terminal.reader = threading.Thread(target=self._read, args=(terminal,), daemon=True,
                                           name=f"terminal-{terminal.id}")
        terminal.reader.start()
        return terminal.info()

    # --- input ---------------------------------------------------------------------------

    # --- output and the end --------------------------------------------------------------

    def _show(self, terminal: Terminal, text: str) -> None:
        if text:
            with terminal.lock:
                terminal.ring.append(text)
            self._tell(terminal.key, {"event": "output", "terminal": terminal.id})

    def _read(self, terminal: Terminal) -> None:
        """The reader thread: output into the ring until the launcher and all it started are gone."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        while True:
            if os.name == "nt":
                data = terminal.process.stdout.read(READ_BYTES)
            else:
                if not ready(terminal.fd, POLL_SECONDS, select.POLLIN):
                    if terminal.process.poll() is not None:
                        break  # ended, and something it left behind still holds the other side
                    continue
                try:
                    data = os.read(terminal.fd, READ_BYTES)
                except BlockingIOError:
                    continue
                except OSError:  # EIO: the pty's other side is closed everywhere
                    break
            if not data:
                break
            self._show(terminal, terminal.text(decoder.decode(data)))
        self._show(terminal, terminal.text(decoder.decode(b"", final=True)))
        code = terminal.process.wait()
        terminal.release()
        with terminal.lock:
            terminal.alive = False
            terminal.exit_code = code if code >= 0 else 128 - code
        self._tell(terminal.key, {"event": "exited", "terminal": terminal.id, "exit_code": terminal.exit_code})

    def _stop(self, terminals: list[Terminal], *, wait: bool = True) -> None:
        """End terminals: SIGTERM to each launcher, which kills everything its program started; with
        ``wait``, give them STOP_SECONDS together, then kill what is left, and wait for the readers."""
        for terminal in terminals:
            if terminal.process is not None and terminal.process.poll() is None:
                try:
                    terminal.process.terminate() if os.name == "nt" else os.kill(terminal.process.pid, signal.SIGTERM)
                except OSError:
                    pass
        if not wait:
            return
        deadline = time.monotonic() + STOP_SECONDS
        for terminal in terminals:
            try:
                terminal.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("A terminal's launcher did not end in time; killing it")
                terminal.process.kill()
        for terminal in terminals:
            if terminal.reader is not None and terminal.reader is not threading.current_thread():
                terminal.reader.join(timeout=max(0.1, deadline - time.monotonic()))



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
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from sandbox.checker import limits
from sandbox.errors import TerminalError, TerminalGone
from sandbox.preview.ownership import give_new_files, let_through
from sandbox.terminal.environment import LearnerEnvironment

try:
    import fcntl
    import struct
    import termios
except ImportError:  # Windows: no pty, so the plain line console
    fcntl = termios = None

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent.parent
BOOT = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from sandbox.terminal.child import main; main()"
HAVE_PTY = termios is not None and hasattr(os, "openpty") and hasattr(os, "login_tty")
KINDS = ("shell", "python")
MAX_TERMINALS = 4  # per learner; opening one more ends the oldest
OUTPUT_CHARS = 256 * 1024  # each terminal keeps this many characters of output (256 KiB of ASCII)
READ_BYTES = 65536
STOP_SECONDS = 2.0  # the launcher has this long to end its processes before it is killed itself
WRITE_SECONDS = 5.0  # a program that reads nothing for this long makes write() fail with a sentence
POLL_SECONDS = 1.0  # a reader looks at its launcher at least this often


@dataclass
class TerminalInfo:
    """One terminal, as plain data: its unguessable id, what runs in it and where, and its size."""

    id: str
    kind: str  # shell | python
    workspace: str
    alive: bool
    exit_code: int | None  # None while alive; the program's status (128+N after signal N) once ended
    cols: int
    rows: int


class OutputRing:
    """The newest OUTPUT_CHARS characters of a terminal's output, with offsets counted since it opened.

    Offsets count characters (str code points), never bytes, so a slice never splits a character.
    A reader that fell behind gets what is left; the start of that may be the middle of an escape
    sequence, which a terminal emulator shows as nothing or a stray character.
    """

    def __init__(self, capacity: int = OUTPUT_CHARS):
        self.capacity = capacity
        self.chunks: deque[str] = deque()
        self.start = 0  # offset of the first character kept
        self.end = 0  # characters ever written

    def append(self, text: str) -> None:
        if not text:
            return
        self.chunks.append(text)
        self.end += len(text)
        while self.end - self.start > self.capacity:
            first = self.chunks[0]
            extra = self.end - self.start - self.capacity
            if extra >= len(first):
                self.chunks.popleft()
                self.start += len(first)
            else:
                self.chunks[0] = first[extra:]
                self.start += extra

    def since(self, offset: int) -> tuple[str, int]:
        """(the text after ``offset``, or all that is kept when it is older; the offset to ask next)."""
        offset = max(offset, self.start)
        if offset >= self.end:
            return "", self.end
        parts, position = [], self.end
        for chunk in reversed(self.chunks):
            if position <= offset:
                break
            parts.append(chunk[max(0, offset - (position - len(chunk))):])
            position -= len(chunk)
        return "".join(reversed(parts)), self.end


class Terminal:
    """One running (or ended) terminal: its launcher process, its pty or pipes, its output."""

    def __init__(self, key, kind: str, workspace: Path, cols: int, rows: int, home: Path):
        self.id = secrets.token_urlsafe(9)
        self.key, self.kind, self.workspace, self.cols, self.rows, self.home = key, kind, workspace, cols, rows, home
        self.process: subprocess.Popen | None = None
        self.fd: int | None = None  # the pty's master side, or the output pipe's descriptor
        self.stdin: int | None = None  # the input pipe (line console only)
        self.pty = False
        self.ring = OutputRing()
        self.alive = True
        self.exit_code: int | None = None
        self.last_read = self.last_input = time.monotonic()
        self.lock = threading.Lock()
        self.write_lock = threading.Lock()  # keystrokes stay in order
        self.reader: threading.Thread | None = None
        self.line = ""  # line console: what is typed before Enter
        self.escape = ""  # line console: inside an escape sequence ("esc", "csi" or "ss3")
        self.after_cr = False

    def info(self) -> TerminalInfo:
        return TerminalInfo(id=self.id, kind=self.kind, workspace=str(self.workspace), alive=self.alive,
                            exit_code=self.exit_code, cols=self.cols, rows=self.rows)


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
        self._owner = limits.unprivileged_ids()
        self._jobs: queue.Queue = queue.Queue()
        self._closed = False
        self._tick = max(0.05, min(1.0, idle_seconds / 4, unwatched_seconds / 4))
        self._thread = threading.Thread(target=self._run, name="terminal-manager", daemon=True)
        self._thread.start()

    # --- the public verbs ----------------------------------------------------------------

    def open(self, key, workspace: Path, *, kind: str = "shell", cols: int = 80, rows: int = 24,
             progress: Callable[[str], object] | None = None) -> TerminalInfo:
        """Start a ``kind`` terminal ("shell" or "python") in ``workspace`` for ``key``; ``cols`` x ``rows``
        characters. Prepares the learner's Python first if needed (seconds, the first time only;
        ``progress(sentence)`` hears about it). Raises TerminalError with a sentence for an unknown kind,
        an unusable workspace, a Python that cannot be prepared, or a manager that is closed."""
        if kind not in KINDS:
            raise TerminalError(f"There is no {kind!r} terminal: choose a shell or Python.")
        folder = Path(workspace).resolve()
        if not folder.is_dir():
            raise TerminalError(f"The folder {folder} does not exist, so no terminal can open in it: "
                                "open a code step first.")
        if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
            raise TerminalError(f"The folder {folder} cannot be read and written, so no terminal can open in it.")
        bin_dir = self.environment.ensure(progress) if self.environment is not None else None
        return self._call(self._open, key, folder, kind, _size(cols, 80), _size(rows, 24), bin_dir)

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
                self._send(terminal, data.encode("utf-8", "replace"))
            else:
                self._type_line(terminal, data)

    def resize(self, key, terminal_id: str, cols: int, rows: int) -> TerminalInfo:
        """Tell the terminal's programs its new size in characters (TIOCSWINSZ; they get SIGWINCH).
        Sizes are kept within 2..1000 columns and 1..1000 rows. The line console only records it."""
        terminal = self._find(key, terminal_id)
        with terminal.write_lock:
            terminal.cols, terminal.rows = _size(cols, terminal.cols, 2), _size(rows, terminal.rows)
            if terminal.pty and terminal.fd is not None:
                try:
                    _set_size(terminal.fd, terminal.cols, terminal.rows)
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
            text, end = terminal.ring.since(_size(since, 0, 0, 2**63))
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

    def _open(self, key, workspace: Path, kind: str, cols: int, rows: int, bin_dir: Path | None) -> TerminalInfo:
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
        try:
            self._start(terminal, bin_dir)
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise
        with self._lock:
            self._terminals[terminal.id] = terminal
        terminal.reader = threading.Thread(target=self._read, args=(terminal,), daemon=True,
                                           name=f"terminal-{terminal.id}")
        terminal.reader.start()
        return terminal.info()

    def _start(self, terminal: Terminal, bin_dir: Path | None) -> None:
        env = self._environment(terminal.home, bin_dir)
        program = self._program(terminal.kind, bin_dir, env)
        if self._owner:
            # `nobody` must write the workspace, own its home and reach its Python (a pyenv under /root).
            os.chown(terminal.home, *self._owner)
            let_through(terminal.workspace)
            give_new_files(terminal.workspace, self._owner)
            pythons = [Path(os.path.realpath(bin_dir / "python"))] if bin_dir is not None else []
            for folder in (bin_dir, *pythons, Path(os.path.realpath(program[0])), self._wheelhouse()):
                if folder is not None:
                    let_through(folder)
        if os.name == "nt":
            self._start_plain(terminal, program, env)
            return
        command = [self.python, "-I", "-B", "-c", BOOT, "--workspace", str(terminal.workspace),
                   "--home", str(terminal.home), "--parent", str(os.getpid()), "--memory-mb", str(self.memory_mb)]
        if self._owner:
            command += ["--drop-to", f"{self._owner[0]}:{self._owner[1]}"]
        if self.use_pty:
            master, slave = os.openpty()
            try:
                _set_size(master, terminal.cols, terminal.rows)
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

    def _start_plain(self, terminal: Terminal, program: list[str], env: dict) -> None:
        """Windows: the program itself on pipes, in the workspace, with no launcher and no limits."""
        terminal.process = subprocess.Popen(
            program, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
            cwd=terminal.workspace, bufsize=0, creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
        terminal.fd, terminal.stdin = terminal.process.stdout.fileno(), terminal.process.stdin.fileno()

    def _wheelhouse(self) -> Path | None:
        return self.environment.wheelhouse if self.environment is not None else None

    def _environment(self, home: Path, bin_dir: Path | None) -> dict:
        """The terminal's whole environment: nothing of the sandbox's (no token, no SANDBOX_*, no database
        path), a private HOME and TMPDIR, the learner's Python first on PATH, and pip kept offline."""
        env = limits.clean_env(str(home))
        if os.name != "nt":
            env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        if bin_dir is not None:
            env["PATH"] = str(bin_dir) + os.pathsep + env["PATH"]
        env.update(TERM="xterm-256color", PS1=r"\W $ ", PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        wheelhouse = self._wheelhouse()
        if wheelhouse is not None:
            env["PIP_FIND_LINKS"] = str(wheelhouse)
        return env

    def _program(self, kind: str, bin_dir: Path | None, env: dict) -> list[str]:
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

    # --- input ---------------------------------------------------------------------------

    def _send(self, terminal: Terminal, data: bytes) -> None:
        """Write all of ``data`` to the program (with ``terminal.write_lock`` held)."""
        fd = terminal.fd if terminal.pty else terminal.stdin
        if fd is None:
            raise TerminalGone("That terminal has ended, or its input was closed with Ctrl+D: open a new one.")
        if os.name == "nt":
            try:
                terminal.process.stdin.write(data)
            except OSError:
                raise TerminalGone("That terminal has ended: open a new one.") from None
            return
        deadline = time.monotonic() + WRITE_SECONDS
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(fd, view):]
                continue
            except BlockingIOError:
                pass
            except OSError:
                raise TerminalGone("That terminal has ended: open a new one.") from None
            left = deadline - time.monotonic()
            if left <= 0 or not _ready(fd, left, select.POLLOUT):
                raise TerminalError("The terminal's program is not reading what you type: wait for it, "
                                    "or press Ctrl+C.")

    def _type_line(self, terminal: Terminal, data: str) -> None:
        """The line console's own line editing: echo, Backspace, Enter sends the line."""
        echo = []
        for char in data:
            after_cr, terminal.after_cr = terminal.after_cr, char == "\r"
            if terminal.escape:
                if terminal.escape == "esc":
                    terminal.escape = {"[": "csi", "O": "ss3"}.get(char, "")
                elif terminal.escape == "ss3" or "@" <= char <= "~":
                    terminal.escape = ""
            elif char == "\x1b":
                terminal.escape = "esc"
            elif char == "\n" and after_cr:
                continue  # "\r\n" is one Enter
            elif char in "\r\n":
                echo.append("\r\n")
                line, terminal.line = terminal.line, ""
                self._show(terminal, "".join(echo))
                echo = []
                self._send(terminal, (line + "\n").encode("utf-8", "replace"))
            elif char in "\x7f\b":
                if terminal.line:
                    terminal.line = terminal.line[:-1]
                    echo.append("\b \b")
            elif char == "\x03":
                terminal.line = ""
                echo.append("^C\r\n")
            elif char == "\x04" and not terminal.line:
                self._show(terminal, "".join(echo))
                echo = []
                terminal.stdin = None  # before the number can be reused by another file
                try:
                    terminal.process.stdin.close()
                except OSError:
                    pass
            elif char >= " " or char == "\t":
                terminal.line += char
                echo.append(char)
        self._show(terminal, "".join(echo))

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
                if not _ready(terminal.fd, POLL_SECONDS, select.POLLIN):
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
            self._show(terminal, self._text(terminal, decoder.decode(data)))
        self._show(terminal, self._text(terminal, decoder.decode(b"", final=True)))
        code = terminal.process.wait()
        self._release(terminal)
        with terminal.lock:
            terminal.alive = False
            terminal.exit_code = code if code >= 0 else 128 - code
        self._tell(terminal.key, {"event": "exited", "terminal": terminal.id, "exit_code": terminal.exit_code})

    def _text(self, terminal: Terminal, text: str) -> str:
        if terminal.pty:
            return text
        return text.replace("\r\n", "\n").replace("\n", "\r\n")  # as a pty's ONLCR would

    def _release(self, terminal: Terminal) -> None:
        """Close the descriptors and remove the private home (the reader thread, once all is over).

        Under the write lock, so no keystroke can reach a reused descriptor number."""
        with terminal.write_lock:
            fd, terminal.fd, terminal.stdin = terminal.fd, None, None
            for pipe in (terminal.process.stdin, terminal.process.stdout):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:
                        pass
            if terminal.pty and fd is not None:
                os.close(fd)
        shutil.rmtree(terminal.home, ignore_errors=True)

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


def _size(value, default: int, low: int = 1, high: int = 1000) -> int:
    """``value`` as an int within low..high, or ``default`` when it is not a number."""
    try:
        return min(high, max(low, int(value)))
    except (TypeError, ValueError):
        return default


def _ready(fd: int, seconds: float, event: int) -> bool:
    """Is ``fd`` readable (POLLIN) or writable (POLLOUT) within ``seconds``? (poll: no FD_SETSIZE limit)."""
    poller = select.poll()
    poller.register(fd, event)
    return bool(poller.poll(seconds * 1000))


def _set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

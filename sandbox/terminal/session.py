"""One terminal: its output ring, its pty or pipes, and what goes in (keystrokes, the line console's
own line editing) and out (text as the page shows it). ``sandbox.terminal.manager`` runs them."""

from __future__ import annotations

import os
import secrets
import select
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import TerminalError, TerminalGone

try:
    import fcntl
    import struct
    import termios
except ImportError:  # Windows: no pty, so the plain line console
    fcntl = termios = None

OUTPUT_CHARS = 256 * 1024  # each terminal keeps this many characters of output (256 KiB of ASCII)
WRITE_SECONDS = 5.0  # a program that reads nothing for this long makes write() fail with a sentence


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
        self.libraries: Path | None = None  # the pack's own libraries, first on PYTHONPATH
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

    def send(self, data: bytes) -> None:
        """Write all of ``data`` to the program (with ``self.write_lock`` held)."""
        fd = self.fd if self.pty else self.stdin
        if fd is None:
            raise TerminalGone("That terminal has ended, or its input was closed with Ctrl+D: open a new one.")
        if os.name == "nt":
            try:
                self.process.stdin.write(data)
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
            if left <= 0 or not ready(fd, left, select.POLLOUT):
                raise TerminalError("The terminal's program is not reading what you type: wait for it, "
                                    "or press Ctrl+C.")

    def type_line(self, data: str, show: Callable[[str], None]) -> None:
        """The line console's own line editing: echo, Backspace, Enter sends the line."""
        echo = []
        for char in data:
            after_cr, self.after_cr = self.after_cr, char == "\r"
            if self.escape:
                if self.escape == "esc":
                    self.escape = {"[": "csi", "O": "ss3"}.get(char, "")
                elif self.escape == "ss3" or "@" <= char <= "~":
                    self.escape = ""
            elif char == "\x1b":
                self.escape = "esc"
            elif char == "\n" and after_cr:
                continue  # "\r\n" is one Enter
            elif char in "\r\n":
                echo.append("\r\n")
                line, self.line = self.line, ""
                show("".join(echo))
                echo = []
                self.send((line + "\n").encode("utf-8", "replace"))
            elif char in "\x7f\b":
                if self.line:
                    self.line = self.line[:-1]
                    echo.append("\b \b")
            elif char == "\x03":
                self.line = ""
                echo.append("^C\r\n")
            elif char == "\x04" and not self.line:
                show("".join(echo))
                echo = []
                self.stdin = None  # before the number can be reused by another file
                try:
                    self.process.stdin.close()
                except OSError:
                    pass
            elif char >= " " or char == "\t":
                self.line += char
                echo.append(char)
        show("".join(echo))

    def text(self, text: str) -> str:
        if self.pty:
            return text
        return text.replace("\r\n", "\n").replace("\n", "\r\n")  # as a pty's ONLCR would

    def release(self) -> None:
        """Close the descriptors and remove the private home (the reader thread, once all is over).

        Under the write lock, so no keystroke can reach a reused descriptor number."""
        with self.write_lock:
            fd, self.fd, self.stdin = self.fd, None, None
            for pipe in (self.process.stdin, self.process.stdout):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:
                        pass
            if self.pty and fd is not None:
                os.close(fd)
        shutil.rmtree(self.home, ignore_errors=True)


def clamp_size(value, default: int, low: int = 1, high: int = 1000) -> int:
    """``value`` as an int within low..high, or ``default`` when it is not a number."""
    try:
        return min(high, max(low, int(value)))
    except (TypeError, ValueError):
        return default


def ready(fd: int, seconds: float, event: int) -> bool:
    """Is ``fd`` readable (POLLIN) or writable (POLLOUT) within ``seconds``? (poll: no FD_SETSIZE limit)."""
    poller = select.poll()
    poller.register(fd, event)
    return bool(poller.poll(seconds * 1000))


def set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

"""The learner's own app, live: one child process per learner, restarted on every saved change.

The sandbox owns the preview's listening socket (so a restart never refuses a connection) and
hands it to each child with a records pipe; the child serves the app under Waitress and writes
one JSON line per request. Every child is started from one manager thread, because Linux sends
PR_SET_PDEATHSIG when the *thread* that forked a child ends.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from sandbox import containment
from sandbox.checker import limits
from sandbox.checker.learner import location_in_output
from sandbox.files import learner_change
from sandbox.preview.ownership import blocked_for_others, give_new_files

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent.parent
# A pack's own libraries (``--path DIR``) go ahead of site-packages; the sandbox's code comes first.
BOOT = (f"import sys; a = sys.argv; [sys.path.insert(0, a[i + 1]) for i, x in enumerate(a) if x == '--path']; "
        f"sys.path.insert(0, {str(ROOT)!r}); from sandbox.preview.child import main; main()")
OUTPUT_BYTES = 64 * 1024  # the console keeps this much of the app's output
MAX_RECORD_BYTES = 1024 * 1024  # one request record; a longer line on the records pipe is dropped
IDLE_SECONDS = 300.0  # no page asked about the preview for this long: the lesson is closed


@dataclass
class PreviewStatus:
    """What the preview pane shows, as plain data."""

    state: str  # starting | running | error | crashed | stopped
    url: str
    generation: int
    changes: int  # restarts caused by a saved file, so the page can re-run checks
    error: dict | None
    workspace: str
    last_page: str | None
    pid: int | None = None


class Preview:
    """One learner's app: its socket, current child, console output and request log."""

    def __init__(self, key, workspace: Path, app_module: str, libraries: Path | None = None):
        self.key, self.workspace, self.app_module = key, workspace, app_module
        self.libraries = libraries  # the pack's own library folder, first on the child's sys.path
        self.listener: socket.socket | None = None
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.state = "starting"
        self.error: dict | None = None
        self.generation = 0
        self.changes = 0
        self.output = bytearray()
        self.output_end = 0  # bytes ever written, so readers can ask for what is new
        self.last_page: str | None = None  # the last HTML page the app served, for the address bar
        self.last_seen = time.monotonic()
        self.lifeline: int | None = None  # our end of the contained child's lifeline pipe
        self.watcher_stop = threading.Event()
        self.lock = threading.Lock()

    def write_output(self, data: bytes) -> None:
        with self.lock:
            self.output += data
            self.output_end += len(data)
            del self.output[:-OUTPUT_BYTES]

    def output_since(self, offset: int) -> tuple[str, int]:
        with self.lock:
            start = max(offset, self.output_end - len(self.output))
            chunk = bytes(self.output[len(self.output) - (self.output_end - start):]) if start < self.output_end else b""
            return chunk.decode("utf-8", "replace"), self.output_end

    def status(self) -> PreviewStatus:
        return PreviewStatus(state=self.state, url=f"http://localhost:{self.port}/", generation=self.generation,
                             changes=self.changes, error=self.error, workspace=str(self.workspace),
                             last_page=self.last_page, pid=self.process.pid if self.process else None)


class PreviewManager:
    """Starts, restarts and stops learners' previews; one preview per learner at a time."""

    def __init__(self, *, memory_mb: int = 1024, idle_seconds: float = IDLE_SECONDS, opener=None,
                 watch: bool = True, python: str = sys.executable, walls: containment.Protection | None = None):
        """``opener(folder) -> bool`` shows a folder in the file manager; ``watch`` restarts apps on save;
        ``walls``: the containment each child gets (default ``containment.protection()``, probed on first use)."""
        self._walls = walls
        self.memory_mb = memory_mb
        self.idle_seconds = idle_seconds
        self.opener = opener
        self.watch = watch
        self.python = python
        self._previews: dict[object, Preview] = {}
        self._listeners: list[Callable[[object, dict], None]] = []
        self._last_workspace: dict[object, Path] = {}
        self._owner = limits.unprivileged_ids()
        self._jobs: queue.Queue = queue.Queue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="preview-manager", daemon=True)
        self._thread.start()

    @property
    def walls(self) -> containment.Protection:
        if self._walls is None:
            self._walls = containment.protection()
        return self._walls

    # --- the public verbs; each runs on the manager thread -------------------------------

    def open(self, key, workspace: Path, app_module: str = "app.py", libraries: Path | None = None) -> PreviewStatus:
        """Make sure ``workspace``'s app is the one previewed for ``key`` (stopping any other);
        ``libraries``: the pack's own library folder (``packs.environment``), None for the sandbox's."""
        return self._call(self._open, key, Path(workspace).resolve(), app_module, libraries)

    def restart(self, key, *, changed: bool = False) -> PreviewStatus | None:
        return self._call(self._restart, key, changed)

    def stop(self, key) -> None:
        self._call(self._stop, key)

    def close(self) -> None:
        if self._closed:
            return
        self._call(self._stop_all)
        self._closed = True
        self._jobs.put(None)
        self._thread.join(timeout=5)

    # --- reads (any thread) --------------------------------------------------------------

    def status(self, key) -> PreviewStatus | None:
        preview = self._previews.get(key)
        if preview is None:
            return None
        preview.last_seen = time.monotonic()
        return preview.status()

    def output(self, key, since: int = 0) -> tuple[str, int]:
        preview = self._previews.get(key)
        return preview.output_since(since) if preview else ("", 0)

    def add_listener(self, listener: Callable[[object, dict], None]) -> None:
        """Call ``listener(key, event)`` for what a learner's app does: ``{"event": "opened"}`` when a new
        workspace's app starts, ``{"event": "request", "request": {...}}`` for each request it serves
        (method, path, query, status, content_type, duration_ms, queries, templates), ``{"event":
        "output"}`` when it printed something and ``{"event": "state"}`` when it started, stopped or
        failed. Called from the preview's threads; a listener must be quick and must not raise."""
        self._listeners.append(listener)

    def _tell(self, key, event: dict) -> None:
        for listener in self._listeners:
            try:
                listener(key, event)
            except Exception:  # noqa: BLE001 - a listener's fault must not stop the preview
                log.exception("A preview listener failed")

    def workspace(self, key) -> Path | None:
        """The workspace of the learner's current (or last) preview: what the inspector pages look at."""
        return self._last_workspace.get(key)

    def open_folder(self, key) -> bool:
        folder = self.workspace(key)
        if folder is None or self.opener is None:
            return False
        return bool(self.opener(folder))

    # --- the manager thread --------------------------------------------------------------

    def _call(self, fn, *args):
        if self._closed:
            raise RuntimeError("the preview manager is closed")
        if threading.current_thread() is self._thread:
            return fn(*args)
        done: Future = Future()
        self._jobs.put((fn, args, done))
        return done.result(timeout=30)

    def _run(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=1.0)
            except queue.Empty:
                self._stop_idle()
                continue
            if job is None:
                return
            fn, args, done = job
            try:
                done.set_result(fn(*args))
            except BaseException as exc:  # handed to the caller, who owns the error
                done.set_exception(exc)

    def _open(self, key, workspace: Path, app_module: str, libraries: Path | None = None) -> PreviewStatus:
        self._last_workspace[key] = workspace
        preview = self._previews.get(key)
        if preview is not None and preview.workspace == workspace and preview.app_module == app_module \
                and preview.libraries == libraries:
            preview.last_seen = time.monotonic()
            return preview.status()
        if preview is not None:
            self._stop(key)
        preview = Preview(key, workspace, app_module, libraries)
        self._previews[key] = preview
        self._tell(key, {"event": "opened"})
        blocked = blocked_for_others(workspace) if self._owner and not self.walls.active else None
        if blocked is not None:  # no folder outside the workspace is ever opened up for `nobody`
            log.warning("The preview runs as nobody, who cannot pass through %s", blocked)
            preview.write_output(f"(The sandbox runs as root without bubblewrap, so your app runs as the user "
                                 f"nobody, who cannot pass through {blocked}: your app may not reach its own "
                                 f"files. Install bubblewrap, or choose a data folder anyone can pass through.)\n"
                                 .encode())
        self._spawn(preview, "started")
        if self.watch:
            threading.Thread(target=self._watch, args=(preview,), name=f"preview-watch-{key}", daemon=True).start()
        return preview.status()

    def _restart(self, key, changed: bool) -> PreviewStatus | None:
        preview = self._previews.get(key)
        if preview is None:
            return None
        self._kill(preview)
        preview.changes += bool(changed)
        self._spawn(preview, "restarted after a change" if changed else "restarted")
        return preview.status()

    def _stop(self, key) -> None:
        preview = self._previews.pop(key, None)
        if preview is not None:
            preview.watcher_stop.set()
            self._kill(preview)
            if preview.listener is not None:
                preview.listener.close()
                preview.listener = None
            preview.state = "stopped"

    def _stop_all(self) -> None:
        for key in list(self._previews):
            self._stop(key)

    def _stop_idle(self) -> None:
        now = time.monotonic()
        for key, preview in list(self._previews.items()):
            if now - preview.last_seen > self.idle_seconds:
                log.info("Stopping the idle preview of %s", preview.workspace)
                self._stop(key)

    # --- one child -----------------------------------------------------------------------

    def _listen(self, preview: Preview) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", preview.port))
        except OSError:
            sock.bind(("127.0.0.1", 0))  # the old port was taken meanwhile: the pane follows the new one
        sock.listen(64)
        preview.port = sock.getsockname()[1]
        return sock

    def _spawn(self, preview: Preview, why: str) -> None:
        if self._owner:
            # Saves are atomic renames of private (0600) temp files: hand every file to `nobody` again,
            # who must read the sources and write the app's SQLite file.
            give_new_files(preview.workspace, self._owner)
        if preview.listener is None:
            preview.listener = self._listen(preview)
        preview.generation += 1
        preview.state, preview.error = "starting", None
        self._tell(preview.key, {"event": "state"})
        if preview.generation > 1:
            preview.write_output(f"\n--- {why} at {time.strftime('%H:%M:%S')} ---\n".encode())
        records_r, records_w = os.pipe()
        contained = self.walls.active
        # Contained, the child's parent is the sandbox's own init (pid 1), and its /tmp is its own.
        parent, home = ("1", "/tmp") if contained else (str(os.getpid()), tempfile.gettempdir())
        command = [self.python, "-I", "-B", "-u", "-c", BOOT, "--workspace", str(preview.workspace), "--app", preview.app_module,
                   "--socket-fd", str(preview.listener.fileno()), "--records-fd", str(records_w),
                   "--parent", parent, "--memory-mb", str(self.memory_mb)]
        if self._owner:
            command += ["--drop-to", f"{self._owner[0]}:{self._owner[1]}"]
        if preview.libraries is not None:
            command += ["--path", str(preview.libraries)]
        passed = [preview.listener.fileno(), records_w]
        if contained:
            # A pipe only we hold the other end of: when we are gone, the child sees its end and exits, so
            # the sandbox ends even if bubblewrap lost us while still setting it up (before it could arm
            # its own parent-death signal).
            lifeline_r, preview.lifeline = os.pipe()
            passed.append(lifeline_r)
            command += ["--lifeline-fd", str(lifeline_r)]
        # No network of its own but a loopback: the socket made above stays on the computer's 127.0.0.1,
        # where the page and the terminal's curl reach it; the app can listen nowhere else.
        command = containment.wrap(self.walls, "preview", command, read_write=[preview.workspace], python=self.python,
                                   read_only=[preview.libraries] if preview.libraries is not None else [])
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, env=limits.clean_env(home),
                                       cwd=tempfile.gettempdir(), pass_fds=passed, start_new_session=True)
        finally:
            for fd in passed[1:]:
                os.close(fd)
        preview.process = process
        generation = preview.generation
        threading.Thread(target=self._read_output, args=(preview, process, generation), daemon=True,
                         name="preview-output").start()
        threading.Thread(target=self._read_records, args=(preview, records_r, generation), daemon=True,
                         name="preview-records").start()

    def _kill(self, preview: Preview) -> None:
        process, preview.process = preview.process, None
        if process is None:
            return
        if self.walls.active:  # the sandbox and every process in it, setsid daemons included
            containment.kill_sandbox(process.pid, process.args, reap=process.wait)
            lifeline, preview.lifeline = preview.lifeline, None
            if lifeline is not None:
                os.close(lifeline)
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the whole group: the app and anything it started
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()

    def _read_output(self, preview: Preview, process: subprocess.Popen, generation: int) -> None:
        for chunk in iter(lambda: process.stdout.read1(65536), b""):
            preview.write_output(chunk)
            self._tell(preview.key, {"event": "output"})
        process.stdout.close()
        code = process.wait()
        if preview.process is process and preview.generation == generation:
            preview.state = "crashed"
            tail, _ = preview.output_since(0)
            preview.error = crash_report(tail, preview.workspace, code)
            self._tell(preview.key, {"event": "state"})
            # Nobody accepts on the socket now: close it, so the frame is refused instead of hanging.
            self._jobs.put((self._close_listener, (preview, generation), Future()))

    def _close_listener(self, preview: Preview, generation: int) -> None:
        if preview.generation == generation and preview.state == "crashed" and preview.listener is not None:
            preview.listener.close()
            preview.listener = None

    def _read_records(self, preview: Preview, fd: int, generation: int) -> None:
        with open(fd, "rb") as pipe:
            for line in bounded_lines(pipe, MAX_RECORD_BYTES):
                if line is None:  # the child or learner code wrote a line without end: memory stays flat
                    preview.write_output(f"\n[The sandbox dropped a request record longer than "
                                         f"{MAX_RECORD_BYTES // 1024} KB.]\n".encode())
                    self._tell(preview.key, {"event": "output"})
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # learner code writing to our descriptor
                if not isinstance(event, dict) or preview.generation != generation:
                    continue
                if event.get("event") == "request" and isinstance(event.get("request"), dict):
                    preview.last_page = page_of(event["request"]) or preview.last_page
                    self._tell(preview.key, event)
                elif event.get("event") == "ready":
                    preview.state = "running"
                    self._tell(preview.key, {"event": "state"})
                elif event.get("event") == "import_error":
                    preview.state = "error"
                    preview.error = {k: event.get(k) for k in ("message", "file", "line", "traceback")}
                    self._tell(preview.key, {"event": "state"})

    def _watch(self, preview: Preview) -> None:
        import watchfiles

        seen = Snapshot(preview.workspace)
        root = str(preview.workspace)

        def matters(change, path) -> bool:  # relative: the folders above the workspace may be hidden
            return learner_change(os.path.relpath(path, root))

        for changes in watchfiles.watch(preview.workspace, watch_filter=matters,
                                        debounce=400, step=20, stop_event=preview.watcher_stop, rust_timeout=500,
                                        raise_interrupt=False, ignore_permission_denied=True):
            if preview.watcher_stop.is_set() or self._closed:
                return
            if not seen.changed(path for _, path in changes):
                continue  # only owners or modes changed (our own chown as root), not the code
            try:
                self.restart(preview.key, changed=True)
            except RuntimeError:
                return


class Snapshot:
    """Size and mtime of the workspace's files, so a change of owner or mode is not a save."""

    def __init__(self, folder: Path):
        self.stats = {}
        for top, dirs, files in os.walk(folder):
            self.changed(os.path.join(top, name) for name in files)

    def changed(self, paths) -> bool:
        changed = False
        for path in paths:
            try:
                info = os.stat(path)
                key = (info.st_mtime_ns, info.st_size)
            except OSError:
                key = None
            if self.stats.get(path, "unseen") != key:
                self.stats[path] = key
                changed = True
        return changed


def bounded_lines(pipe, limit: int):
    """The lines of the binary stream ``pipe``, each at most ``limit`` bytes (not counting its
    newline); a longer line is read past in pieces and given as None, so no more than ``limit``
    bytes are ever held, however long it is."""
    while line := pipe.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        while (rest := pipe.readline(limit)) and not rest.endswith(b"\n"):
            pass
        yield None


def page_of(request: dict) -> str | None:
    """The address of a request that showed an HTML page (a GET answered 200 with HTML), else None."""
    if request.get("method") == "GET" and request.get("status") == 200 and "html" in str(request.get("content_type")):
        query = request.get("query")
        return shown_path(str(request.get("path", "/"))) + (f"?{query}" if query else "")
    return None


def shown_path(path_info: str) -> str:
    """A request's path as a person reads it: WSGI hands PATH_INFO over as bytes in Latin-1, so
    /hello/Zoë arrives as /hello/ZoÃ«; decode it as UTF-8 the way Bottle does before routing."""
    try:
        return path_info.encode("latin-1").decode("utf-8", "replace")
    except UnicodeError:  # not bytes in Latin-1: already text
        return path_info


def crash_report(output: str, workspace: Path, code: int | None) -> dict:
    """The learner's file and line from the last traceback in the output, and how the app ended."""
    file, line = location_in_output(output, workspace)
    lines = [text for text in output.strip().splitlines() if text.strip() and not text.startswith("---")]
    last = lines[-1] if lines else ""
    how = f"exit code {code}" if code is not None and code >= 0 else f"signal {-code}" if code else "no exit code"
    return {"message": f"Your app stopped ({how}). {last}".strip(), "file": file, "line": line,
            "traceback": output[-4000:]}

"""The warm check worker: pytest and the harness stay imported; each check runs in a forked child.

Protocol, JSON lines: the runner writes ``{"op": "run", "id", "job"}`` / ``{"op": "cancel", "id"}``
to stdin; the worker answers ``{"event": "started", "id", "pid"}`` and ``{"event": "result", "id",
"result"}`` on stdout. ``--once`` reads one job, prints its result line, and exits.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

# The harness libraries are imported here, before any workspace is on sys.path, so a learner's
# bottle.py or pytest.py can never stand in for them.
import _pytest.config
import bottle  # noqa: F401
import peewee  # noqa: F401
import pytest
import webtest  # noqa: F401

from sandbox import containment
from sandbox.checker import limits, plugin
from sandbox.checker.supervise import Supervisor

CONFIG_TEXT = "[pytest]\n"
# Plugins a check never needs; each one skipped saves time in every check. (unraisableexception
# and threadexception run gc.collect() twice per session: ~15 ms.)
UNUSED_PLUGINS = ("cacheprovider", "terminal", "pastebin", "stepwise", "doctest", "junitxml",
                  "setuponly", "setupplan", "unraisableexception", "threadexception")  # an explicit, empty config: the workspace's ini files are never read


def preload() -> None:
    """Import what pytest.main would import lazily, once, so every forked check starts warm."""
    for name in _pytest.config.default_plugins:
        try:
            importlib.import_module(f"_pytest.{name}")
        except ImportError:
            pass
    for name in ("sqlite3", "webtest.app", "webob.request", "webob.response", "email.parser", "http.cookies"):
        importlib.import_module(name)
    warm_up()
    gc.freeze()  # the warm state is shared by every forked check; don't let gc touch (and copy) it


WARM_UP_APP = """
from bottle import Bottle
from peewee import SqliteDatabase, Model, CharField
db = SqliteDatabase('warm.db')
class Note(Model):
    text = CharField()
    class Meta:
        database = db
app = Bottle()
@app.route('/')
def home():
    return 'ok'
@app.route('/boom')
def boom():
    return {}['missing']
"""

WARM_UP_CHECK = """
import pytest
def test_pass(client, db, source):
    db.Note.create(text='x')
    assert client.get('/').text == 'ok' and source('app.py')
def test_fail(client):
    assert client.get('/nope', status='*').status_int == 200, 'a message'
def test_error(client):
    client.get('/boom')
"""


def warm_up() -> None:
    """Run a small passing and failing check here once: the lazy imports pytest makes while
    reporting failures then happen once, not in every forked check."""
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # stdout is the protocol pipe: nothing may be printed on it
    try:
        with tempfile.TemporaryDirectory(prefix="sandbox-warm-") as folder:
            root = Path(folder)
            (root / "workspace").mkdir()
            (root / "checks").mkdir()
            (root / "workspace" / "app.py").write_text(WARM_UP_APP)
            (root / "checks" / "test_sandbox_warm_up.py").write_text(WARM_UP_CHECK)
            (root / "checks.ini").write_text(CONFIG_TEXT)
            args = pytest_args(root / "workspace", root / "checks", root / "checks.ini", root / "tmp", "app.py")
            pytest.main(args, plugins=[ResultCollector(lambda event: None)])
            plugin.purge_learner_modules(root / "workspace", ["test_sandbox_warm_up"])
            sys.path[:] = [p for p in sys.path if not p.startswith(folder)]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


class ResultCollector:
    """Sends each finished test to the worker as it happens (never by parsing stdout)."""

    def __init__(self, emit):
        self.emit = emit
        self.pid = os.getpid()
        self.collected = 0
        self.partial: dict[str, dict] = {}

    def pytest_configure(self, config):
        # Native tracebacks: the long style parses every source file in the traceback
        # (bottle.py, webtest) for each failure, which costs ~70 ms per failed test.
        config.option.tbstyle = "native"

    def _guard(self):
        if os.getpid() != self.pid:  # a copy of the check that learner code forked
            os._exit(0)

    def pytest_collection_finish(self, session):
        self.collected = len(session.items)

    def pytest_collectreport(self, report):
        self._guard()
        if report.failed:
            detail = str(report.longrepr)
            self.emit({"event": "test", "test": {
                "name": report.nodeid or "checks", "title": "Loading the checks", "outcome": "error",
                "message": "The step's check file could not be loaded: " + _last_line(detail),
                "detail": detail}})

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        self._guard()  # before pytest spends time formatting a forked copy's failure

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logstart(self, nodeid, location):
        self._guard()
        self.emit({"event": "start", "name": nodeid})

    def pytest_runtest_logreport(self, report):
        self._guard()
        entry = self.partial.setdefault(report.nodeid, {
            "name": report.nodeid, "title": getattr(report, "sandbox_title", report.nodeid),
            "outcome": "passed", "message": "", "file": None, "line": None, "detail": "", "duration_ms": 0.0})
        entry["duration_ms"] += report.duration * 1000
        info = getattr(report, "sandbox_info", {})
        if report.failed or (report.skipped and entry["outcome"] == "passed"):
            if entry["outcome"] in ("passed", "skipped"):
                entry["outcome"] = "failed" if report.when == "call" else ("skipped" if report.skipped else "error")
                entry.update({k: info.get(k) for k in ("message", "file", "line")})
                entry["message"] = entry["message"] or ""
                entry["detail"] = info.get("detail") or str(report.longrepr or "")
            if info.get("limited"):
                self.emit({"event": "limited", "reason": info["limited"]})
        if report.when == "teardown":
            self.emit({"event": "test", "test": self.partial.pop(report.nodeid)})


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown problem"


def run_child(job: dict, private: Path, result_fd: int, out_fd: int) -> None:
    """Body of the forked check process; never returns."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    emit = _emitter(_isolate_fds(result_fd, out_fd))
    try:
        code, collected = _run_pytest(job, private, emit)
        if os.getpid() == emit.pid:
            emit({"event": "done", "collected": collected, "exit_code": int(code)})
    except BaseException:  # noqa: BLE001 - the child must always report and exit
        if os.getpid() == emit.pid:
            emit({"event": "fault", "message": traceback.format_exc(limit=5)})
    os._exit(0)


def _isolate_fds(result_fd: int, out_fd: int) -> int:
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.dup2(result_fd, 3)
    os.closerange(4, 65536)  # other checks' pipes, the worker's protocol pipe
    return 3


def _emitter(fd: int):
    def emit(event: dict) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        data = (json.dumps(event) + "\n").encode()
        while data:
            data = data[os.write(fd, data):]

    emit.pid = os.getpid()
    return emit


def _run_pytest(job: dict, private: Path, emit):
    owner = limits.unprivileged_ids()
    workspace, checks, tmp = private / "workspace", private / "checks", private / "tmp"
    limits.copy_tree(Path(job["workspace"]), workspace, None)
    checks.mkdir()
    tmp.mkdir()
    for index, name in enumerate(job["check_files"]):
        source = Path(name)
        target = checks / source.name
        if target.exists():
            target = checks / f"test_{index}_{source.name}"
        shutil.copyfile(source, target)
    config = private / "checks.ini"
    config.write_text(CONFIG_TEXT)
    if owner:
        limits.give_tree(private, owner)
    limits.enter_limits(owner, int(job.get("memory_mb", 1024)))
    os.environ.clear()
    os.environ.update(limits.clean_env(str(tmp)))
    tempfile.tempdir = str(tmp)
    os.chdir(workspace)
    sys.dont_write_bytecode = True
    # The worker never imported learner code, but a fresh interpreter (--once) or a future
    # change might have: drop anything from the workspace so the latest files are read.
    plugin.purge_learner_modules(workspace)
    args = pytest_args(workspace, checks, config, tmp, job.get("app_module", "app.py"))
    collector = ResultCollector(emit)
    code = pytest.main(args, plugins=[collector])
    return code, collector.collected


def pytest_args(workspace: Path, checks: Path, config: Path, tmp: Path, app_module: str) -> list[str]:
    return [
        # No plugins from installed packages' entry points: scanning them costs every check tens of ms, and
        # a pack's libraries would bring theirs (anyio's, in every FastAPI check).
        str(checks), "-c", str(config), "--rootdir", str(checks), "--noconftest", "--disable-plugin-autoload",
        *(arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")),
        "-p", "sandbox.checker.plugin", "-s", "--basetemp", str(tmp / "pytest"),
        "--sandbox-workspace", str(workspace), "--sandbox-app-module", app_module,
    ]


def serve(contained: bool = False) -> None:
    """The warm loop: read requests on stdin, report results on stdout, until stdin closes.

    ``contained``: this worker has a PID namespace of its own (``sandbox.containment``), so before
    each result is sent, whatever that check left running (a ``setsid`` daemon) is ended too."""
    preload()
    supervisor = Supervisor(run_child, _write_line)
    if contained:
        def write_line(message: dict) -> None:
            if message.get("event") == "result":
                containment.end_strays(job.pid for job in supervisor.jobs.values())
            _write_line(message)

        supervisor.write_line = write_line
    buffer = b""
    signal.signal(signal.SIGTERM, lambda *_: (supervisor.kill_all(), os._exit(0)))
    while True:
        ready = supervisor.poll([0], timeout=None)
        if 0 not in ready:
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                _handle(supervisor, json.loads(line))
    supervisor.kill_all()
    if contained:  # the runner is gone: nothing a check started may keep this sandbox alive
        containment.end_strays(())


def _handle(supervisor: Supervisor, message: dict) -> None:
    if message.get("op") == "run":
        supervisor.start(message["id"], message["job"])
    elif message.get("op") == "cancel":
        supervisor.cancel(message["id"])


def run_once() -> None:
    """Fresh-interpreter mode: one job from stdin, its result line on stdout."""
    job = json.loads(sys.stdin.readline())
    if not hasattr(os, "fork"):
        channel = os.dup(1)  # the result's own way out: what the learner's code prints goes elsewhere
        _write_line({"event": "result", "id": 0, "result": run_inline(job)}, fd=channel)
        return
    supervisor = Supervisor(run_child, _write_line)
    supervisor.start(0, job)
    while supervisor.jobs:
        supervisor.poll([], timeout=None)


def run_inline(job: dict) -> dict:
    """No fork (Windows): run in this process; the caller enforces the timeout by killing us."""
    from sandbox.checker.supervise import assemble

    private = Path(job.get("private") or tempfile.mkdtemp(prefix="sandbox-check-"))
    output_fd = os.open(private / "output.txt", os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os.dup2(output_fd, 1)  # the learner's prints, and pytest's, land in a file; its tail is shown
    os.dup2(output_fd, 2)
    events: list[dict] = []
    started = time.monotonic()
    try:
        code, collected = _run_pytest(job, private, _with_pid(events.append))
        events.append({"event": "done", "collected": collected, "exit_code": int(code)})
    except Exception:  # noqa: BLE001
        events.append({"event": "fault", "message": traceback.format_exc(limit=5)})
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        tail = _tail_of(output_fd)
        os.close(output_fd)
        shutil.rmtree(private, ignore_errors=True)
    return assemble(events, (time.monotonic() - started) * 1000, tail, float(job.get("timeout", 10))).to_dict()


def _tail_of(fd: int) -> str:
    size = os.fstat(fd).st_size
    os.lseek(fd, max(0, size - limits.OUTPUT_TAIL_BYTES), os.SEEK_SET)
    return os.read(fd, limits.OUTPUT_TAIL_BYTES).decode("utf-8", "replace")


def _with_pid(function):
    def emit(event):
        function(event)

    emit.pid = os.getpid()
    return emit


def _write_line(message: dict, fd: int = 1) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def warm(argv) -> None:
    """Import the pack environment's libraries named by ``--warm a,b`` (BOOT already put its folder,
    ``--path``, on sys.path), so every forked check starts with them loaded. A library that fails to
    import is left for the check to report."""
    if "--warm" not in argv or argv.index("--warm") + 1 >= len(argv):
        return
    # Also what the frameworks load on their first check (Django's app configs, the SQL compiler...).
    # A library's own import-time failure shows in the learner's check instead.
    plugin.frameworks.warm(name for name in argv[argv.index("--warm") + 1].split(",") if name)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    warm(argv)
    if "--once" in argv:
        run_once()
    else:
        serve(contained="--contained" in argv)


if __name__ == "__main__":
    main()

"""Running a step's checks from the sandbox's process, which never runs learner code itself.

CheckRunner keeps warm worker processes (restarted if they die) and waits for results;
run_check_once uses a fresh interpreter, for the CLI and where fork is unavailable.

Where bubblewrap works (``sandbox.containment``), every worker runs inside its own sandbox, and
each learner gets a worker of their own (keys ``learner-<id>``), started on demand from a spare
kept warm, and stopped after IDLE_SECONDS without a check: one learner's checks never share a
sandbox with another's. Such a worker sees none of the learner's real folders: for each check
the runner copies the workspace and the check files into the worker's own staging folder (the
only folder of ours it can read), and removes the copy when the result is in. Elsewhere there is
one shared worker, as the limits of ``sandbox.checker.limits`` are then the only walls anyway.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from sandbox import containment
from sandbox.checker import limits
from sandbox.checker.results import CheckResult

ROOT = Path(__file__).resolve().parent.parent.parent
GRACE_SECONDS = 5.0  # beyond the check's own timeout, before the worker itself is presumed stuck
# A pack's environment (``--path DIR``) goes ahead of the sandbox's site-packages, the sandbox itself first.
BOOT = (f"import sys; a = sys.argv; [sys.path.insert(0, a[i + 1]) for i, x in enumerate(a) if x == '--path']; "
        f"sys.path.insert(0, {str(ROOT)!r}); from sandbox.checker.worker import main; main()")
CAN_FORK = hasattr(os, "fork")
LEARNER_KEY = re.compile(r"learner-\d+")  # coursework's key: such a key gets a worker of its own when contained
SHARED = "shared"  # every other key (pack check, reference solutions): the pack's own files, no learner's
SPARE = ""  # a contained worker warmed up before anyone needs it, handed to the next learner who does
IDLE_SECONDS = 600.0  # a learner's worker with no check for this long is stopped (contained only)


def worker_command(*args: str) -> list[str]:
    # -I: no PYTHON* variables, no user site, no cwd on sys.path, so nothing local is imported first.
    return [sys.executable, "-I", "-c", BOOT, *args]


def make_job(workspace, check_files, *, app_module="app.py", timeout=10.0, memory_mb=1024) -> dict:
    return {
        "workspace": str(Path(workspace).resolve()),
        "check_files": [str(Path(f).resolve()) for f in check_files],
        "app_module": app_module,
        "timeout": float(timeout),
        "memory_mb": int(memory_mb),
    }


def _problem_with(job: dict) -> str | None:
    if not Path(job["workspace"]).is_dir():
        return f"The workspace folder {job['workspace']} does not exist."
    missing = [f for f in job["check_files"] if not Path(f).is_file()]
    if missing:
        return f"The check file {missing[0]} does not exist."
    return None


def stage(job: dict, folder: Path) -> dict:
    """Copy a job's workspace (``limits.copy_tree``'s rule) and check files into ``folder``, the only
    place a contained worker reads them from; return the job pointing there."""
    folder.mkdir(mode=0o700)
    limits.copy_tree(Path(job["workspace"]), folder / "workspace", None)
    checks = []
    for index, name in enumerate(job["check_files"]):
        target = folder / "checks" / str(index) / Path(name).name  # the name stays: it is the check module's
        target.parent.mkdir(parents=True)
        shutil.copyfile(name, target)
        checks.append(str(target))
    return {**job, "workspace": str(folder / "workspace"), "check_files": checks}


def _stage_root() -> str:
    return limits.check_temp_root() or tempfile.gettempdir()


class _Launcher:
    """Starts processes from one thread that lasts as long as the sandbox: a contained process dies
    with its parent (bwrap's --die-with-parent is PR_SET_PDEATHSIG, which Linux sends when the
    *thread* that started it ends), and checks are often started from short-lived threads."""

    def __init__(self):
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def popen(self, command: list[str], **options) -> subprocess.Popen:
        if threading.current_thread() is self._thread:
            return subprocess.Popen(command, **options)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="check-launcher", daemon=True)
                self._thread.start()
        done: Future = Future()
        self._jobs.put((command, options, done))
        return done.result()

    def _run(self) -> None:
        while True:
            command, options, done = self._jobs.get()
            try:
                done.set_result(subprocess.Popen(command, **options))
            except BaseException as exc:  # handed to the caller
                done.set_exception(exc)


_launcher = _Launcher()


def environment_args(environment: Path | None) -> list[str]:
    """The worker's arguments for a pack's environment: its folder first on ``sys.path``, and the
    top-level modules installed there to import while warming up."""
    if environment is None:
        return []
    from sandbox.packs.environment import top_level_modules

    return ["--path", str(environment), "--warm", ",".join(top_level_modules(environment))]


def _spawn(*args: str, walls: containment.Protection | None = None, stage_dir: Path | None = None,
           environment: Path | None = None) -> subprocess.Popen:
    contained = walls is not None and walls.active
    home = "/tmp" if contained else tempfile.gettempdir()  # inside a sandbox, /tmp is its own
    command = worker_command(*args, *(["--contained"] if contained else []), *environment_args(environment))
    seen = [folder for folder in (stage_dir, environment) if folder is not None]
    command = containment.wrap(walls, "check", command, read_only=seen)
    return _launcher.popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           env=limits.clean_env(home), cwd=tempfile.gettempdir(),
                           start_new_session=True, close_fds=True)


def run_check_once(workspace, check_files, *, app_module="app.py", timeout=10.0, memory_mb=1024, walls=None,
                   environment: Path | None = None, **_ignored):
    """Run one check in a fresh interpreter (no warm worker), in its own sandbox where there are walls
    (``walls``: default ``containment.protection()``); ``environment`` is the pack's library folder."""
    job = make_job(workspace, check_files, app_module=app_module, timeout=timeout or 10.0, memory_mb=memory_mb)
    problem = _problem_with(job)
    if problem:
        return CheckResult.fault(problem)
    started = time.monotonic()
    walls = walls or containment.protection()
    # Made here, so it is removed here even when the check has to be killed.
    private = tempfile.mkdtemp(prefix="sandbox-check-", dir=limits.check_temp_root())
    if walls.active:  # the sandbox reads only this copy; its own private folder is in its own /tmp
        job = stage(job, Path(private) / "stage")
    else:
        job["private"] = private
    try:
        process = _spawn("--once", walls=walls, stage_dir=Path(private) if walls.active else None,
                         environment=environment)
        try:
            out, _ = process.communicate((json.dumps(job) + "\n").encode(), timeout=job["timeout"] + GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            if walls.active:
                containment.kill_sandbox(process.pid, process.args)
            else:
                _kill_group(process.pid)
            process.communicate()  # reap it and close its pipes
            return CheckResult(passed=False, timed_out=True, duration_ms=(time.monotonic() - started) * 1000)
    finally:
        shutil.rmtree(private, ignore_errors=True)
    for line in reversed(out.decode("utf-8", "replace").splitlines()):
        try:
            return CheckResult.from_dict(json.loads(line)["result"])
        except (ValueError, KeyError, TypeError):
            continue  # not the worker's result line
    return CheckResult.fault("The check process stopped without a result; please try again.")


@dataclass(eq=False)
class _Worker:
    """One warm worker process; contained, with the staging folder it alone can read."""

    process: subprocess.Popen
    scope: str
    stage: Path | None = None
    environment: Path | None = None
    contained: bool = False
    busy: int = 0  # runs waiting on it
    last_used: float = field(default_factory=time.monotonic)

    def alive(self) -> bool:
        return self.process.poll() is None


@dataclass(eq=False)
class _Pending:
    key: str
    worker: _Worker
    done: threading.Event = field(default_factory=threading.Event)
    result: CheckResult | None = None
    inner_pid: int | None = None  # the check's pid as its worker sees it (in its own namespace when contained)
    staged: Path | None = None
    worker_died: bool = False
    _host_pid: int | None = None

    @property
    def process(self) -> subprocess.Popen:
        return self.worker.process

    @property
    def pid(self) -> int | None:
        """The check's pid as this computer sees it (found in /proc when its worker is contained)."""
        if self.inner_pid is None or not self.worker.contained:
            return self.inner_pid
        if self._host_pid is None:
            self._host_pid = containment.host_pid(self.worker.process.pid, self.inner_pid)
        return self._host_pid


class CheckRunner:
    """Warm workers for a sandbox; ``run`` is thread-safe and one check per key runs at a time."""

    def __init__(self, timeout: float = 10.0, memory_mb: int = 1024, *, idle_seconds: float = IDLE_SECONDS,
                 walls: containment.Protection | None = None):
        """``walls``: the containment to use (default: ``containment.protection()``, probed on first use)."""
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._workers: dict[str, _Worker] = {}
        self._last: _Worker | None = None
        self._pending: dict[int, _Pending] = {}
        self._by_key: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._walls = walls
        self._stage_root: Path | None = None
        self._idle_thread: threading.Thread | None = None
        self._generation = 0  # bumped by stop(), so a spare started before it is not kept

    @property
    def walls(self) -> containment.Protection:
        """The walls this runner's workers get (probed on first use)."""
        if self._walls is None:
            self._walls = containment.protection()
        return self._walls

    @property
    def contained(self) -> bool:
        return CAN_FORK and self.walls.active

    @property
    def _process(self) -> subprocess.Popen | None:
        """The worker process that ran the latest check (or the one waiting for the first)."""
        worker = self._last or self._workers.get(SHARED) or self._workers.get(SPARE)
        return worker.process if worker else None

    def start(self) -> None:
        """Warm a worker now (otherwise the first run does): the shared one, or a contained spare. Idempotent."""
        if CAN_FORK:
            with self._lock:
                self._ensure_worker(SPARE if self.contained else SHARED)

    def scope_of(self, key: str, environment: Path | None = None) -> str:
        """Which worker runs checks for ``key``: a learner's own when contained, else the shared one;
        a pack with its own libraries (``environment``) has workers of its own (``<scope>@<folder>``)."""
        scope = key if self.contained and LEARNER_KEY.fullmatch(str(key)) else SHARED
        return scope if environment is None else f"{scope}@{Path(environment).name}"

    def run(self, workspace, check_files, *, app_module="app.py", timeout=None, key="learner-1",
            environment: Path | None = None) -> CheckResult:
        """Run ``check_files`` against a copy of ``workspace``; one check per ``key`` at a time (a newer
        one cancels the older). ``environment``: the pack's library folder (``packs.environment``),
        whose warm worker is started on first use and stopped when idle."""
        timeout = timeout or self.timeout
        job = make_job(workspace, check_files, app_module=app_module, timeout=timeout, memory_mb=self.memory_mb)
        problem = _problem_with(job)
        if problem:
            return CheckResult.fault(problem)
        if not CAN_FORK:
            return run_check_once(workspace, check_files, app_module=app_module, timeout=timeout,
                                  memory_mb=self.memory_mb, environment=environment)
        for attempt in range(2):
            job_id, pending = self._submit(job, key, environment)
            if not pending.done.wait(timeout + GRACE_SECONDS):
                self._abandon_worker(pending.worker)
                pending.done.wait(1.0)
            with self._lock:
                self._pending.pop(job_id, None)
                if self._by_key.get(key) == job_id:
                    del self._by_key[key]
                pending.worker.busy -= 1
                pending.worker.last_used = time.monotonic()
            if pending.staged is not None:
                shutil.rmtree(pending.staged, ignore_errors=True)
            if pending.result is not None:
                return pending.result
            if not pending.worker_died or attempt:
                break
        return CheckResult.fault("The checker stopped unexpectedly; please press Check again.")

    def stop(self) -> None:
        """Kill every worker and every running check. Idempotent, and quick."""
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
            self._last = None
            self._generation += 1
            pending = list(self._pending.values())
            for item in pending:  # said before the workers die, so no run takes their end for a crash
                if item.result is None:
                    item.result = CheckResult(passed=False, cancelled=True)
            stage_root, self._stage_root = self._stage_root, None
        for worker in workers:
            self._end(worker)
        for item in pending:
            if not item.worker.contained and item.pid:
                _kill_group(item.pid)  # a contained check ended with its worker's sandbox
            item.done.set()
        if stage_root is not None:
            shutil.rmtree(stage_root, ignore_errors=True)

    # --- workers -------------------------------------------------------------------------

    def _submit(self, job: dict, key: str, environment: Path | None = None) -> tuple[int, _Pending]:
        job_id = next(self._ids)
        with self._lock:
            worker = self._ensure_worker(self.scope_of(key, environment), environment)
            worker.busy += 1
            pending = _Pending(key=key, worker=worker)
            self._pending[job_id] = pending
            previous = self._by_key.get(key)
            self._by_key[key] = job_id
            self._last = worker
        if worker.stage is not None:
            pending.staged = worker.stage / str(job_id)
            try:
                job = stage(job, pending.staged)
            except OSError as exc:  # (or stop() removed the worker's folder meanwhile: then it is cancelled)
                if pending.result is None:
                    pending.result = CheckResult.fault(f"The sandbox could not copy your files for the check "
                                                       f"({exc.strerror or exc}); please press Check again.")
                pending.done.set()
                return job_id, pending
        try:
            with self._lock:
                if previous is not None and previous in self._pending:
                    self._send(self._pending[previous].process, {"op": "cancel", "id": previous})
                self._send(worker.process, {"op": "run", "id": job_id, "job": job})
        except (OSError, ValueError):  # its pipe is gone: the worker died (ValueError: already released)
            pending.worker_died = True
            pending.done.set()
        return job_id, pending

    @staticmethod
    def _send(process: subprocess.Popen, message: dict) -> None:
        process.stdin.write((json.dumps(message) + "\n").encode())
        process.stdin.flush()

    def _ensure_worker(self, scope: str, environment: Path | None = None) -> _Worker:
        """The live worker for ``scope``, made now if needed (a contained learner takes the spare; the
        spare has no pack environment, so a scope with one starts its own). Locked."""
        worker = self._workers.get(scope)
        if worker is not None and worker.alive():
            return worker
        if worker is not None:  # it died: release it before starting anew
            del self._workers[scope]
            self._release(worker)
        spare = self._workers.get(SPARE) if scope not in (SPARE, SHARED) and environment is None else None
        if spare is not None and spare.alive():
            del self._workers[SPARE]
            spare.scope, worker = scope, spare
        else:
            worker = self._new_worker(scope, environment)
        self._workers[scope] = worker
        if environment is not None:
            self._watch_idle()  # a pack's own worker stops when unused, contained or not
        if self.contained and scope not in (SPARE, SHARED) and environment is None:
            threading.Thread(target=self._refill_spare, args=(self._generation,), name="check-spare",
                             daemon=True).start()
            self._watch_idle()
        return worker

    def _new_worker(self, scope: str, environment: Path | None = None) -> _Worker:
        if not self.contained:
            process = _spawn("--serve", environment=environment)
            worker = _Worker(process, scope, environment=environment)
        else:
            if self._stage_root is None:
                self._stage_root = Path(tempfile.mkdtemp(prefix="sandbox-stage-", dir=_stage_root()))
            folder = Path(tempfile.mkdtemp(prefix="worker-", dir=self._stage_root))
            process = _spawn("--serve", walls=self.walls, stage_dir=folder, environment=environment)
            worker = _Worker(process, scope, stage=folder, contained=True, environment=environment)
        threading.Thread(target=self._read_results, args=(worker,), name="check-worker-reader", daemon=True).start()
        return worker

    def _refill_spare(self, generation: int) -> None:
        """Warm the next learner's worker in the background (not under the lock: starting takes a moment)."""
        with self._lock:
            if SPARE in self._workers or generation != self._generation:
                return
            self._workers[SPARE] = self._new_worker(SPARE)

    def _watch_idle(self) -> None:
        """Start the thread that stops idle learners' workers, unless it runs. Locked."""
        if self._idle_thread is None or not self._idle_thread.is_alive():
            self._idle_thread = threading.Thread(target=self._stop_idle_workers, name="check-idle", daemon=True)
            self._idle_thread.start()

    def _stop_idle_workers(self) -> None:
        """Every quarter of IDLE_SECONDS, stop learners' workers unused that long; end when none is left."""
        while True:
            time.sleep(max(0.05, self.idle_seconds / 4))
            now = time.monotonic()
            with self._lock:
                idle = [w for s, w in self._workers.items() if s not in (SPARE, SHARED) and not w.busy
                        and now - w.last_used > self.idle_seconds]
                for worker in idle:
                    del self._workers[worker.scope]
                    if self._last is worker:
                        self._last = None
                left = any(s not in (SPARE, SHARED) for s in self._workers)
                if not left:
                    self._idle_thread = None
            for worker in idle:
                self._end(worker)
            if not left:
                return

    def _read_results(self, worker: _Worker) -> None:
        process = worker.process
        for line in process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                pending = self._pending.get(message.get("id"))
            if pending is None or pending.worker is not worker:
                continue
            if message.get("event") == "started":
                pending.inner_pid = message.get("pid")
            elif message.get("event") == "result":
                pending.result = CheckResult.from_dict(message["result"])
                pending.done.set()
        process.stdout.close()
        with self._lock:
            orphans = [p for p in self._pending.values() if p.worker is worker and not p.done.is_set()]
        for pending in orphans:
            pending.worker_died = True
            pending.done.set()

    def _abandon_worker(self, worker: _Worker) -> None:
        """The worker stopped answering: kill it; the next run starts a fresh one."""
        with self._lock:
            if self._workers.get(worker.scope) is worker:
                del self._workers[worker.scope]
            if self._last is worker:
                self._last = None
        _kill_worker(worker)
        self._release(worker)

    def _end(self, worker: _Worker) -> None:
        """Stop one worker (and so its checks): an uncontained one kills its checks itself on SIGTERM;
        a contained one is killed with its sandbox, which takes every process in it along."""
        process = worker.process
        if process.poll() is None:
            if worker.contained:
                _kill_worker(worker)
            else:
                process.send_signal(signal.SIGTERM)  # the worker kills its checks, then exits
                try:
                    process.wait(0.5)
                except subprocess.TimeoutExpired:
                    _kill_group(process.pid)
            process.wait()
        self._release(worker)

    @staticmethod
    def _release(worker: _Worker) -> None:
        """Close a dead worker's input (its reader closes its output) and remove its staging folder."""
        worker.process.wait()
        try:
            worker.process.stdin.close()
        except (OSError, ValueError):
            pass
        if worker.stage is not None:
            shutil.rmtree(worker.stage, ignore_errors=True)

    def __enter__(self) -> CheckRunner:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _kill_worker(worker: _Worker) -> None:
    """Kill a worker now (and reap it): a contained one with its whole sandbox."""
    if worker.contained:
        containment.kill_sandbox(worker.process.pid, worker.process.args, reap=worker.process.wait)
    else:
        _kill_group(worker.process.pid)
        worker.process.wait()


def _kill_group(pid: int) -> None:
    kill = getattr(signal, "SIGKILL", signal.SIGTERM)
    try:
        os.killpg(pid, kill)
    except (ProcessLookupError, PermissionError, AttributeError):
        try:
            os.kill(pid, kill)
        except (ProcessLookupError, PermissionError):
            pass

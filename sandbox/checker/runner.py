"""Running a step's checks from the sandbox's process, which never runs learner code itself.

CheckRunner keeps one warm worker process (restarted if it dies) and waits for results;
run_check_once uses a fresh interpreter, for the CLI and where fork is unavailable.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.checker import limits
from sandbox.checker.results import CheckResult

ROOT = Path(__file__).resolve().parent.parent.parent
GRACE_SECONDS = 5.0  # beyond the check's own timeout, before the worker itself is presumed stuck
BOOT = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from sandbox.checker.worker import main; main()"
CAN_FORK = hasattr(os, "fork")


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


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        worker_command(*args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env=limits.clean_env(tempfile.gettempdir()), cwd=tempfile.gettempdir(),
        start_new_session=True, close_fds=True,
    )


def run_check_once(workspace, check_files, *, app_module="app.py", timeout=10.0, memory_mb=1024, **_ignored):
    """Run one check in a fresh interpreter (no warm worker)."""
    job = make_job(workspace, check_files, app_module=app_module, timeout=timeout or 10.0, memory_mb=memory_mb)
    problem = _problem_with(job)
    if problem:
        return CheckResult.fault(problem)
    started = time.monotonic()
    # Made here, so it is removed here even when the check has to be killed.
    job["private"] = tempfile.mkdtemp(prefix="sandbox-check-", dir=limits.check_temp_root())
    process = _spawn("--once")
    try:
        out, _ = process.communicate((json.dumps(job) + "\n").encode(), timeout=job["timeout"] + GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        process.communicate()  # reap it and close its pipes
        return CheckResult(passed=False, timed_out=True, duration_ms=(time.monotonic() - started) * 1000)
    finally:
        shutil.rmtree(job["private"], ignore_errors=True)
    for line in reversed(out.decode("utf-8", "replace").splitlines()):
        try:
            return CheckResult.from_dict(json.loads(line)["result"])
        except (ValueError, KeyError, TypeError):
            continue  # not the worker's result line
    return CheckResult.fault("The check process stopped without a result; please try again.")


@dataclass
class _Pending:
    key: str
    process: subprocess.Popen
    done: threading.Event = field(default_factory=threading.Event)
    result: CheckResult | None = None
    pid: int | None = None
    worker_died: bool = False


class CheckRunner:
    """One warm worker per sandbox; ``run`` is thread-safe and one check per key runs at a time."""

    def __init__(self, timeout: float = 10.0, memory_mb: int = 1024):
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._pending: dict[int, _Pending] = {}
        self._by_key: dict[str, int] = {}
        self._ids = itertools.count(1)

    def start(self) -> None:
        """Spawn the warm worker now (otherwise the first run does). Idempotent."""
        if CAN_FORK:
            with self._lock:
                self._ensure_worker()

    def run(self, workspace, check_files, *, app_module="app.py", timeout=None, key="learner-1") -> CheckResult:
        timeout = timeout or self.timeout
        job = make_job(workspace, check_files, app_module=app_module, timeout=timeout, memory_mb=self.memory_mb)
        problem = _problem_with(job)
        if problem:
            return CheckResult.fault(problem)
        if not CAN_FORK:
            return run_check_once(workspace, check_files, app_module=app_module, timeout=timeout,
                                  memory_mb=self.memory_mb)
        for attempt in range(2):
            job_id, pending = self._submit(job, key)
            if not pending.done.wait(timeout + GRACE_SECONDS):
                self._abandon_worker(pending.process)
                pending.done.wait(1.0)
            with self._lock:
                self._pending.pop(job_id, None)
                if self._by_key.get(key) == job_id:
                    del self._by_key[key]
            if pending.result is not None:
                return pending.result
            if not pending.worker_died or attempt:
                break
        return CheckResult.fault("The checker stopped unexpectedly; please press Check again.")

    def stop(self) -> None:
        """Kill the worker and every running check. Idempotent, and quick."""
        with self._lock:
            process, self._process = self._process, None
            pending = list(self._pending.values())
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the worker kills its checks, then exits
            try:
                process.wait(0.5)
            except subprocess.TimeoutExpired:
                _kill_group(process.pid)
                process.wait()
        for item in pending:
            if item.pid:
                _kill_group(item.pid)
            if item.result is None:
                item.result = CheckResult(passed=False, cancelled=True)
            item.done.set()
        for stream in (process.stdin, process.stdout):
            stream.close()

    def _submit(self, job: dict, key: str) -> tuple[int, _Pending]:
        with self._lock:
            process = self._ensure_worker()
            previous = self._by_key.get(key)
            job_id = next(self._ids)
            pending = _Pending(key=key, process=process)
            self._pending[job_id] = pending
            self._by_key[key] = job_id
            try:
                if previous is not None and previous in self._pending:
                    self._send(process, {"op": "cancel", "id": previous})
                self._send(process, {"op": "run", "id": job_id, "job": job})
            except OSError:
                pending.worker_died = True
                pending.done.set()
        return job_id, pending

    @staticmethod
    def _send(process: subprocess.Popen, message: dict) -> None:
        process.stdin.write((json.dumps(message) + "\n").encode())
        process.stdin.flush()

    def _ensure_worker(self) -> subprocess.Popen:
        if self._process is not None and self._process.poll() is None:
            return self._process
        if self._process is not None:  # it died: release its pipes before starting anew
            self._process.wait()
            self._process.stdin.close()
        process = _spawn("--serve")
        self._process = process
        threading.Thread(target=self._read_results, args=(process,), name="check-worker-reader", daemon=True).start()
        return process

    def _read_results(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                pending = self._pending.get(message.get("id"))
            if pending is None:
                continue
            if message.get("event") == "started":
                pending.pid = message.get("pid")
            elif message.get("event") == "result":
                pending.result = CheckResult.from_dict(message["result"])
                pending.done.set()
        process.stdout.close()
        with self._lock:
            orphans = [p for p in self._pending.values() if p.process is process and not p.done.is_set()]
        for pending in orphans:
            pending.worker_died = True
            pending.done.set()

    def _abandon_worker(self, process: subprocess.Popen) -> None:
        """The worker stopped answering: kill it; the next run starts a fresh one."""
        with self._lock:
            if self._process is process:
                self._process = None
        _kill_group(process.pid)
        process.wait()
        process.stdin.close()

    def __enter__(self) -> CheckRunner:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _kill_group(pid: int) -> None:
    kill = getattr(signal, "SIGKILL", signal.SIGTERM)
    try:
        os.killpg(pid, kill)
    except (ProcessLookupError, PermissionError, AttributeError):
        try:
            os.kill(pid, kill)
        except (ProcessLookupError, PermissionError):
            pass

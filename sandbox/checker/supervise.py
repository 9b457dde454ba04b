"""Watching forked check processes: output tail, wall-clock deadline, limits, and clean kills.

Used by the warm worker (many checks) and by ``--once`` (one check). Every check ends with
its whole process group killed and its private temp folder removed.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from sandbox.checker import limits
from sandbox.checker.results import CheckResult, TestOutcome, decide_passed


class Job:
    def __init__(self, job_id, job: dict, pid: int, result_fd: int, out_fd: int, private: Path):
        self.id, self.job, self.pid, self.private = job_id, job, pid, private
        self.fds = {result_fd: "result", out_fd: "out"}
        self.started = time.monotonic()
        self.timeout = float(job.get("timeout") or 10.0)
        self.deadline = self.started + self.timeout
        self.events: list[dict] = []
        self.pending = b""
        self.tail = bytearray()
        self.out_total = 0
        self.timed_out = self.cancelled = self.finished = False
        self.limited: str | None = None

    def take(self, kind: str, data: bytes) -> bool:
        """Absorb bytes from the child; True when the check has said its last word (or must stop)."""
        if kind == "out":
            self.out_total += len(data)
            self.tail += data
            del self.tail[: -limits.OUTPUT_TAIL_BYTES]
            if self.out_total > limits.OUTPUT_LIMIT_BYTES:
                self.limited = "output"
                return True
            return False
        self.pending += data
        *lines, self.pending = self.pending.split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # learner code scribbling on our pipe
            self.events.append(event)
            if event.get("event") in ("done", "fault"):
                return True
        return False


class Supervisor:
    def __init__(self, child_main, write_line):
        self.child_main = child_main
        self.write_line = write_line
        self.temp_root = limits.check_temp_root()
        self.jobs: dict[object, Job] = {}
        self.wake_r, wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(wake_w, False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(wake_w)  # a child's exit wakes select() at once

    def start(self, job_id, job: dict) -> None:
        private = Path(tempfile.mkdtemp(prefix="sandbox-check-", dir=self.temp_root))
        result_r, result_w = os.pipe()
        out_r, out_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(result_r)
            os.close(out_r)
            self.child_main(job, private, result_w, out_w)
            os._exit(1)
        os.close(result_w)
        os.close(out_w)
        try:
            os.setpgid(pid, pid)  # also done by the child; whichever runs first wins the race
        except OSError:
            pass
        for fd in (result_r, out_r):
            os.set_blocking(fd, False)
        self.jobs[job_id] = Job(job_id, job, pid, result_r, out_r, private)
        self.write_line({"event": "started", "id": job_id, "pid": pid})

    def cancel(self, job_id) -> None:
        job = self.jobs.get(job_id)
        if job:
            job.cancelled = True
            self.finish(job)

    def kill_all(self) -> None:
        for job in list(self.jobs.values()):
            job.cancelled = True
            self.finish(job)

    def poll(self, extra_fds: list[int], timeout: float | None) -> list[int]:
        """Wait for input on extra_fds or any check's progress; returns the ready extra fds."""
        wait = timeout
        if self.jobs:
            soonest = min(job.deadline for job in self.jobs.values()) - time.monotonic()
            wait = max(0.0, soonest) if wait is None else min(wait, max(0.0, soonest))
        watched = [self.wake_r, *extra_fds, *(fd for job in self.jobs.values() for fd in job.fds)]
        try:
            ready, _, _ = select.select(watched, [], [], wait)
        except InterruptedError:
            ready = []
        if self.wake_r in ready:
            _drain(self.wake_r)
        for job in list(self.jobs.values()):
            if any(fd in ready for fd in job.fds) and self._read(job):
                self.finish(job)
            elif not job.finished and _has_exited(job.pid):
                self._read(job)
                self.finish(job)
            elif not job.finished and time.monotonic() >= job.deadline:
                job.timed_out = True
                self.finish(job)
        return [fd for fd in extra_fds if fd in ready]

    def _read(self, job: Job) -> bool:
        for fd, kind in list(job.fds.items()):
            while True:
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if not data:
                    os.close(fd)
                    del job.fds[fd]
                    break
                if job.take(kind, data):
                    return True
        return False

    def finish(self, job: Job) -> None:
        if job.finished:
            return
        job.finished = True
        try:
            os.killpg(job.pid, signal.SIGKILL)  # every run, so no stray child survives
        except (ProcessLookupError, PermissionError):
            pass
        _, status = os.waitpid(job.pid, 0)
        _drain_output(job)
        for fd in job.fds:
            os.close(fd)
        shutil.rmtree(job.private, ignore_errors=True)
        del self.jobs[job.id]
        result = assemble(
            job.events, (time.monotonic() - job.started) * 1000, job.tail.decode("utf-8", "replace"),
            job.timeout, timed_out=job.timed_out, cancelled=job.cancelled, limited=job.limited, status=status,
        )
        self.write_line({"event": "result", "id": job.id, "result": result.to_dict()})


def _has_exited(pid: int) -> bool:
    if hasattr(os, "waitid"):
        # WNOWAIT leaves the zombie in place, so its process group id cannot be reused before killpg.
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    done, _ = os.waitpid(pid, os.WNOHANG)
    return done != 0


def _drain_output(job: Job) -> None:
    """Read what the check printed that is still in its pipe: the result message can arrive first,
    and "What your code printed" must not lose the last lines. The child is gone, so this ends."""
    for fd, kind in list(job.fds.items()):
        if kind != "out":
            continue
        while not job.limited:
            try:
                data = os.read(fd, 65536)
            except OSError:  # BlockingIOError: nothing more (a stray grandchild may hold the pipe open)
                break
            if not data:
                break
            job.take(kind, data)


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def assemble(events, duration_ms, tail, timeout, *, timed_out=False, cancelled=False, limited=None, status=None):
    """Turn the child's events and the supervisor's observations into one CheckResult."""
    tests = [TestOutcome.from_dict(e["test"]) for e in events if e.get("event") == "test"]
    finished = {t.name for t in tests}
    running = [e["name"] for e in events if e.get("event") == "start" and e["name"] not in finished]
    limited = limited or next((e["reason"] for e in events if e.get("event") == "limited"), None)
    done = next((e for e in events if e.get("event") == "done"), None)
    fault = next((e for e in events if e.get("event") == "fault"), None)
    result = CheckResult(passed=False, tests=tests, duration_ms=round(duration_ms, 1), output_tail=tail,
                         timed_out=timed_out, limited=limited, cancelled=cancelled)
    stopped = _stopped_message(result, timeout, done, fault, status)
    if stopped:
        name = running[-1] if running else "check"
        if stopped[0]:
            result.limited = result.limited or stopped[0]
        result.tests.append(TestOutcome(name=name, title=_title_of(name), outcome="error", message=stopped[1]))
    if done and done.get("exit_code") in (3, 4):  # pytest's internal / usage error: ours, not the learner's
        fault = {"message": "pytest could not start (see the output)."}
    if fault and not cancelled:
        result.error = "The sandbox could not run this check (an internal error); please try again."
        result.output_tail = (tail + "\n" + fault["message"])[-limits.OUTPUT_TAIL_BYTES:]
    if done and done.get("collected", 0) == 0 and not tests:
        result.tests.append(TestOutcome(name="checks", title="Checks", outcome="error",
                                        message="This step's checks contain no tests, so nothing was checked."))
    result.passed = decide_passed(result.tests) and not (timed_out or result.limited or cancelled or result.error)
    return result


def _stopped_message(result, timeout, done, fault, status):
    """(limit, learner message) when the check did not run to its end, else None."""
    if result.cancelled:
        return None
    if result.timed_out:
        return (None, f"Your code did not finish within {timeout:g} s, so the check was stopped. "
                      "Look for a loop that never ends (or a server started without if __name__ == '__main__').")
    if result.limited == "output":
        return (None, "Your code printed too much, so the check was stopped. Look for a print() inside a loop.")
    if done or fault or status is None:
        return None
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == getattr(signal, "SIGXFSZ", -1):
        return ("disk", "Your code wrote a file larger than a check allows.")
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        return ("memory", "Your code used more memory than a check allows.")
    return ("crashed", "The check stopped unexpectedly: does your code call os._exit() or crash Python?")


def _title_of(name: str) -> str:
    return name.rsplit("::", 1)[-1].removeprefix("test_").replace("_", " ").capitalize() or name

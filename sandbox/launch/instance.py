"""One running sandbox per data dir: a lock file holding the port and token of the running one.

The lock is an OS file lock held for the life of the process, so a crashed sandbox never
leaves a lock that looks alive; where file locks are unavailable the recorded pid is checked.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import ConfigError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

LOCK_NAME = "sandbox.lock"


@dataclass
class Running:
    port: int
    token: str
    pid: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.token}"


class InstanceLock:
    def __init__(self, data_dir: Path):
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> Running | None:
        """Take the lock and return None, or return the sandbox that already holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return self._wait_for_running()
        else:
            running = self._read_running()
            if running is not None and _pid_alive(running.pid):
                os.close(fd)
                return running
        self._fd = fd
        return None

    def publish(self, port: int, token: str) -> None:
        data = json.dumps({"port": port, "token": token, "pid": os.getpid()}).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0) if hasattr(os, "pwrite") else os.write(self._fd, data)
        os.fsync(self._fd)

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        finally:
            os.close(self._fd)
            self._fd = None

    def _wait_for_running(self, timeout: float = 5.0) -> Running:
        # The holder may still be starting: its port and token appear once its server listens.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            running = self._read_running()
            if running is not None:
                return running
            time.sleep(0.05)
        raise ConfigError(
            f"Another sandbox holds {self.path} but does not answer: close it, or use another --data-dir."
        )

    def _read_running(self) -> Running | None:
        try:
            data = json.loads(self.path.read_text() or "{}")
            running = Running(port=int(data["port"]), token=str(data["token"]), pid=int(data["pid"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return running if _port_answers(running.port) else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False

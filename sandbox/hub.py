"""Classroom mode: the sandbox as a JupyterHub single-user server.

JupyterHub starts one sandbox per learner and tells it, through environment variables, where to
listen, under which URL prefix it is reached, who its user is and how to ask the Hub who a request
comes from (JupyterHub's "Spawner environment variables" in its technical reference). This module
reads them into one ``HubConfig``; the web layer logs people in through the Hub
(``sandbox.web.hub_login``) and the launcher reports the learner's activity back.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sandbox.errors import ConfigError

log = logging.getLogger(__name__)

# Filesystems on which SQLite's write-ahead log is unsafe (it needs shared memory that every process
# of one machine sees: https://www.sqlite.org/wal.html, "WAL does not work over a network filesystem").
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "ceph", "fuse.cephfs", "glusterfs",
    "fuse.glusterfs", "lustre", "gpfs", "9p", "afs", "beegfs", "fuse.s3fs", "fuse.gcsfuse",
})


@dataclass(frozen=True)
class HubConfig:
    """What JupyterHub told this single-user server (all from ``JUPYTERHUB_*`` variables).

    ``prefix`` is the URL path the Hub routes to this server, always with a trailing slash
    (``/user/alice/``); ``host``/``port`` come from ``JUPYTERHUB_SERVICE_URL``.
    """

    user: str
    prefix: str
    host: str
    port: int
    api_url: str
    api_token: str
    base_url: str = "/"
    activity_url: str = ""
    server_name: str = ""
    classroom_url: str | None = None  # the classroom service's direct URL (SANDBOX_CLASSROOM_URL), or None

    @property
    def cookie_path(self) -> str:
        """Cookies are scoped to this server's prefix, so other users' servers never get them."""
        return self.prefix


def hub_requested(env=None) -> bool:
    """Did JupyterHub start this process (both ``JUPYTERHUB_SERVICE_URL`` and ``JUPYTERHUB_API_TOKEN`` set)?"""
    env = os.environ if env is None else env
    return bool(env.get("JUPYTERHUB_SERVICE_URL") and env.get("JUPYTERHUB_API_TOKEN"))


def hub_config(env=None) -> HubConfig:
    """The Hub's settings for this server, read from ``env`` (default ``os.environ``).

    Raises ConfigError naming the first variable that is missing or malformed.
    """
    env = os.environ if env is None else env
    missing = [name for name in ("JUPYTERHUB_SERVICE_URL", "JUPYTERHUB_API_TOKEN", "JUPYTERHUB_USER",
                                 "JUPYTERHUB_API_URL") if not env.get(name)]
    if missing:
        raise ConfigError(f"Classroom mode needs the variables JupyterHub sets when it starts a server, "
                          f"and {missing[0]} is not set: start the sandbox from JupyterHub.")
    service = urlsplit(env["JUPYTERHUB_SERVICE_URL"])
    try:
        port = service.port or (443 if service.scheme == "https" else 80)
    except ValueError:
        port = None
    if service.scheme not in ("http", "https") or not service.hostname or port is None:
        raise ConfigError(f"JUPYTERHUB_SERVICE_URL {env['JUPYTERHUB_SERVICE_URL']!r} is not an http address with a host.")
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX") or service.path or "/"
    if not prefix.startswith("/"):
        raise ConfigError(f"JUPYTERHUB_SERVICE_PREFIX {prefix!r} must start with '/'.")
    classroom = env.get("SANDBOX_CLASSROOM_URL") or None
    if classroom and not classroom.endswith("/"):
        classroom += "/"
    return HubConfig(
        user=env["JUPYTERHUB_USER"],
        prefix=prefix if prefix.endswith("/") else prefix + "/",
        host=service.hostname,
        port=port,
        api_url=env["JUPYTERHUB_API_URL"].rstrip("/"),
        api_token=env["JUPYTERHUB_API_TOKEN"],
        base_url=env.get("JUPYTERHUB_BASE_URL") or "/",
        activity_url=env.get("JUPYTERHUB_ACTIVITY_URL", ""),
        server_name=env.get("JUPYTERHUB_SERVER_NAME", ""),
        classroom_url=classroom,
    )


def filesystem_type(path: Path, mounts: str | None = None) -> str | None:
    """The type of the filesystem ``path`` is on, from ``/proc/self/mounts`` (Linux), else None.

    ``mounts`` is that file's text, for tests. The longest mount point that contains ``path`` wins.
    """
    if mounts is None:
        try:
            mounts = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = str(Path(path).resolve())
    best, best_type = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, fields[2]
    return best_type


def network_filesystem_warning(path: Path, mounts: str | None = None) -> str | None:
    """A sentence when ``path`` sits on a network filesystem where SQLite's WAL is unsafe, else None."""
    kind = filesystem_type(path, mounts)
    if kind and (kind in NETWORK_FILESYSTEMS or kind.startswith("nfs")):
        return (f"The data folder {path} is on a network filesystem ({kind}), where SQLite's write-ahead log "
                f"can lose or corrupt progress: give the sandbox a local disk (see docs/classroom.md).")
    return None


class ActivityReporter:
    """Tells the Hub when the learner last did something real, so its idle culler stops abandoned servers.

    ``touch()`` is called for the learner's own requests (never for the page's status polls); a
    thread posts the newest time to ``JUPYTERHUB_ACTIVITY_URL`` every ``interval`` seconds when it
    changed (the body jupyterhub-singleuser sends: ``{"servers": {name: {"last_activity": iso}},
    "last_activity": iso}``). Failures are logged, never raised.
    """

    def __init__(self, hub: HubConfig, *, interval: float = 60.0):
        self.hub = hub
        self.interval = interval
        self._last: float | None = None
        self._sent: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-activity", daemon=True)

    def touch(self) -> None:
        self._last = time.time()

    def start(self) -> None:
        if self.hub.activity_url:
            self._thread.start()

    def stop(self) -> None:
        """Stop reporting; the newest activity is sent once more, waiting at most half a second (the Hub
        gives a stopping server little time)."""
        self._stop.set()
        self.flush(timeout=0.5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def flush(self, timeout: float = 5.0) -> bool:
        """Send the newest activity now when it was not sent yet; True when the Hub took it (``timeout`` in s)."""
        last = self._last
        if last is None or last == self._sent or not self.hub.activity_url:
            return False
        when = datetime.fromtimestamp(last, UTC).isoformat().replace("+00:00", "Z")
        body = json.dumps({"servers": {self.hub.server_name: {"last_activity": when}}, "last_activity": when})
        request = urllib.request.Request(self.hub.activity_url, data=body.encode(), method="POST", headers={
            "Authorization": f"token {self.hub.api_token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read()
        except OSError as exc:
            log.warning("Could not tell the Hub about the learner's activity: %s", exc)
            return False
        self._sent = last
        return True

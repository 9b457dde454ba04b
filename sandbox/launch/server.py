"""The embedded Waitress server: bound to loopback in a background thread; start, ready, stop."""

from __future__ import annotations

import ctypes
import errno
import logging
import platform
import socket
import threading
import time

from waitress import create_server, wasyncore

from sandbox.errors import ConfigError

log = logging.getLogger(__name__)


class EmbeddedServer:
    """Waitress serving one WSGI app on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, app, *, host: str, port: int, max_body_bytes: int, threads: int = 6):
        try:
            # host is passed explicitly: Waitress's own default listens on every interface.
            self._server = create_server(
                app,
                host=host,
                port=port,
                threads=threads,
                max_request_body_size=max_body_bytes,
                asyncore_loop_timeout=0.2,
                channel_timeout=60,
                ident="sandbox",
                clear_untrusted_proxy_headers=True,
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"Port {port} is already in use by another program: choose another with --port, or leave it out."
                ) from None
            raise ConfigError(f"The server could not listen on {host}:{port} ({exc.strerror or exc}).") from None
        self.host = host
        self.port = int(self._server.effective_port)
        self._thread = threading.Thread(target=self._serve, name="waitress", daemon=True)
        self._stopping = threading.Event()

    def _serve(self) -> None:
        try:
            self._server.run()
        except Exception:  # the loop must never die silently
            if self._stopping.is_set():  # stop() closed the sockets under the loop's select()
                log.debug("The web server loop ended while stopping", exc_info=True)
            else:
                log.exception("The web server stopped unexpectedly")

    def start(self, *, ready_timeout: float = 5.0) -> None:
        self._thread.start()
        wait_until_listening(self.host, self.port, timeout=ready_timeout)

    def stop(self, timeout: float = 1.5) -> None:
        # A single-socket Waitress server's close() only closes the listening socket: open
        # keep-alive channels would keep its loop alive, so close them and the worker threads too.
        self._stopping.set()
        self._server.task_dispatcher.shutdown(timeout=timeout / 2)
        wasyncore.close_all(self._server._map)
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"


# glibc's mallopt() parameters: see mallopt(3).
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def steady_heap(*, arenas: int = 2, mmap_threshold: int = 64 * 1024) -> bool:
    """Keep a long-running server's C heap from creeping (glibc only; elsewhere nothing happens).

    By default glibc gives each thread that allocates its own malloc arena, and raises its mmap
    threshold whenever a big block is freed, so the page texts, request bodies and file contents
    of a day's requests end up scattered across heaps that are never given back. Two arenas and
    a fixed threshold (big blocks always mmap'd, so freed at once) keep RSS flat under the soak
    benchmark. Call it before the server's threads start. Returns whether it was applied.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(M_ARENA_MAX, arenas)) and bool(libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold))
    except (OSError, AttributeError):
        return False


def wait_until_listening(host: str, port: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise ConfigError(f"The server did not start listening on {host}:{port} in {timeout:.0f} s.") from None
            time.sleep(0.005)

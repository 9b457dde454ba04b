"""The embedded Waitress server: bound to loopback in a background thread; start, ready, stop."""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time

from waitress import create_server, wasyncore

from sandbox.errors import ConfigError

log = logging.getLogger(__name__)


# Each open lesson page keeps one long poll waiting on a thread (web/pages/workbench.py), so the
# pool has room for several pages and tabs at once and still answers every click at once.
THREADS = 16


class EmbeddedServer:
    """Waitress serving one WSGI app on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, app, *, host: str, port: int, max_body_bytes: int, threads: int = THREADS,
                 channel_timeout: float = 60, cleanup_interval: float = 30):
        """``channel_timeout`` (seconds) closes a connection that sends nothing for that long; idle
        connections are looked at every ``cleanup_interval`` seconds (Waitress's own settings).

        Raises ConfigError when the port is taken or cannot be bound.
        """
        try:
            # host is passed explicitly: Waitress's own default listens on every interface.
            self._server = create_server(
                app,
                host=host,
                port=port,
                threads=threads,
                max_request_body_size=max_body_bytes,
                # Whole seconds: Waitress takes int() of it, so 0.2 would become 0 and its loop would
                # spin (a core at 100% while idle). stop() does not wait for it: it wakes the loop.
                asyncore_loop_timeout=1,
                channel_timeout=channel_timeout,
                cleanup_interval=cleanup_interval,
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
    def address(self) -> tuple[str, int]:
        """The (host, port) the listening socket is bound to."""
        return self._server.socket.getsockname()[:2]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"


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

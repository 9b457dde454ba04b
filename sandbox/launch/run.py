"""One launch of the sandbox: data dir, store, server, UI, and a clean stop.

Ctrl+C, SIGTERM and closing the window all end in ``shutdown``: the server stops, child
processes are killed, the database is closed and the lock file is released.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import socket
import sys
import threading
import time

from sandbox.checker import CheckRunner
from sandbox.classroom.hub_client import ClassroomClient, push_all
from sandbox.classroom.profiles import use_account
from sandbox.config import Settings, prepare_data_dir
from sandbox.errors import SandboxError
from sandbox.launch import window
from sandbox.launch.heap import steady_heap
from sandbox.launch.instance import InstanceLock
from sandbox.hub import ActivityReporter, network_filesystem_warning
from sandbox.launch.server import EmbeddedServer
from sandbox.packs.catalog import Catalog
from sandbox.packs.environment import Environments
from sandbox.preview.manager import PreviewManager
from sandbox.services import Services
from sandbox.store import OpenResult, Store
from sandbox.terminal.environment import LearnerEnvironment
from sandbox.terminal.manager import TerminalManager
from sandbox.web.render import bundle_available
from sandbox.work.workspace import remove_leftovers

log = logging.getLogger("sandbox")


def run(settings: Settings, *, out=None) -> int:
    out = out or sys.stdout
    started = time.perf_counter()
    steady_heap()
    prepare_data_dir(settings.data_dir)
    setup_logging(settings)
    lock = InstanceLock(settings.data_dir)
    running = lock.acquire()
    if running is not None:
        say(out, f"The sandbox is already running for {settings.data_dir}; opening it.")
        show_existing(running.url, settings, out)
        return 0
    server = services = activity = None
    try:
        if leftovers := remove_leftovers(settings.workspaces_dir):  # a crash's temporary files, before any save
            log.info("Removed %s temporary files a crash left in the workspaces", leftovers)
        environments = Environments(settings.pack_environments_dir, wheelhouse=settings.wheelhouse)
        services = Services(store=Store.open(settings.db_path),
                            catalog=Catalog(settings.packs_dir, environments=environments))
        services.notices.extend(store_notices(services.store.opened))
        if settings.hub is not None:
            activity = start_classroom(settings, services)
        if not bundle_available():
            say(out, "The rich code editor is not built (npm was not available at set-up), "
                     "so lessons use a plain text editor.")
        services.notices.extend(install_builtin(services.catalog))
        start_services(settings, services)
        from sandbox.web import create_app

        server = EmbeddedServer(create_app(settings, services), host=settings.host, port=settings.port,
                                max_body_bytes=settings.max_body_bytes)
        settings.port = server.port
        server.start()
        url = f"http://127.0.0.1:{server.port}/?token={settings.token}"
        if settings.hub is not None:  # the Hub's proxy routes the prefix here; the Hub's login replaces the token
            url = f"http://{settings.hub.host}:{server.port}{settings.hub.prefix}"
        lock.publish(server.port, settings.token)
        # Read the installed packs now, off the request path, so the first page is quick too.
        threading.Thread(target=services.catalog.packs, name="catalog-warm", daemon=True).start()
        log.info("Server answering on port %s after %.0f ms", server.port, (time.perf_counter() - started) * 1000)
        show_ui(settings, url, services, out)
    finally:
        shutdown(server, services, lock, activity)
    return 0


def start_classroom(settings: Settings, services: Services) -> ActivityReporter:
    """Classroom mode: the Hub's user is the one profile, the learner's activity goes to the Hub, and a
    data folder on a network filesystem is warned about. Returns the started activity reporter."""
    hub = settings.hub
    warning = network_filesystem_warning(settings.data_dir)
    if warning:
        log.warning("%s", warning)
        services.notices.append(warning)
    services.store.connect()
    try:
        use_account(hub.user)
    finally:
        services.store.disconnect()
    activity = ActivityReporter(hub)
    services.activity = activity.touch
    activity.start()
    if hub.classroom_url:  # the class's service: packs offered to the learner, progress sent after each pass
        services.classroom = ClassroomClient(hub.classroom_url, hub.api_token)
    log.info("Classroom mode for %s under %s", hub.user, hub.prefix)
    return activity


def start_services(settings: Settings, services: Services) -> None:
    """Start the warm check worker in the background so the window does not wait for it, the preview and
    the terminals."""
    services.checker = CheckRunner(timeout=settings.check_timeout, memory_mb=settings.check_memory_mb)
    threading.Thread(target=services.checker.start, name="checker-start", daemon=True).start()
    # Under the Hub the server's desktop is nobody's: no folder opens on it.
    opener = None if settings.hub is not None else window.open_folder
    services.start_preview(PreviewManager(memory_mb=settings.check_memory_mb, opener=opener))
    environment = LearnerEnvironment(settings.environments_dir / "terminal", settings.wheelhouse)
    services.start_terminals(TerminalManager(memory_mb=settings.check_memory_mb, environment=environment))
    # The terminal's Python is made once (several seconds): made now, the first terminal opens at once.
    threading.Thread(target=prepare_terminal_python, args=(environment,), name="terminal-python", daemon=True).start()


def prepare_terminal_python(environment: LearnerEnvironment) -> None:
    try:
        environment.ensure()
    except SandboxError as exc:
        log.warning("The terminal's Python could not be prepared: %s", exc)


def install_builtin(catalog: Catalog) -> list[str]:
    try:
        changed = catalog.install_builtin()
    except SandboxError as exc:
        log.error("A built-in course could not be installed: %s", exc)
        return [f"A built-in course could not be installed: {exc}"]
    for pack_id in changed:
        log.info("Installed built-in pack %s", pack_id)
    return []


def store_notices(opened: OpenResult) -> list[str]:
    notices = []
    if opened.corrupt_copy is not None:
        notices.append(f"Your progress database could not be read, so it was kept aside as "
                       f"{opened.corrupt_copy.name} and a fresh one was started. Your files are untouched.")
    if opened.upgraded_from is not None:
        log.info("Database upgraded from schema %s to %s", opened.upgraded_from, opened.version)
    return notices


def show_ui(settings: Settings, url: str, services: Services, out) -> None:
    stop = threading.Event()
    watch_signals(stop)
    mode = settings.ui
    if mode == "window":
        problem = window.gui_problem()
        if problem is None:
            services.open_url = window.open_in_browser
            say(out, f"Sandbox running at {url}")
            window.run_window(url, stop, on_loaded=lambda title: say(out, f"Window loaded: {title}"))
            log.info("Window closed")
            return
        mode = "browser"
        say(out, f"No window can open because {problem}; using the system browser instead.")
    if mode == "browser":
        if window.open_in_browser(url):
            say(out, f"Sandbox running at {url}")
            say(out, "Opened in your browser. Press Ctrl+C here to stop the sandbox.")
            wait(stop)
            return
        say(out, "No browser could be opened, so the sandbox runs headless: open the address below yourself.")
    say(out, f"Sandbox running at {url}")
    wait(stop)


def show_existing(url: str, settings: Settings, out) -> None:
    if settings.ui == "window" and window.gui_problem() is None:
        window.run_window(url, threading.Event())
    elif settings.ui != "headless" and window.open_in_browser(url):
        pass
    say(out, f"Sandbox running at {url}")


def wait(stop: threading.Event) -> None:
    while not stop.wait(0.5):
        pass


def watch_signals(stop: threading.Event) -> None:
    """Turn Ctrl+C and SIGTERM into ``stop``, even while Qt's event loop holds the main thread.

    A C-level wakeup fd is written the moment a signal arrives, whereas Python-level handlers
    only run once the interpreter regains control, which Qt may not give it.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def relay():
        reader.recv(1)
        stop.set()

    threading.Thread(target=relay, name="signal-relay", daemon=True).start()
    watch_signals.keep = (reader, writer)  # the sockets must outlive this call


def shutdown(server, services: Services | None, lock: InstanceLock, activity=None) -> None:
    log.info("Stopping")
    if server is not None:
        server.stop()
    if activity is not None:
        activity.stop()
    if services is not None and services.classroom is not None:
        push_all(services, budget=1.0)  # the last progress reaches the class before the store closes
    if services is not None:
        services.close()
        services.store.close()
    lock.release()
    log.info("Sandbox stopped")


def say(out, line: str) -> None:
    out.write(line + "\n")
    out.flush()


def setup_logging(settings: Settings) -> None:
    logger = logging.getLogger("sandbox")
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in logger.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(settings.logs_dir / "sandbox.log", maxBytes=2_000_000,
                                                   backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.getLogger("waitress").addHandler(handler)
    os.environ.pop("SANDBOX_TOKEN", None)

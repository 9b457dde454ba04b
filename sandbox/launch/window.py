"""Showing the sandbox: a native pywebview window, the system browser, or headless; and its lifecycle."""

from __future__ import annotations

import ctypes.util
import importlib.util
import logging
import os
import socket
import subprocess
import sys
import threading
import webbrowser
from urllib.parse import urlsplit

from sandbox import PRODUCT_NAME

log = logging.getLogger(__name__)


def gui_problem(env=None) -> str | None:
    """Why no native window can open here, in words, or None when it can.

    Probed before starting the toolkit: Qt aborts the whole process, without a Python
    exception, when it cannot reach a display.
    """
    env = os.environ if env is None else env
    if sys.platform.startswith("linux"):
        if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
            return "there is no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set)"
        if env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY") and not _x_display_reachable(env["DISPLAY"]):
            return f"the display {env['DISPLAY']} cannot be reached"
    if importlib.util.find_spec("webview") is None:
        return "pywebview is not installed"
    if sys.platform.startswith("linux"):
        if importlib.util.find_spec("PyQt6") is None and importlib.util.find_spec("PySide6") is None:
            return "no window toolkit is installed (install pywebview[qt])"
        if env.get("DISPLAY") and ctypes.util.find_library("xcb-cursor") is None:
            return "the Qt window needs the system library libxcb-cursor0, which is missing"
    return None


def has_display(env=None) -> bool:
    env = os.environ if env is None else env
    if sys.platform.startswith("linux"):
        return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    return True


def _x_display_reachable(display: str) -> bool:
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return False
    try:
        if host in ("", "unix"):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(0.5)
                try:
                    sock.connect(f"/tmp/.X11-unix/X{number}")
                except OSError:
                    sock.connect(f"\0/tmp/.X11-unix/X{number}")  # the abstract socket some servers use
                return True
        with socket.create_connection((host, 6000 + int(number)), timeout=0.5):
            return True
    except OSError:
        return False


def open_in_browser(url: str) -> bool:
    """Open ``url`` in the system browser; False when there is none."""
    if not has_display():
        return False
    try:
        return bool(webbrowser.open(url))
    except webbrowser.Error:
        return False


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def leaves_origin(url: str, origin: str) -> bool:
    """Would loading ``url`` in the top frame take the window away from the sandbox?"""
    if url.startswith(("about:", "data:")):
        return url != "about:blank"
    return origin_of(url) != origin


def guard_top_frame(origin: str, open_external=webbrowser.open) -> bool:
    """Keep the window's top frame on the sandbox: other sites open in the system browser instead.

    Qt WebEngine asks the page's ``acceptNavigationRequest(url, type, is_main_frame)`` before
    every navigation, in the GUI thread; pywebview's page class is reimplemented here before
    any window exists, so a top-frame navigation to another origin is refused whatever starts it
    (a link, a script, a form). (A ``navigationRequested`` signal connected from pywebview's event
    thread is never delivered: Qt cannot queue its argument type.) Other backends keep pywebview's
    own handling. True when the guard is in place.
    """
    try:
        from webview.platforms import qt
    except Exception:  # noqa: BLE001 - no Qt here: another backend runs the window
        return False
    page_class = getattr(getattr(qt, "BrowserView", None), "WebPage", None)
    if page_class is None or not getattr(qt, "is_webengine", False):
        return False
    allowed = page_class.acceptNavigationRequest

    def accept_navigation_request(page, url, kind, is_main_frame):
        address = url.toString()
        if is_main_frame and leaves_origin(address, origin):
            log.info("Kept the window on the sandbox; %s opens in the system browser", address)
            if address.startswith(("http://", "https://")):
                open_external(address)
            return False
        return allowed(page, url, kind, is_main_frame)

    page_class.acceptNavigationRequest = accept_navigation_request
    return True


def qt_environment(euid: int | None, platform: str) -> dict[str, str]:
    """Qt WebEngine refuses to start its own sandbox as root (as in CI containers): only then turn it off."""
    if platform.startswith("linux") and euid == 0:
        return {"QTWEBENGINE_DISABLE_SANDBOX": "1"}
    return {}


WANTED_SIZE = (1280, 860)
MIN_SIZE = (800, 560)
SCREEN_MARGIN = (40, 90)  # left for the window's frame and the desktop's task bar or dock


def window_size(screens: list[tuple[int, int]], wanted: tuple[int, int] = WANTED_SIZE) -> tuple[int, int]:
    """The window's first size in pixels: ``wanted``, but never larger than the first screen's area
    less its frame and task bar; never smaller than MIN_SIZE. With no screen known, ``wanted``."""
    if not screens:
        return wanted
    screen_width, screen_height = screens[0]
    width = min(wanted[0], screen_width - SCREEN_MARGIN[0])
    height = min(wanted[1], screen_height - SCREEN_MARGIN[1])
    return max(width, MIN_SIZE[0]), max(height, MIN_SIZE[1])


def _screen_sizes(webview) -> list[tuple[int, int]]:
    try:
        return [(int(screen.width), int(screen.height)) for screen in webview.screens]
    except Exception:  # noqa: BLE001 - a toolkit that cannot tell: the default size
        log.info("The screen size is unknown; the window opens at its usual size", exc_info=True)
        return []


def run_window(url: str, stop: threading.Event, *, on_loaded=None) -> None:
    """Show the native window until it is closed or ``stop`` is set. Blocks in the main thread."""
    os.environ.update(qt_environment(os.geteuid() if hasattr(os, "geteuid") else None, sys.platform))
    import webview

    webview.settings["OPEN_EXTERNAL_LINKS_IN_BROWSER"] = True
    webview.settings["ALLOW_FILE_URLS"] = False
    if sys.platform.startswith("linux"):
        os.environ.setdefault("PYWEBVIEW_GUI", "qt")  # asking for the screens loads the toolkit: the one we use
    width, height = window_size(_screen_sizes(webview))
    window = webview.create_window(PRODUCT_NAME, url, width=width, height=height, min_size=MIN_SIZE, text_select=True)

    def loaded():
        if on_loaded is not None:
            # Not evaluate_js: it needs eval, which the page's Content-Security-Policy forbids.
            on_loaded(window.get_current_url())

    window.events.loaded += loaded
    if sys.platform.startswith("linux"):
        log.info("Top-frame guard installed: %s", guard_top_frame(origin_of(url)))

    def close_when_stopped():
        stop.wait()
        window.destroy()

    threading.Thread(target=close_when_stopped, name="window-closer", daemon=True).start()
    webview.start(gui="qt" if sys.platform.startswith("linux") else None, private_mode=True)


def open_folder(path) -> bool:
    """Open a folder in the system file manager, as a detached process."""
    path = str(path)
    try:
        if sys.platform == "win32":
            os.startfile(path)  # noqa: S606 (the learner's own folder)
            return True
        command = ["open", path] if sys.platform == "darwin" else ["xdg-open", path]
        subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True)
        return True
    except OSError:
        return False

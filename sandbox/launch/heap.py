"""The server process's C heap: keep a long-running sandbox's memory from creeping (glibc only)."""

from __future__ import annotations

import ctypes
import platform

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

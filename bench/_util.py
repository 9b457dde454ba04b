"""Shared helpers for benchmarks: summarise samples, and what a process holds.

Starting the real sandbox and acting as a learner are the tests' public helpers (tests/support.py),
re-exported here so every benchmark imports from one place. ``python -m bench`` runs from the
project root, where ``tests.support`` is importable.
"""

from __future__ import annotations

import os
import statistics

from tests.support import (  # noqa: F401 (re-exported for the benchmarks)
    FIXTURE_PACK,
    HELLO_APP,
    HELLO_STEP,
    ROOT,
    Live,
    descendants,
    headless_sandbox,
    install_fixture_pack,
    session,
)


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


# --- what a process holds (Linux /proc; None elsewhere) ------------------------------------

def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def fd_count(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None

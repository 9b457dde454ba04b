"""Change notices per learner: a page's long poll waits here until something it shows may have changed.

Producers (the preview's and the terminal's reader threads) call ``notify(key)``; a waiting
request wakes at once and looks for what is new. Nothing is queued: a notice only says "look".
"""

from __future__ import annotations

import threading


class Notifier:
    """A counter per learner key and one condition variable; thread-safe."""

    def __init__(self):
        self._condition = threading.Condition()
        self._counts: dict[object, int] = {}

    def count(self, key) -> int:
        """How many notices ``key`` has had so far (pass it to ``wait``)."""
        with self._condition:
            return self._counts.get(key, 0)

    def notify(self, key) -> None:
        """Something of ``key``'s may have changed: wake every request waiting for it."""
        with self._condition:
            self._counts[key] = self._counts.get(key, 0) + 1
            self._condition.notify_all()

    def wait(self, key, seen: int, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for a notice after count ``seen``; return the count now."""
        with self._condition:
            self._condition.wait_for(lambda: self._counts.get(key, 0) != seen, timeout=timeout)
            return self._counts.get(key, 0)

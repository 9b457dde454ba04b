"""`sandbox pack ...`: scaffold, check, build, install, list and remove lesson packs."""

from __future__ import annotations


def add_commands(commands, add_data_dir) -> None:
    """Registered once the pack service exists."""

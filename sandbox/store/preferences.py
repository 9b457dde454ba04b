"""App-wide preferences kept in the database, as text by key (which profile is active, say)."""

from __future__ import annotations

from sandbox.store.models import Preference


def get_preference(key: str, default: str | None = None) -> str | None:
    row = Preference.get_or_none(Preference.key == key)
    return row.value if row else default


def set_preference(key: str, value: str) -> None:
    Preference.insert(key=key, value=value).on_conflict_replace().execute()

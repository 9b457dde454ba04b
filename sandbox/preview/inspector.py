"""The request inspector: what each preview request did (status, time, template, SQL).

An extra beside the preview: ``Inspector.listen`` is registered with the preview manager, which
hands it every request its child records; a ``RequestLog`` per learner keeps the last 200 for the
pages, and ``timeline`` turns one into bars a learner can read.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass, field

from sandbox.preview.manager import shown_path

MAX_REQUESTS = 200


@dataclass
class QueryRecord:
    sql: str
    params: list
    at_ms: float
    ms: float
    error: str | None = None


@dataclass
class TemplateRecord:
    name: str
    at_ms: float
    ms: float


@dataclass
class RequestRecord:
    id: int
    method: str
    path: str
    query: str
    status: int | None
    duration_ms: float
    started_at: float
    content_type: str = ""
    templates: list[TemplateRecord] = field(default_factory=list)
    queries: list[QueryRecord] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")

    @property
    def template(self) -> str:
        return ", ".join(t.name for t in self.templates)

    @property
    def sql_ms(self) -> float:
        return round(sum(q.ms for q in self.queries), 2)


def record_from(data: dict, record_id: int) -> RequestRecord:
    """A record from the child's JSON, trusting nothing about its shape (learner code shares the process)."""
    def num(value, default=0.0):
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else default

    queries = [QueryRecord(sql=str(q.get("sql", "")), params=list(q.get("params") or []), at_ms=num(q.get("at_ms")),
                           ms=num(q.get("ms")), error=q.get("error") and str(q.get("error")))
               for q in data.get("queries") or [] if isinstance(q, dict)]
    templates = [TemplateRecord(name=str(t.get("name", "")), at_ms=num(t.get("at_ms")), ms=num(t.get("ms")))
                 for t in data.get("templates") or [] if isinstance(t, dict)]
    status = data.get("status")
    return RequestRecord(id=record_id, method=str(data.get("method", "GET"))[:10],
                         path=shown_path(str(data.get("path", "/"))),
                         query=str(data.get("query", "")), status=status if isinstance(status, int) else None,
                         duration_ms=num(data.get("duration_ms")), started_at=num(data.get("started_at")),
                         content_type=str(data.get("content_type", "")), templates=templates, queries=queries)


class RequestLog:
    """The last ``MAX_REQUESTS`` requests to one learner's preview; thread-safe."""

    def __init__(self, size: int = MAX_REQUESTS):
        self._lock = threading.Lock()
        self._records: deque[RequestRecord] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self.last_id = 0

    def add(self, data: dict) -> RequestRecord:
        with self._lock:
            record = record_from(data, next(self._ids))
            self._records.append(record)
            self.last_id = record.id
            return record

    def recent(self) -> list[RequestRecord]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._records))

    def get(self, record_id: int) -> RequestRecord | None:
        with self._lock:
            return next((r for r in self._records if r.id == record_id), None)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


class Inspector:
    """Every learner's request log, fed by the preview manager (``PreviewManager.add_listener``)."""

    def __init__(self):
        self._logs: dict[object, RequestLog] = {}
        self._lock = threading.Lock()

    def listen(self, key, event: dict) -> None:
        """A preview event for learner ``key``: a new app starts a new log; each request is kept."""
        if event.get("event") == "opened":
            with self._lock:
                self._logs[key] = RequestLog()
        elif event.get("event") == "request" and isinstance(event.get("request"), dict):
            self.requests(key).add(event["request"])

    def requests(self, key) -> RequestLog:
        """The learner's request log (an empty one before their first preview)."""
        with self._lock:
            return self._logs.setdefault(key, RequestLog())


def timeline(record: RequestRecord) -> list[dict]:
    """One request as bars: offset and width in percent of the whole request, in time order."""
    total = max(record.duration_ms, 0.01)
    rows = [{"kind": "request", "label": f"{record.method} {record.url}", "at_ms": 0.0, "ms": record.duration_ms}]
    rows += [{"kind": "template", "label": t.name, "at_ms": t.at_ms, "ms": t.ms} for t in record.templates]
    rows += [{"kind": "sql", "label": q.sql, "params": q.params, "at_ms": q.at_ms, "ms": q.ms, "error": q.error}
             for q in record.queries]
    rows.sort(key=lambda row: (row["at_ms"], row["kind"] != "request"))
    for row in rows:
        row["left"] = round(min(row["at_ms"] / total, 1) * 100, 2)
        row["width"] = round(max(min(row["ms"] / total, 1 - row["left"] / 100) * 100, 0.5), 2)
    return rows

"""Small charts drawn on the server as SVG markup: horizontal bars and a calendar of practice days.

No script and no CDN: the markup goes straight into the page. Colours come from CSS classes
(``static/css/app.css``), so both themes apply; every chart has a title for screen readers.
"""

from __future__ import annotations

import datetime as dt
from html import escape

BAR_HEIGHT = 22
LABEL_WIDTH = 190
BAR_WIDTH = 300
CELL = 14


def _text(value) -> str:
    return escape(str(value), quote=True)


def _clip(label: str, longest: int = 28) -> str:
    return label if len(label) <= longest else label[: longest - 1] + "…"


def bar_chart(items: list[tuple[str, float, str]], *, title: str, max_value: float | None = None) -> str:
    """Horizontal bars for (label, value, shown text); an empty list draws nothing."""
    if not items:
        return ""
    top = max_value or max((value for _, value, _ in items), default=0) or 1
    width = LABEL_WIDTH + BAR_WIDTH + 90
    height = BAR_HEIGHT * len(items) + 8
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg" aria-label="{_text(title)}"><title>{_text(title)}</title>']
    for i, (label, value, shown) in enumerate(items):
        y = 4 + i * BAR_HEIGHT
        length = max(0.0, min(1.0, value / top)) * BAR_WIDTH
        parts.append(f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">'
                     f'<title>{_text(label)}</title>{_text(_clip(label))}</text>'
                     f'<rect class="chart-track" x="{LABEL_WIDTH}" y="{y + 3}" width="{BAR_WIDTH}" height="{BAR_HEIGHT - 8}" rx="3"/>'
                     f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" height="{BAR_HEIGHT - 8}" rx="3"/>'
                     f'<text class="chart-value" x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 15}">{_text(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def calendar(days: dict[dt.date, int], *, today: dt.date, weeks: int = 16) -> str:
    """A GitHub-style grid of the last ``weeks`` weeks: one square a day, darker with more attempts."""
    end = today + dt.timedelta(days=6 - today.weekday())  # the Sunday closing this week
    start = end - dt.timedelta(days=7 * weeks - 1)
    width, height = weeks * CELL + 40, 7 * CELL + 24
    practised = sum(1 for day in days if start <= day <= today)
    title = f"Practice days in the last {weeks} weeks: {practised}"
    parts = [f'<svg class="chart calendar" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg" aria-label="{_text(title)}"><title>{_text(title)}</title>']
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
        parts.append(f'<text class="chart-label" x="0" y="{18 + row * CELL + 10}">{name}</text>')
    for offset in range(7 * weeks):
        day = start + dt.timedelta(days=offset)
        if day > today:
            break
        column, row = divmod(offset, 7)
        if day.day == 1 or offset == 0:
            parts.append(f'<text class="chart-label" x="{32 + column * CELL}" y="11">{day.strftime("%b")}</text>')
        count = days.get(day, 0)
        level = 0 if count == 0 else 1 if count < 3 else 2 if count < 6 else 3
        label = f"{day.isoformat()}: {count} attempt{'s' if count != 1 else ''}"
        parts.append(f'<rect class="day level-{level}" x="{32 + column * CELL}" y="{18 + row * CELL}" '
                     f'width="{CELL - 3}" height="{CELL - 3}" rx="2"><title>{label}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def duration(seconds: int | float | None) -> str:
    """A short human duration: 45 s, 12 min, 1 h 05 min."""
    if seconds is None:
        return "–"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"

"""Statistics of the records read (:class:`Stats`): counts per level and per logger, and the
time span they cover."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from .._text import safe_text
from ._records import _LONG, _PARSED, Record
from ._values import level_rank

#: Names counted one by one, per level and per logger; the records of more are counted
#: together under :data:`OTHERS` (memory stays bounded whatever the file holds).
NAMES_COUNTED = 10_000
OTHERS = "(others)"


def _count(counts: Counter[str], name: str) -> None:
    if name in counts or len(counts) < NAMES_COUNTED:
        counts[name] += 1
    else:
        counts[OTHERS] += 1


class Stats:
    """Counts of records per level and per logger (:data:`NAMES_COUNTED` names at most
    each, the records of the others under :data:`OTHERS`), and the time span they
    cover."""

    def __init__(self) -> None:
        self.records = 0
        self.unparsed = 0
        self.levels: Counter[str] = Counter()
        self.loggers: Counter[str] = Counter()
        self.first: datetime | None = None
        self.last: datetime | None = None
        self._stamp: tuple[str | None, datetime | None] = (None, None)  # the last time read

    def add(self, record: Record) -> None:
        """Count ``record``."""
        if record.kind not in _PARSED:
            self.unparsed += 1
            return
        self.records += 1
        _count(self.levels, (record.level or "-").upper())
        _count(self.loggers, record.logger if record.logger is not None else "-")
        if record.timestamp != self._stamp[0]:  # text records share their second
            self._stamp = (record.timestamp, record.time)
        moment = self._stamp[1]
        if moment is not None:
            if self.first is None or moment < self.first:
                self.first = moment
            if self.last is None or moment > self.last:
                self.last = moment

    def render(self) -> str:
        """The counts as lines of text: records and span, per level (by rank), per logger
        (most first)."""
        head = f"records: {self.records:,}"
        if self.first is not None and self.last is not None:
            first, last = self.first.astimezone(), self.last.astimezone()
            head += f", {first:%Y-%m-%d %H:%M:%S} .. {last:%Y-%m-%d %H:%M:%S} ({last - first})"
        lines = [head]
        if self.unparsed:
            lines.append(f"lines not parsed: {self.unparsed:,}")
        for title, counts in (
            ("level", sorted(self.levels.items(), key=lambda kv: (level_rank(kv[0]) or 0, kv))),
            ("logger", self.loggers.most_common()),
        ):
            if counts:
                width = max(len(title), *(len(name) for name, _ in counts))
                lines.append(f"{title:<{width}}  {'records':>10}")
                lines += [f"{safe_text(name, _LONG):<{width}}  {n:>10,}" for name, n in counts]
        return "\n".join(lines) + "\n"

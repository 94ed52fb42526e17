"""Reporting the logging system's own trouble (one clear line on stderr) and counting the
records it lost."""

from __future__ import annotations

import sys
import time


def warn(message: str) -> None:
    """Write ``alonechat: <message>`` to stderr, outside the logging system (which may be
    what failed); never raises."""
    try:
        sys.stderr.write(f"alonechat: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stderr itself is gone
        pass


class Losses:
    """Records (or messages) a destination could not write: counted, and reported on stderr
    once per run of losses, one line when it begins and one with its count when it ends.

    Not locked: each owner calls it under its own lock, or accepts an approximate count.
    """

    def __init__(self, unit: str = "record", outcome: str = "dropped") -> None:
        self.unit, self.outcome = unit, outcome
        #: Lost in all, since this object was made.
        self.count = 0
        #: Whether a run of losses is going on (reported, not ended yet).
        self.ongoing = False
        self._count_then = 0
        self._since = ""

    def lost(self, count: int, report: str | None) -> None:
        """Count ``count`` losses; the first of a run is reported as ``report`` (None: the
        caller reports it its own way)."""
        self.count += count
        if not self.ongoing:
            self.ongoing, self._count_then = True, self.count - count
            self._since = time.strftime("%H:%M:%S")
            if report is not None:
                warn(report)

    def ended(self, report: str) -> None:
        """End the run of losses: ``<report>; N records dropped since HH:MM:SS`` (the
        ``unit`` and ``outcome`` given when made)."""
        if not self.ongoing:
            return
        self.ongoing = False
        lost = self.count - self._count_then
        warn(f"{report}; {plural(lost, self.unit)} {self.outcome} since {self._since}")


def plural(count: int, unit: str) -> str:
    """``1 record``, ``2 records``."""
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"

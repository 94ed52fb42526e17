"""RepeatFilter: a record repeated over and over is logged once, then counted."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Run:
    """Records like one key: when one was last let through, and those held back since."""

    shown: float  # time.monotonic() of the last record let through
    held: int = 0
    since: float = 0.0  # time.time() of the first record held back
    last: logging.LogRecord | None = None  # the last record held back


class RepeatFilter(logging.Filter):
    """A stdlib filter that lets the first of a run of identical warnings or errors through
    and holds back the repeats for ``window`` seconds; the first one after that is logged with
    ``" (repeated N times since HH:MM:SS)"`` appended to its message, and so on. So an error
    repeated thousands of times a second (an attack, a full disk) costs a few lines, and the
    count says how bad it was. :meth:`flush` logs the counts still held (call it at
    shutdown).

    Records are identical when they have the same logger, level, message template (the
    ``msg`` before ``%``-formatting), exception type and ``key``. Put it on the loggers that
    may repeat (``logger.addFilter``).

    Args:
        window: Seconds during which repeats are held back (and counted).
        level: Records below this level (a stdlib level number) pass untouched: only
            warnings and errors are worth collapsing, routine lines are expected to repeat.
        key: What else tells runs apart, from a record (e.g. the client address it is
            about: each client's repeats are then collapsed on their own); None: nothing.
    """

    def __init__(
        self,
        window: float = 60.0,
        level: int = logging.WARNING,
        key: Callable[[logging.LogRecord], object] | None = None,
    ) -> None:
        super().__init__()
        self.window, self.level, self.key = window, level, key
        self._lock = threading.Lock()
        self._runs: dict[tuple[object, ...], _Run] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.level:
            return True
        exc_type = record.exc_info[0] if record.exc_info else None
        extra = self.key(record) if self.key is not None else None
        key = (record.name, record.levelno, str(record.msg), exc_type, extra)
        now = time.monotonic()
        with self._lock:
            run = self._runs.get(key)
            if run is None:
                if len(self._runs) >= 1024:
                    self._runs.clear()  # bounded, whatever an attacker varies
                self._runs[key] = _Run(now)
                return True
            if now - run.shown < self.window:
                if not run.held:
                    run.since = time.time()
                run.held += 1
                run.last = record
                return False
            held, since = run.held, run.since
            self._runs[key] = _Run(now)
        if held:
            _say_repeated(record, held, since)
        return True

    def flush(self) -> None:
        """Log each run's count still held back, on the last record of the run (through
        its logger's handlers, this filter not applying)."""
        with self._lock:
            held = [run for run in self._runs.values() if run.held and run.last is not None]
            self._runs.clear()
        for run in held:
            assert run.last is not None
            _say_repeated(run.last, run.held, run.since)
            logging.getLogger(run.last.name).callHandlers(run.last)


def _say_repeated(record: logging.LogRecord, count: int, since: float) -> None:
    """Make ``record``'s message say how many like it were held back."""
    when = time.strftime("%H:%M:%S", time.localtime(since))
    record.msg = f"{record.getMessage()} (repeated {count:,} times since {when})"
    record.args = None
    record.repeated = count

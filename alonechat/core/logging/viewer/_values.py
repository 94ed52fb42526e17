"""Values given to the reader and found in logs: level names and ranks, times (ISO or ago)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .._levels import LEVELS

_RANKS: dict[str, int] = {**LEVELS, "TRACE": 5, "SUCCESS": 25, "WARN": 30, "FATAL": 50}


def level_rank(name: str) -> int | None:
    """The number of a level name as alonechat writes it, any case (loguru's TRACE and
    SUCCESS too, and ``Level 25`` for a level without a name); None for an unknown name."""
    upper = name.strip().upper()
    rank = _RANKS.get(upper)
    if rank is None and upper.startswith("LEVEL ") and upper[6:].isdigit():
        rank = int(upper[6:])
    return rank


def parse_level(text: str) -> int:
    """A ``--level``: a level name (any case) or a number >= 0.

    Raises:
        ValueError: for anything else, listing the names.
    """
    rank = level_rank(text)
    if rank is None and text.strip().isdigit():
        rank = int(text)
    if rank is None:
        raise ValueError(
            f"unknown level {text!r}; allowed: TRACE, DEBUG, INFO, SUCCESS, WARNING (WARN), "
            "ERROR, CRITICAL (FATAL), any case, or a number"
        )
    return rank


_AGO = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """A ``--since``/``--until`` time: ISO 8601 (``2026-11-30T12:00``, ``2026-11-30 12:00:00``,
    a date alone meaning its midnight, with an offset or ``Z``; local time without one), or a
    time ago (``30s``, ``10m``, ``2h``, ``3d``, ``1w`` before ``now``). Always time-zone aware.

    Raises:
        ValueError: for anything else, with examples.
    """
    ago = _AGO.fullmatch(text.strip())
    if ago is not None:
        delta = timedelta(seconds=float(ago.group(1)) * _SECONDS[ago.group(2).lower()])
        return (now or datetime.now(timezone.utc)) - delta
    moment = _moment(text.strip())
    if moment is None:
        raise ValueError(
            f"expected an ISO time such as 2026-11-30T12:00 or '2026-11-30 12:00:00', or a time "
            f"ago such as 10m, 2h, 3d; got {text!r}"
        )
    return moment


def _moment(stamp: str | None) -> datetime | None:
    """An ISO time as written in a log (``Z`` allowed; local time without an offset), or
    None when it is not one."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp[:-1] + "+00:00" if stamp[-1] in "Zz" else stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.astimezone()

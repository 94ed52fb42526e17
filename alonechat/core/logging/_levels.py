"""Log levels: parsing user input, naming levels for loguru."""

from __future__ import annotations

import functools
import logging

from ._engine import LOGURU

#: The standard level numbers, equal to stdlib's ``logging.DEBUG`` .. ``logging.CRITICAL``.
DEBUG, INFO, WARNING, ERROR, CRITICAL = 10, 20, 30, 40, 50

#: The standard levels, by canonical name.
LEVELS: dict[str, int] = {
    "DEBUG": DEBUG,
    "INFO": INFO,
    "WARNING": WARNING,
    "ERROR": ERROR,
    "CRITICAL": CRITICAL,
}
_ALIASES = {"WARN": "WARNING", "FATAL": "CRITICAL"}
#: The standard levels' names, by number.
LEVEL_NAMES = {no: name for name, no in LEVELS.items()}
ALLOWED = (
    "DEBUG, INFO, WARNING (or WARN), ERROR, CRITICAL (or FATAL), any case, a name registered "
    "with logging.addLevelName, or an int >= 0"
)


def parse_level(value: object, field: str) -> str | int:
    """Normalise a level given as a name (any case, aliases allowed) or an int >= 0.

    Returns the canonical name (``"DEBUG"``) for the standard levels, given as a name or
    as their number, else an int. A name registered with ``logging.addLevelName`` (exact
    case, as stdlib's ``setLevel`` takes it) gives its number. ``field`` names the setting
    in the error message (``"LogConfig.level"``).

    Raises:
        ValueError: naming ``field``, the bad value and the allowed values.
    """
    if isinstance(value, str):
        name = value.strip().upper()
        name = _ALIASES.get(name, name)
        if name in LEVELS:
            return name
        registered = logging.getLevelName(value.strip())  # a number for a known name
        if isinstance(registered, int):
            return registered
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return LEVEL_NAMES.get(value, value)
    raise ValueError(f"{field}: invalid level {value!r}; allowed: {ALLOWED}")


def level_no(level: str | int) -> int:
    """The number of a level already normalised by :func:`parse_level` (``"INFO"`` -> 20)."""
    return LEVELS[level] if isinstance(level, str) else level


@functools.lru_cache(maxsize=256)
def loguru_level(levelno: int, levelname: str | None = None) -> str | int:
    """The level to hand to loguru for a stdlib level number (and optional name).

    Standard levels map to loguru's names. A custom stdlib level (``addLevelName(25,
    "NOTICE")``) is registered with loguru under its own name; when that name is taken with
    another number, or there is no name, the number itself is used (loguru shows "Level 25").
    """
    if levelname is None:
        levelname = LEVEL_NAMES.get(levelno)
    if levelname is None or levelname.startswith("Level "):
        return levelno
    try:
        known = LOGURU.level(levelname)
    except ValueError:
        try:
            LOGURU.level(levelname, no=levelno)
        except (TypeError, ValueError):  # pragma: no cover - loguru refused the name
            return levelno
        return levelname
    return levelname if known.no == levelno else levelno

"""One record read back (:class:`Record`) and how it is shown: the default text layout (with
colors, escaped for a terminal) or alonechat's flat JSON."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .._text import safe_text
from ._values import _moment

_LONG = 1 << 30  # no cut in safe_text

# alonechat's flat JSON keys (what --json writes); the others are extra fields.
_FLAT_KEYS = frozenset(
    {"time", "level", "logger", "message", "module", "function", "line", "file", "process"}
    | {"thread", "exc_type", "exc_message", "exc_traceback"}
)
_PARSED = frozenset({"text", "json", "ecs"})
_COMPACT = json.JSONEncoder(separators=(",", ":"), default=str).encode

_RESET, _GREEN, _CYAN = "\x1b[0m", "\x1b[32m", "\x1b[36m"
_LEVEL_COLORS = {  # loguru's console colors
    "TRACE": "\x1b[1;36m",
    "DEBUG": "\x1b[1;34m",
    "INFO": "\x1b[1m",
    "SUCCESS": "\x1b[1;32m",
    "WARNING": "\x1b[1;33m",
    "ERROR": "\x1b[1;31m",
    "CRITICAL": "\x1b[1;41m",
}
# What could recolor a terminal or forge a line, in lines shown as they are (tab and the
# line breaks between a record's lines excepted).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# The same in one line, where a line break would forge another line.
_LINE_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(text: str) -> str:
    """``text`` with every control character escaped (safe_text), 64 Ki characters at a
    time: a line of a million NULs would otherwise take a match object per character."""
    if len(text) <= _SLICE:
        return safe_text(text, _LONG)
    return "".join(safe_text(text[at : at + _SLICE], _LONG) for at in range(0, len(text), _SLICE))


_SLICE = 1 << 16


def _shown(text: str) -> str:
    """``text`` with the characters that could act on a terminal written escaped."""
    if _UNSAFE.search(text) is None:
        return text
    return "\n".join(map(_escaped, text.split("\n")))


@dataclass(slots=True)
class Record:
    """One log record read back.

    ``text`` is the record as its file has it (a text record's traceback lines included).
    ``kind`` says how it was read: ``"text"`` (the default text format), ``"json"``
    (alonechat's flat JSON), ``"ecs"`` (Elastic Common Schema), ``"other"`` (a line in another
    layout, shown as it is) or ``"malformed"`` (a JSON line cut short, garbage).
    ``timestamp`` is the time as written (:attr:`time` parses it). ``fields`` has what the
    record holds under alonechat's flat JSON keys (``time``, ``level``, ``logger``,
    ``message``, ``module``, ``function``, ``line``, ``file``, ``process``, ``thread``, extra
    fields, ``exc_type``, ``exc_message``, ``exc_traceback``); empty for unparsed lines.
    """

    text: str
    kind: str
    timestamp: str | None = None
    level: str | None = None
    logger: str | None = None
    message: str = ""
    traceback: str = ""
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def time(self) -> datetime | None:
        """When the record was made (time-zone aware), or None when unknown."""
        return _moment(self.timestamp)

    def to_json(self) -> str:
        """One JSON object with alonechat's flat keys, whichever layout the record was read
        from; an unparsed line is ``{"time": null, ..., "message": line, "unparsed": true}``."""
        if self.kind == "json":
            return self.text  # already that layout
        if self.kind in _PARSED:
            return _COMPACT(self.fields)
        return _COMPACT(
            {"time": None, "level": None, "logger": None, "message": self.text, "unparsed": True}
        )

    def to_text(self, color: bool = False) -> str:
        """The record in the default text layout (a text record as written), its traceback
        on the next lines; JSON records add their extra fields (`` | key=value ...``) and show
        their time in local time to the millisecond. ``color``: ANSI colors by level."""
        if self.kind not in _PARSED or (self.kind == "text" and not color):
            return _shown(self.text)
        fields = self.fields
        if self.kind == "text":
            when, extras = self.timestamp or "-", ""
        else:
            when, extras = _clock(self.timestamp), _extras(fields)
        file, function = fields.get("file"), fields.get("function") or "-"
        where = f"{os.path.basename(file) if isinstance(file, str) else '-'}:{fields.get('line')}"
        logger = self.logger if self.logger is not None else "-"
        level, message = self.level or "-", self.message
        parts = (when, level, logger, where, function, message, extras)
        if _LINE_UNSAFE.search("".join(map(str, parts))) is not None:
            when, level, logger, where, function, message, extras = (
                _escaped(str(part)) for part in parts
            )
        if color:
            paint = _LEVEL_COLORS.get(level.upper(), "")
            line = (
                f"{_GREEN}{when}{_RESET} | {paint}{level:<8}{_RESET} | {_CYAN}{logger}{_RESET} | "
                f"{_CYAN}{where}{_RESET} | {_CYAN}{function}{_RESET} | {paint}{message}{_RESET}"
                f"{extras}"
            )
        else:
            line = f"{when} | {level:<8} | {logger} | {where} | {function} | {message}{extras}"
        if self.traceback:
            line += "\n" + _shown(self.traceback.rstrip("\n"))
        return line


_clock_last: tuple[int, str] = (-1, "")


def _clock(stamp: str | None) -> str:
    """A record's time in local time to the millisecond (``2026-11-30 12:00:00.123``), or as
    written when it is not an ISO time; the part down to the second computed once per
    second."""
    global _clock_last
    moment = _moment(stamp)
    if moment is None:
        return stamp or "-"
    second = int(moment.timestamp() // 1)
    last = _clock_last
    if last[0] != second:
        last = _clock_last = (second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second)))
    return f"{last[1]}.{moment.microsecond // 1000:03d}"


def _extras(fields: dict[str, Any]) -> str:
    """`` | key=value key=value`` for the extra fields of a JSON record, or ""."""
    parts = [
        f"{key}={value if type(value) in _AS_IS else _COMPACT(value)}"
        for key, value in fields.items()
        if key not in _FLAT_KEYS
    ]
    return " | " + " ".join(parts) if parts else ""


_AS_IS = (str, int, float)  # written as str() writes them (as JSON writes numbers)

"""Reading log files back: ``alonechat.log`` and its numbered backups (plain or gzip), oldest
to newest, in alonechat's layouts (the default text format, JSON lines with alonechat's flat
keys or with Elastic Common Schema names), filtered, and followed while they grow and rotate.
What ``python -m alonechat logs`` shows.

Typical use::

    from alonechat.core.logging.viewer import RecordFilter, read_records

    for record in read_records("./logs/prod", RecordFilter(level=40, loggers=("app",))):
        print(record.to_text())
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ._levels import LEVELS
from ._text import safe_text

#: The file read by default: every record at or above the configured level.
LOG_FILE = "alonechat.log"
#: The error log: ERROR and above.
ERRORS_FILE = "alonechat_errors.log"

_CHUNK = 1 << 20  # bytes read at a time
_GRACE = 2.0  # seconds a rotated-away file is still read (a writer not yet switched)
_ATTEMPTS = 20  # tries at opening a consistent set of files while they rotate
_LONG = 1 << 30  # no cut in safe_text

# ---------------------------------------------------------------------------- levels, times

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


def parse_pattern(text: str) -> re.Pattern[str]:
    """A ``--grep`` regular expression, compiled.

    Raises:
        ValueError: for an invalid expression, saying why.
    """
    try:
        return re.compile(text)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {text!r}: {exc}") from None


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


# ---------------------------------------------------------------------------- records

# alonechat's flat JSON keys (what --json writes); the others are extra fields.
_FLAT_KEYS = frozenset(
    {"time", "level", "logger", "message", "module", "function", "line", "file", "process"}
    | {"thread", "exc_type", "exc_message", "exc_traceback"}
)
# ECS fields alonechat writes; any other top-level key is an extra field.
_ECS_KEYS = frozenset(
    {"@timestamp", "log.level", "message", "ecs.version", "log", "process", "error"}
    | {"trace", "span"}
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


def _shown(text: str) -> str:
    """``text`` with the characters that could act on a terminal written escaped."""
    if _UNSAFE.search(text) is None:
        return text
    return "\n".join(safe_text(line, _LONG) for line in text.split("\n"))


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
                safe_text(str(part), _LONG) for part in parts
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


def _text(value: object) -> str | None:
    """A field's value as text (None stays None)."""
    return value if isinstance(value, str) or value is None else str(value)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_EXCEPTION = re.compile(r"([A-Za-z_][\w.]*)(?:: (.*))?")


def _exception(traceback: str) -> dict[str, str]:
    """``exc_type``, ``exc_message`` and ``exc_traceback`` from a traceback's text (its last
    line is ``Type: message``), as the JSON layout writes them."""
    last = traceback.rstrip("\n").rsplit("\n", 1)[-1]
    match = _EXCEPTION.fullmatch(last)
    if match is None:
        return {"exc_traceback": traceback + "\n"}
    kind, message = match.group(1), match.group(2) or ""
    return {"exc_type": kind, "exc_message": message, "exc_traceback": traceback + "\n"}


# ---------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class RecordFilter:
    """Which records to keep (every one by default); all given conditions must hold.

    ``level``: at or above this number (:func:`parse_level`). ``loggers``: the logger is one of
    these or below it (``"app"`` takes ``app`` and ``app.db``, not ``application``).
    ``since``/``until``: made at or after / at or before (aware times, :func:`parse_time`).
    ``request_id``: the ``request_id`` field is this (JSON records: the text format does not
    write it). ``grep``: found in the message or the traceback (of a line not parsed: in it).

    Lines not parsed (another layout, malformed) have no fields: only ``grep`` applies to them.
    """

    level: int | None = None
    loggers: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    request_id: str | None = None
    grep: re.Pattern[str] | None = None


# The default text layout (DETAILED_FORMAT with date_format "%Y-%m-%d %H:%M:%S"):
# time | level (padded to 8) | logger | file:line | function | message
_TEXT = re.compile(
    r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \| (\S+(?: \d+)?) *\| (.*?) \| ([^|]*?):(\d+)"
    r" \| (\S*) \| (.*)"
)
_DECODE = json.JSONDecoder().raw_decode
_STAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d")  # a line that starts a record
_UNKNOWN = object()
_FIRST_KEYS = ('{"time":"', '{"@timestamp":"')  # how alonechat's JSON layouts begin


class _Selector:
    """A :class:`RecordFilter` applied to the values read from a line, and what the reading
    found on the way (malformed lines, conditions that could not apply: said once)."""

    def __init__(self, selection: RecordFilter, note: Callable[[str], object]) -> None:
        self._note = note
        self._noted: set[str] = set()
        self.malformed = 0
        self.level = selection.level
        loggers = tuple(name.rstrip(".") for name in selection.loggers)
        self.exact = frozenset(loggers) if loggers else None
        self.dotted = tuple(name + "." for name in loggers)
        self.request_id = selection.request_id
        self.since, self.until = selection.since, selection.until
        self.grep = selection.grep
        self.everything = selection == RecordFilter()
        self._ranks: dict[str, int | None] = {}
        self._last_stamp: tuple[str | None, datetime | None] = (None, None)
        # Quick checks on a JSON line before parsing it: a line that cannot match is skipped.
        self._below = frozenset(
            spelling
            for name, rank in _RANKS.items()
            if self.level is not None and rank < self.level
            for spelling in (name, name.lower())
        )
        plain = all(_plain(name) for name in loggers)
        self._logger_needles = tuple('"' + name for name in loggers) if plain else ()
        rid = self.request_id
        self._rid_needle = rid if rid is not None and _plain(rid) else None
        quick = self._below or self._logger_needles or self._rid_needle
        self.skip: Callable[[str], bool] | None = self._skip if quick else None
        options = [
            name
            for name, given in (
                ("--level", self.level is not None),
                ("--logger", bool(loggers)),
                ("--since", self.since is not None),
                ("--until", self.until is not None),
                ("--request-id", rid is not None),
            )
            if given
        ]
        self._field_options = ", ".join(options)

    def once(self, key: str, text: str) -> None:
        """Say ``text`` (through ``note``) the first time ``key`` comes up."""
        if key not in self._noted:
            self._noted.add(key)
            self._note(text)

    def _skip(self, line: str) -> bool:
        """Whether a JSON line certainly fails the filter (read without parsing it; only
        whole lines, so that a line cut short is still found malformed)."""
        if line[-1] != "}":
            return False
        if self._below:  # alonechat's layouts: the level comes right after the time
            key = '"level":"' if line.startswith('{"time":"') else '"log.level":"'
            start = line.find(key, 0, 100) if line.startswith(_FIRST_KEYS) else -1
            if start >= 0:
                start += len(key)
                if line[start : line.find('"', start)] in self._below:
                    return True
        if self._logger_needles and not any(n in line for n in self._logger_needles):
            return True
        return self._rid_needle is not None and self._rid_needle not in line

    def _time(self, stamp: str | None) -> datetime | None:
        last = self._last_stamp
        if last[0] != stamp:
            last = self._last_stamp = (stamp, _moment(stamp))
        return last[1]

    def accepts(
        self,
        stamp: str | None,
        level: str | None,
        logger: str | None,
        request_id: object,
        message: str,
        traceback: str | None,
    ) -> bool:
        """Whether a record with these values passes (``request_id`` None: it has none)."""
        if self.everything:
            return True
        if self.level is not None:
            if level is None:
                self.once("no level", "records without a level are shown: --level cannot apply")
            else:
                rank = self._ranks.get(level, _UNKNOWN)
                if rank is _UNKNOWN:
                    rank = self._ranks[level] = level_rank(level)
                    if rank is None:
                        self.once(
                            f"level {level}",
                            f"level {level!r} is not a known level: its records are shown",
                        )
                if isinstance(rank, int) and rank < self.level:
                    return False
        if self.exact is not None and (
            logger is None or not (logger in self.exact or logger.startswith(self.dotted))
        ):
            return False
        if self.request_id is not None and (
            request_id is None
            or (request_id if isinstance(request_id, str) else str(request_id)) != self.request_id
        ):
            return False
        if self.since is not None or self.until is not None:
            moment = self._time(stamp)
            if moment is None:
                self.once(
                    "no time", "records without a readable time are shown: --since/--until "
                    "cannot apply"
                )  # fmt: skip
            elif (self.since is not None and moment < self.since) or (
                self.until is not None and moment > self.until
            ):
                return False
        return self.grep is None or bool(
            self.grep.search(message) or (traceback and self.grep.search(traceback))
        )

    def json(self, data: dict[str, Any], line: str) -> Record | None:
        """The record of a parsed JSON line, if it passes."""
        if "@timestamp" in data or "log.level" in data:
            return self._ecs(data, line)
        get = data.get  # the values are strings but in odd JSON: made text where not
        stamp, level, logger = get("time"), get("level"), get("logger")
        message, trace = get("message") or "", get("exc_traceback") or ""
        if type(stamp) is not str:
            stamp = _text(stamp)
        if type(level) is not str:
            level = _text(level)
        if type(logger) is not str:
            logger = _text(logger)
        if type(message) is not str:
            message = str(message)
        if type(trace) is not str:
            trace = str(trace)
        if not self.everything and not self.accepts(
            stamp, level, logger, get("request_id"), message, trace
        ):
            return None
        return Record(line, "json", stamp, level, logger, message, trace, data)

    def _ecs(self, data: dict[str, Any], line: str) -> Record | None:
        log, error = _mapping(data.get("log")), _mapping(data.get("error"))
        stamp, level = _text(data.get("@timestamp")), _text(data.get("log.level"))
        level = level.upper() if level is not None else None
        logger, message = _text(log.get("logger")), _text(data.get("message")) or ""
        trace = _text(error.get("stack_trace")) or ""
        if not self.accepts(stamp, level, logger, data.get("request_id"), message, trace):
            return None
        origin = _mapping(log.get("origin"))
        file, process = _mapping(origin.get("file")), _mapping(data.get("process"))
        name, moment = file.get("name"), _moment(stamp)
        fields: dict[str, Any] = {
            "time": moment.isoformat() if moment is not None else stamp,
            "level": level,
            "logger": logger,
            "message": message,
            "module": name.rsplit(".", 1)[0] if isinstance(name, str) else None,
            "function": origin.get("function"),
            "line": file.get("line"),
            "file": name,
            "process": process.get("pid"),
            "thread": _mapping(process.get("thread")).get("name"),
        }
        for key, value in data.items():
            if key not in _ECS_KEYS:
                while key in fields:
                    key = f"extra_{key}"
                fields[key] = value
        for group in ("trace", "span"):
            ident = _mapping(data.get(group)).get("id")
            if ident is not None:
                fields[f"{group}_id"] = ident
        if error:
            fields["exc_type"] = error.get("type")
            fields["exc_message"] = error.get("message")
            fields["exc_traceback"] = error.get("stack_trace")
        return Record(line, "ecs", stamp, level, logger, message, trace, fields)

    def text(self, lines: list[str], match: re.Match[str]) -> Record | None:
        """The record of a text header line and the lines under it (its traceback)."""
        stamp, level, logger, file, number, function, message = match.groups()
        trace = "\n".join(lines[1:])
        if self.request_id is not None:
            self.once(
                "text request_id",
                "text records do not show their request_id (JSON files do): --request-id "
                "leaves them out",
            )
            return None
        if not self.accepts(stamp, level, logger, None, message, trace):
            return None
        moment = self._time(stamp)
        fields: dict[str, Any] = {
            "time": moment.isoformat() if moment is not None else stamp,
            "level": level,
            "logger": logger,
            "message": message,
            "module": file.rsplit(".", 1)[0],
            "function": function,
            "line": int(number),
            "file": file,
        }
        if trace:
            fields.update(_exception(trace))
        return Record("\n".join(lines), "text", stamp, level, logger, message, trace, fields)

    def unparsed(self, line: str, malformed: bool) -> Record | None:
        """A line in none of alonechat's layouts, shown as it is (if ``grep`` finds it)."""
        if self.grep is not None and self.grep.search(line) is None:
            return None
        if malformed:
            self.malformed += 1
        elif self._field_options:
            self.once(
                "other",
                "lines in another layout than alonechat's text format or JSON are shown as "
                f"they are: {self._field_options} cannot apply to them",
            )
        return Record(line, "malformed" if malformed else "other", message=line)


def _plain(text: str) -> bool:
    """Whether ``text`` appears as it is inside a JSON string (nothing to escape)."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


# ---------------------------------------------------------------------------- parsing


class _Parser:
    """The lines of one file to the records the selection keeps: a text record is complete
    at the next record, or when its file ends or stays quiet (:meth:`finish`)."""

    __slots__ = ("_known", "_match", "_pending", "_select")

    def __init__(self, select: _Selector) -> None:
        self._select = select
        self._pending: list[str] | None = None  # a text record, waiting for its traceback
        self._match: re.Match[str] | None = None
        self._known = False  # a record of alonechat's layouts was read in this file

    def feed(self, lines: list[str]) -> Iterator[Record]:
        select, skip, decode = self._select, self._select.skip, _DECODE
        for line in lines:
            record: Record | None
            if not line:
                if self._pending is not None:
                    self._pending.append(line)
                continue
            if line[0] == "{":
                if self._pending is not None:
                    record = self._text()
                    if record is not None:
                        yield record
                if skip is not None and skip(line):
                    self._known = True
                    continue
                try:
                    data, end = decode(line)
                except ValueError:
                    data = None
                else:
                    if end != len(line) and line[end:].strip():
                        data = None  # more after the object
                if type(data) is dict:
                    self._known = True
                    record = select.json(data, line)
                else:
                    record = select.unparsed(line, True)
            elif (match := _TEXT.match(line)) is not None:
                if self._pending is not None:
                    record = self._text()
                    if record is not None:
                        yield record
                self._pending, self._match, self._known = [line], match, True
                continue
            elif self._pending is not None and _STAMP.match(line) is None:
                self._pending.append(line)  # under a text record: its traceback
                continue
            else:
                if self._pending is not None:
                    record = self._text()
                    if record is not None:
                        yield record
                record = select.unparsed(line, self._known)
            if record is not None:
                yield record

    def _text(self) -> Record | None:
        lines, match = self._pending, self._match
        self._pending = self._match = None
        assert lines is not None
        assert match is not None
        while len(lines) > 1 and not lines[-1]:
            lines.pop()
        return self._select.text(lines, match)

    def finish(self) -> Iterator[Record]:
        """The text record still waiting for more lines, if any (its file is done or quiet)."""
        if self._pending is not None:
            record = self._text()
            if record is not None:
                yield record


_Identity = tuple[int, int]


def _identity(path: Path) -> _Identity | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


class _Source:
    """One log file open for reading, plain or gzip: its lines as they can be read."""

    def __init__(self, path: Path, select: _Selector) -> None:
        raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        try:
            status = os.fstat(raw.fileno())
            stream: gzip.GzipFile | io.BufferedReader = (
                gzip.GzipFile(fileobj=raw) if path.name.endswith(".gz") else raw
            )
        except BaseException:
            raw.close()
            raise
        self.path, self._raw, self._stream, self._select = path, raw, stream, select
        self.identity: _Identity = (status.st_dev, status.st_ino)
        self.parser = _Parser(select)
        self._tail = b""  # a line not complete yet
        self._broken = False

    @property
    def offset(self) -> int:
        """Bytes read from the file."""
        return self._raw.tell()

    def rewind(self) -> None:
        """Read again from the start (the file was truncated)."""
        self._raw.seek(0)
        self._tail = b""

    def _rewritten(self, start: int) -> bool:
        """Whether the file is no longer what was read up to ``start``: truncated in place
        (logrotate's copytruncate) and written again, so that the byte before ``start`` is
        no longer the end of a line (a new file with a newline at that very byte is not
        noticed)."""
        if start == 0 or self._tail:
            return False
        try:
            return os.pread(self._raw.fileno(), 1, start - 1) != b"\n"
        except (AttributeError, OSError):  # no pread (Windows)
            return False

    def records(self, final: bool) -> Iterator[Record]:
        """The records of what can be read now. ``final``: the file is done, so its last
        line counts even without a newline, and a text record waiting for more is complete.
        Otherwise the file may still be written to, and when it was truncated in place
        (shorter than what was read, or written again since) it is read again from its
        start."""
        feed = self.parser.feed
        if not final and os.fstat(self._raw.fileno()).st_size < self.offset:
            yield from self.parser.finish()
            self.rewind()
        while not self._broken:
            start = self.offset
            try:
                data = self._stream.read1(_CHUNK)  # a gzip file cut short: all before the cut
            except (EOFError, OSError, zlib.error) as exc:
                self._broken = final = True
                self._select.once(
                    f"broken {self.path}", f"cannot read {self.path} to its end ({exc})"
                )
                break
            if not data:
                break
            if not final and self._rewritten(start):
                yield from self.parser.finish()
                self.rewind()
                continue
            if self._tail:
                data = self._tail + data
            cut = data.rfind(b"\n")
            if cut < 0:
                self._tail = data
                continue
            self._tail = data[cut + 1 :]
            yield from feed(data[:cut].decode("utf-8", "replace").split("\n"))
        if final:
            if self._tail:
                tail, self._tail = self._tail, b""
                yield from feed([tail.decode("utf-8", "replace")])
            yield from self.parser.finish()

    def close(self) -> None:
        self._stream.close()
        self._raw.close()


# ---------------------------------------------------------------------------- files


_BACKUP = re.compile(r"\.([1-9][0-9]*)(\.gz)?")


def log_files(log_dir: str | os.PathLike[str], name: str = LOG_FILE) -> list[Path]:
    """``name`` and its backups in ``log_dir``, oldest first: ``name.N`` .. ``name.1`` (each
    plain or ``.gz``; both: the plain one, the other being a compression in progress), then
    ``name``. Empty when there is none (or no such directory)."""
    directory = Path(log_dir)
    try:
        entries = os.listdir(directory)
    except OSError:
        return []
    found: dict[int, str] = {}
    for entry in entries:
        if not entry.startswith(name):
            continue
        match = _BACKUP.fullmatch(entry, len(name))
        if match is not None:
            number = int(match.group(1))
            if number not in found or not match.group(2):
                found[number] = entry
    paths = [directory / found[number] for number in sorted(found, reverse=True)]
    if name in entries:
        paths.append(directory / name)
    return paths


class LogReader:
    """The records of a log directory's ``alonechat.log`` (or ``name``) and its backups.

    ``note`` is called, once per subject, with what the reader could not do (a filter that
    could not apply to some lines, a file it could not read); :attr:`malformed` counts the
    malformed lines it passed on.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str],
        selection: RecordFilter | None = None,
        *,
        name: str = LOG_FILE,
        note: Callable[[str], object] | None = None,
    ) -> None:
        self.directory, self.name = Path(log_dir), name
        self._select = _Selector(selection or RecordFilter(), note or (lambda text: None))

    @property
    def malformed(self) -> int:
        """Malformed lines (a JSON line cut short, garbage) passed on so far."""
        return self._select.malformed

    def read(self) -> Iterator[Record]:
        """Every record of the files as they are now, oldest first."""
        sources = self._open()
        try:
            for source in sources:
                yield from source.records(final=True)
        finally:
            for source in sources:
                source.close()

    def follow(
        self,
        stop: threading.Event | None = None,
        poll: float = 0.25,
        idle: Callable[[], object] | None = None,
    ) -> Iterator[Record]:
        """Every record of the files, then those appended to the file, until ``stop`` is
        set. Across rotations: when a new file replaces it (another inode), the rest of the
        old one is read, then the files made since, from their start; when it is truncated
        in place (it shrank, or the byte before the point read is no longer a line's end),
        it is read again from its start. ``idle`` is called each time nothing is new, before
        waiting ``poll`` seconds."""
        stop = stop or threading.Event()
        path = self.directory / self.name
        sources = self._open()
        newest = sources[-1].identity if sources else None  # the newest file read
        current = sources.pop() if sources and sources[-1].path == path else None
        retired: list[tuple[_Source, float]] = []  # rotated away, read a little longer
        try:
            for source in sources:
                yield from source.records(final=True)
                source.close()
            sources = []
            while not stop.is_set():
                try:
                    status: os.stat_result | None = os.stat(path)
                except OSError:
                    status = None  # between the rename and the new file of a rotation
                if status is not None and (
                    current is None or (status.st_dev, status.st_ino) != current.identity
                ):
                    if current is not None:  # rotated: the old file's last records first
                        yield from current.records(final=False)
                        yield from current.parser.finish()
                        retired.append((current, time.monotonic() + _GRACE))
                        current = None
                    for source in self._open(after=newest):
                        newest = source.identity
                        if source.path == path:
                            current = source
                        else:
                            yield from source.records(final=True)
                            source.close()
                    if current is not None:
                        continue
                before = current.offset if current is not None else -1
                if current is not None:
                    yield from current.records(final=False)
                for source, _ in retired:
                    yield from source.records(final=False)
                while retired and retired[0][1] < time.monotonic():
                    source = retired.pop(0)[0]
                    yield from source.records(final=True)
                    source.close()
                if current is None or current.offset == before:
                    if current is not None:
                        yield from current.parser.finish()  # quiet: a text record is whole
                    if idle is not None:
                        idle()
                    stop.wait(poll)
            for left in [*(source for source, _ in retired), current]:
                if left is not None:
                    yield from left.records(final=True)
        finally:
            for left in [*sources, *(source for source, _ in retired), current]:
                if left is not None:
                    left.close()

    def _open(self, after: _Identity | None = None) -> list[_Source]:
        """The files, opened, oldest first, as one consistent set (none renamed between the
        listing and the opening); with ``after``, only those newer than the file of that
        identity (all files but the current one are older when it is not found)."""
        sources: list[_Source] = []
        for _ in range(_ATTEMPTS):
            paths = log_files(self.directory, self.name)
            identities = [_identity(path) for path in paths]
            chosen = paths
            if after is not None:
                if after in identities:
                    chosen = paths[identities.index(after) + 1 :]
                else:
                    chosen = [path for path in paths if path.name == self.name]
            sources = []
            try:
                for path in chosen:
                    source = self._source(path)
                    if source is not None:
                        sources.append(source)
            except FileNotFoundError:
                pass  # renamed meanwhile: list again
            else:
                listed = log_files(self.directory, self.name)
                if listed == paths and [_identity(path) for path in paths] == identities:
                    return sources
            for source in sources:
                source.close()
        return []

    def _source(self, path: Path) -> _Source | None:
        try:
            return _Source(path, self._select)
        except FileNotFoundError:
            raise
        except OSError as exc:
            self._select.once(f"open {path}", f"cannot read {path} ({exc})")
            return None


def read_records(
    log_dir: str | os.PathLike[str],
    selection: RecordFilter | None = None,
    name: str = LOG_FILE,
) -> Iterator[Record]:
    """The records of ``log_dir``'s ``alonechat.log`` (or ``name``) and its backups that
    ``selection`` keeps, oldest first (see :class:`LogReader`)."""
    return LogReader(log_dir, selection, name=name).read()


# ---------------------------------------------------------------------------- statistics


class Stats:
    """Counts of records per level and per logger, and the time span they cover."""

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
        self.levels[(record.level or "-").upper()] += 1
        self.loggers[record.logger if record.logger is not None else "-"] += 1
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


__all__ = [
    "ERRORS_FILE",
    "LOG_FILE",
    "LogReader",
    "Record",
    "RecordFilter",
    "Stats",
    "level_rank",
    "log_files",
    "parse_level",
    "parse_pattern",
    "parse_time",
    "read_records",
]

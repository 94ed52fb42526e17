"""Which records to keep: :class:`RecordFilter`, and the selector that applies it to the values
read from a text, JSON or ECS line and makes the records it keeps."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._grep import Pattern
from ._records import Record
from ._values import _RANKS, _moment, level_rank

# ECS fields alonechat writes; any other top-level key is an extra field.
_ECS_KEYS = frozenset(
    {"@timestamp", "log.level", "message", "ecs.version", "log", "process", "error"}
    | {"trace", "span"}
)
_UNKNOWN = object()
_KEPT = 1000  # level names whose rank is remembered
_NAMED = 10  # unknown level names said in a note
_FIRST_KEYS = ('{"time":"', '{"@timestamp":"')  # how alonechat's JSON layouts begin


@dataclass(frozen=True)
class RecordFilter:
    """Which records to keep (every one by default); all given conditions must hold.

    ``level``: at or above this number (:func:`parse_level`). ``loggers``: the logger is one of
    these or below it (``"app"`` takes ``app`` and ``app.db``, not ``application``).
    ``since``/``until``: made at or after / at or before (aware times, :func:`parse_time`).
    ``request_id``: the ``request_id`` field is this (JSON records: the text format does not
    write it). ``grep``: found in the message or the traceback (of a line not parsed: in it;
    :func:`parse_pattern` makes one).

    Lines not parsed (another layout, malformed) have no fields: only ``grep`` applies to them.
    """

    level: int | None = None
    loggers: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    request_id: str | None = None
    grep: Pattern | None = None


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
        self._ranks: dict[str, int | None] = {}  # level name: rank, for _KEPT names at most
        self._unknown_levels = 0  # named in a note
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

    def _unknown_level(self, level: str) -> None:
        """Say that records of ``level`` are shown, naming the first few such levels."""
        key = f"level {level}"
        if key in self._noted:
            return
        if self._unknown_levels < _NAMED:
            self._unknown_levels += 1
            text = f"level {level[:100]!r} is not a known level: its records are shown"
            self.once(key, text)
        else:
            self.once("levels", "more levels that are not known: their records are shown too")

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
                    rank = level_rank(level)
                    if len(self._ranks) < _KEPT:  # a file of odd levels is not kept whole
                        self._ranks[level] = rank
                    if rank is None:
                        self._unknown_level(level)
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
                "text records do not show their request_id, so --request-id leaves them "
                "out: write JSON log files to find records by it (LogConfig(json_output=True) "
                "or the demo's and server's --json-logs)",
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
        if self.grep is not None and not self.grep.search(line):
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

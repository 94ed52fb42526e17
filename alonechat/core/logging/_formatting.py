"""Turning records into text: messages, format strings (stdlib or loguru notation), JSON."""

from __future__ import annotations

import json
import re
import string
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from loguru import logger as _loguru

from ._redact import Redactor

#: The simple built-in layout (testing preset), stdlib notation.
SIMPLE_FORMAT = "%(asctime)s | %(levelname)-8s | %(name)s | %(message)s"
#: The detailed built-in layout, with file:line and function (development, production).
DETAILED_FORMAT = (
    "%(asctime)s | %(levelname)-8s | %(name)s | %(filename)s:%(lineno)d | %(funcName)s"
    " | %(message)s"
)

#: A loguru ``format`` function: returns the template loguru fills in for a record.
Layout = Callable[[dict[str, Any]], str]

# Keys alonechat adds to a loguru record dict for its own layouts; no sink shows them.
_VIEW = "_alonechat_view"
_JSON = "_alonechat_json"
_MESSAGE = "_alonechat_message"
_TRACEBACK = "_alonechat_traceback"
_NAME = "_alonechat_name"
_TIME = "_alonechat_time"

# stdlib LogRecord attribute -> (loguru field, color markup or "").
_STDLIB_FIELDS: dict[str, tuple[str, str]] = {
    "name": ("name", "cyan"),
    "levelname": ("level.name", "level"),
    "levelno": ("level.no", "level"),
    "message": ("message", "level"),
    "module": ("module", "cyan"),
    "funcName": ("function", "cyan"),
    "lineno": ("line", "cyan"),
    "filename": ("file.name", "cyan"),
    "pathname": ("file.path", "cyan"),
    "process": ("process.id", ""),
    "processName": ("process.name", ""),
    "thread": ("thread.id", ""),
    "threadName": ("thread.name", ""),
}
# stdlib attributes computed from the record (read through the record view as "@name").
_COMPUTED: dict[str, Callable[[Mapping[str, Any]], object]] = {
    "created": lambda record: record["time"].timestamp(),
    "msecs": lambda record: record["time"].microsecond // 1000,
    "relativeCreated": lambda record: int(record["elapsed"].total_seconds() * 1000),
}
_LOGURU_FIELDS = frozenset(
    {"elapsed", "exception", "extra", "file", "function", "level", "line", "message", "module"}
    | {"name", "process", "thread", "time"}
)
_DIRECTIVE = re.compile(
    r"%%|%\((?P<key>[^)]*)\)(?P<flags>[#0+ -]*)(?P<width>\d*)(?:\.(?P<prec>\d+))?"
    r"(?P<type>[diouxXeEfFgGcrsa])|%"
)


class _Missing:
    """A field the record does not have: ``-`` whatever the format spec asks for."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return "-"

    def __str__(self) -> str:
        return "-"

    __repr__ = __str__


MISSING = _Missing()


class _RecordView:
    """What a template reads beyond loguru's own fields: ``extra`` keys (missing ones render
    as ``-``) and computed stdlib attributes (``@created``, ``@msecs``, ...)."""

    __slots__ = ("_record",)

    def __init__(self, record: Mapping[str, Any]) -> None:
        self._record = record

    def __getitem__(self, key: str) -> object:
        if key.startswith("@"):
            return _COMPUTED[key[1:]](self._record)
        value = self._record["extra"].get(key, MISSING)
        if value is MISSING or isinstance(value, (int, float)):  # numbers keep their format
            return value
        return safe_text(value if isinstance(value, str) else _safe_str(value), 4096)


def check_date_format(date_format: object, field: str) -> None:
    """Reject a date format that cannot sit inside a ``{time:...}`` field."""
    if not isinstance(date_format, str) or not date_format or set(date_format) & set("{}<>\n"):
        raise ValueError(
            f"{field}: must be a non-empty strftime string such as '%Y-%m-%d %H:%M:%S' "
            f"(no braces, angle brackets or newlines), got {date_format!r}"
        )


def _escape(literal: str) -> str:
    return literal.replace("{", "{{").replace("}", "}}").replace("<", "\\<")


def _spec(match: re.Match[str]) -> str:
    """The str.format conversion and spec equivalent to a printf-style directive."""
    flags, width, prec, kind = (match.group(g) or "" for g in ("flags", "width", "prec", "type"))
    align = "<" if "-" in flags else (">" if width and "0" not in flags else "")
    sign = "+" if "+" in flags else (" " if " " in flags else "")
    body = f"{align}{sign}{'#' if '#' in flags else ''}{'0' if '0' in flags and not align else ''}"
    body += width + (f".{prec}" if prec else "")
    if kind in "sra":
        return f"!{kind}" + (f":{body}" if body else "")
    kind = "d" if kind in "iu" else kind
    return f":{body}{kind}"


def _translate_stdlib(fmt: str, date_format: str, field: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _DIRECTIVE.finditer(fmt):
        out.append(_escape(fmt[pos : match.start()]))
        pos = match.end()
        if match.group() == "%%":
            out.append("%")
            continue
        key = match.group("key")
        if not key:
            raise ValueError(
                f"{field}: stray '%' at position {match.start()} in {fmt!r}; write '%%' for a "
                "literal percent sign or '%(name)s' for a field"
            )
        if key == "asctime":
            out.append(f"<green>{{time:{date_format}}}</green>")
            continue
        target, color = _STDLIB_FIELDS.get(key, ("", ""))
        if not target:
            target = f"{_VIEW}[@{key}]" if key in _COMPUTED else f"{_VIEW}[{key}]"
        text = "{" + target + _spec(match) + "}"
        out.append(f"<{color}>{text}</{color}>" if color else text)
    out.append(_escape(fmt[pos:]))
    return "".join(out)


def _check_loguru(fmt: str, field: str) -> str:
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise ValueError(f"{field}: cannot parse {fmt!r}: {exc}") from None
    for _, name, _, _ in parsed:
        root = re.split(r"[.\[]", name, maxsplit=1)[0] if name is not None else None
        if root is not None and root not in _LOGURU_FIELDS:
            raise ValueError(
                f"{field}: unknown field {{{name}}} in {fmt!r}; loguru notation allows "
                f"{', '.join(sorted(_LOGURU_FIELDS))} (use {{extra[key]}} for your own fields)"
            )
    try:  # loguru parses the color markup when a handler is added; no record reaches this one
        _loguru.remove(_loguru.add(lambda _: None, format=fmt, level=sys.maxsize))
    except ValueError as exc:
        raise ValueError(f"{field}: {exc} in {fmt!r}") from None
    # {extra[key]} reads through the record view, so that a missing key renders as "-".
    parts = []
    for literal, name, spec, conversion in parsed:
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            if name.startswith("extra[") or name.startswith("extra."):
                name = _VIEW + "[" + name[6:].rstrip("]") + "]"
            conv = f"!{conversion}" if conversion else ""
            parts.append("{" + name + conv + (f":{spec}" if spec else "") + "}")
    return "".join(parts)


def text_template(fmt: str, date_format: str, field: str) -> str:
    """Translate a format string to a loguru template (with color markup).

    Stdlib notation (``%(levelname)-8s``) is recognised by ``%(``; anything else is taken as
    loguru notation (``{level: <8}``) and checked for unknown fields and bad markup.

    Raises:
        ValueError: naming ``field`` when the format cannot be used.
    """
    if not isinstance(fmt, str) or not fmt:
        raise ValueError(f"{field}: must be a non-empty format string or None, got {fmt!r}")
    if "%(" in fmt:
        return _translate_stdlib(fmt, date_format, field)
    return _check_loguru(fmt, field)


# Characters that could forge a line or recolor a terminal: C0/C1 controls (tab excepted),
# DEL and the Unicode line separators.
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")


def safe_text(text: str, limit: int) -> str:
    """``text`` for a text log line: control characters (CR, LF, ESC...) written as
    ``\\n``, ``\\x1b``..., and more than ``limit`` characters cut with a marker."""
    text = cut(text, limit)
    return text if text.isprintable() else _CONTROLS.sub(_escaped, text)


def _rename(template: str, old: str, new: str) -> str:
    """``template`` with the fields rooted at ``old`` read from ``new`` instead."""
    parts = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            if name == old or name.startswith((old + ".", old + "[")):
                name = new + name[len(old) :]
            conv = f"!{conversion}" if conversion else ""
            parts.append("{" + name + conv + (f":{spec}" if spec else "") + "}")
    return "".join(parts)


class _Strftime:
    """``strftime(date_format)`` of record times, computed once per second: loguru (like
    stdlib's Formatter) calls strftime for every record, about 1 µs each. Only for formats
    without ``%f`` (sub-second); the offset is part of the key when ``%z``/``%Z`` show it."""

    __slots__ = ("_last", "_zone", "date_format")

    def __init__(self, date_format: str) -> None:
        self.date_format = date_format
        self._zone = "%z" in date_format or "%Z" in date_format
        self._last: tuple[object, str] = (None, "")

    def __call__(self, time: datetime) -> str:
        key: tuple[object, ...] = (
            time.second, time.minute, time.hour, time.day, time.month, time.year
        )  # fmt: skip
        if self._zone:
            key += (time.utcoffset(), time.tzname())
        last = self._last
        if last[0] == key:
            return last[1]
        text = time.strftime(self.date_format)
        self._last = (key, text)  # one assignment: threads see an old or a new pair
        return text


_iso_last: tuple[object, str, str] = (None, "", "")


def isoformat(time: datetime) -> str:
    """``time.isoformat()``, the part down to the second computed once per second
    (isoformat costs about 0.6 µs, this about half)."""
    global _iso_last
    key = (time.second, time.minute, time.hour, time.day, time.month, time.year, time.tzinfo)
    last = _iso_last
    if last[0] != key:
        whole = time.replace(microsecond=0).isoformat()
        last = _iso_last = (key, whole[:19], whole[19:])  # one assignment: thread-safe
    micro = time.microsecond
    return f"{last[1]}.{micro:06d}{last[2]}" if micro else last[1] + last[2]


def _cached_times(template: str) -> tuple[str, list[tuple[str, _Strftime]]]:
    """``template`` with each ``{time:<strftime format>}`` field read from a key that
    :class:`_Strftime` fills, and those keys with their formatters."""
    parts: list[str] = []
    times: list[tuple[str, _Strftime]] = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        spec = spec or ""
        cacheable = "%" in spec and "%f" not in spec and not spec.endswith("!UTC")
        if name == "time" and not conversion and cacheable:
            key = f"{_TIME}{len(times)}"
            times.append((key, _Strftime(spec)))
            parts.append("{" + key + "}")
            continue
        conv = f"!{conversion}" if conversion else ""
        parts.append("{" + name + conv + (f":{spec}" if spec else "") + "}")
    return "".join(parts), times


def text_layout(
    template: str, max_message: int, redactor: Redactor | None = None, *, own_traceback: bool
) -> Layout:
    """The loguru ``format`` function for a template from :func:`text_template`.

    The message and the logger name go through :func:`safe_text`, so user data cannot forge
    a line or recolor a console. With ``own_traceback`` (files; any sink when redacting),
    tracebacks are formatted here, with exception messages escaped (and redacted), instead
    of by loguru (whose colored, ``diagnose`` tracebacks the console keeps otherwise).
    """
    exception = "{" + _TRACEBACK + "}" if own_traceback or redactor else "{exception}"
    full, times = _cached_times(_rename(_rename(template, "message", _MESSAGE), "name", _NAME))
    full += "\n" + exception
    view = _VIEW in template

    def layout(record: dict[str, Any]) -> str:
        message, name = record["message"], record["name"] or ""
        if len(message) > max_message or not message.isprintable():
            message = safe_text(message, max_message)
        record[_MESSAGE] = message
        record[_NAME] = name if name.isprintable() else safe_text(name, 256)
        if view:
            record[_VIEW] = _RecordView(record)
        for key, strftime in times:
            record[key] = strftime(record["time"])
        if exception != "{exception}":
            trace = _safe_traceback(record["exception"])
            record[_TRACEBACK] = redactor.text(trace) if redactor and trace else trace
        return full

    return layout


def _safe_traceback(exception: Any) -> str:
    """A traceback as Python prints it, with each exception's message escaped."""
    if exception is None or exception[0] is None:
        return ""
    try:
        return "".join(_chain(traceback.TracebackException(*exception), set()))
    except Exception as exc:  # pragma: no cover - traceback itself failed
        return f"<traceback unavailable: {safe_repr(exc)}>\n"


def _chain(te: traceback.TracebackException, seen: set[int]) -> Iterator[str]:
    seen.add(id(te))
    cause, context = te.__cause__, te.__context__
    if cause is not None and id(cause) not in seen:
        yield from _chain(cause, seen)
        yield "\nThe above exception was the direct cause of the following exception:\n\n"
    elif context is not None and not te.__suppress_context__ and id(context) not in seen:
        yield from _chain(context, seen)
        yield "\nDuring handling of the above exception, another exception occurred:\n\n"
    if te.stack:
        yield "Traceback (most recent call last):\n"
        yield from te.stack.format()
    for line in te.format_exception_only():
        yield safe_text(line.rstrip("\n"), 32_768) + "\n"


def _traceback(exception: Any) -> str:
    if exception is None or exception[0] is None:
        return ""
    try:
        return "".join(traceback.format_exception(*exception))
    except Exception as exc:  # pragma: no cover - traceback itself failed
        return f"<traceback unavailable: {safe_repr(exc)}>\n"


def render_message(msg: object, args: object) -> str:
    """``msg % args`` as stdlib does it, without ever raising.

    A message with no args is returned unchanged (``{}`` and a lone ``%`` stay as written);
    args that do not fit the message are appended after a clear marker; a message object
    whose ``str()`` raises is written as ``<unprintable Type>``.
    """
    text = msg if isinstance(msg, str) else _safe_str(msg)
    if not args:
        return text
    if isinstance(args, tuple) and len(args) == 1 and isinstance(args[0], Mapping) and args[0]:
        args = args[0]
    try:
        return text % args
    except Exception as exc:
        return f"{text} [alonechat: message does not fit its args {safe_repr(args)}: {exc}]"


def _safe_str(value: object) -> str:
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def safe_repr(value: object) -> str:
    """``repr(value)``, or ``<unprintable Type>`` when that raises."""
    try:
        return repr(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


_ENCODER = json.JSONEncoder(default=_safe_str, separators=(",", ":"), allow_nan=False)
_dumps = _ENCODER.encode
_string: Callable[[str], str] = json.encoder.encode_basestring_ascii


def _jsonable(value: object) -> object:
    """``value`` if it encodes as standard JSON, else its repr."""
    try:
        _dumps(value)
    except (TypeError, ValueError, RecursionError):
        return safe_repr(value)
    return value


# JSON layout: fixed keys first; an extra field that would overwrite one gets "extra_".
_JSON_RESERVED = frozenset(
    {"time", "level", "logger", "message", "module", "function", "line", "file", "process"}
    | {"thread", "exc_type", "exc_message", "exc_traceback"}
)
#: The ECS version whose field names :func:`ecs_line` writes.
ECS_VERSION = "1.6.0"
# ECS: an extra field named like one of these, or under one ("log.logger"), is renamed.
_ECS_RESERVED = frozenset(
    {"@timestamp", "message", "ecs", "log", "process", "error", "trace", "span"}
)


def _extra(
    record: Mapping[str, Any], reserved: frozenset[str], limit: int, dotted: bool = False
) -> dict[str, Any]:
    """The record's extra fields, renamed ``extra_<key>`` where they would overwrite a
    field of the layout (with ``dotted``, also where the part before the first dot is one),
    or an extra field already called so; strings longer than ``limit`` are cut like
    messages."""
    data: dict[str, Any] = {}
    for key, value in record["extra"].items():
        while key in reserved or key in data or (dotted and key.split(".", 1)[0] in reserved):
            key = f"extra_{key}"
        data[key] = cut(value, limit) if isinstance(value, str) else value
    return data


def _error(record: Mapping[str, Any], redactor: Redactor | None) -> tuple[str, str, str] | None:
    """(type name, message, traceback) of the record's exception, redacted, or None."""
    exception = record["exception"]
    if exception is None or exception[0] is None:
        return None
    type_, value, _ = exception
    message, trace = _safe_str(value), _traceback(exception)
    if redactor is not None:
        message, trace = redactor.text(message), redactor.text(trace)
    return getattr(type_, "__name__", _safe_str(type_)), message, trace


def _close(head: str, data: Mapping[str, Any]) -> str:
    """``head`` (an open JSON object) closed with ``data``'s fields; a value JSON cannot
    encode is written as ``str(value)``, a container it cannot encode (or NaN, infinity) as
    ``repr(value)``, one field at a time."""
    if not data:
        return head + "}"
    try:
        tail = _dumps(data)
    except (TypeError, ValueError, RecursionError):
        tail = _dumps({key: _jsonable(value) for key, value in data.items()})
    return f"{head},{tail[1:]}"


def json_line(
    record: Mapping[str, Any], max_message: int = 32_768, redactor: Redactor | None = None
) -> str:
    """One flat JSON object for a loguru record; odd values never break it."""
    name, message = record["name"], record["message"]
    if len(message) > max_message:
        message = cut(message, max_message)
    head = (
        f'{{"time":"{isoformat(record["time"])}","level":{_string(record["level"].name)},'
        f'"logger":{"null" if name is None else _string(name)},'
        f'"message":{_string(message)},'
        f'"module":{_string(record["module"])},'
        f'"function":{_string(record["function"])},"line":{record["line"]:d},'
        f'"file":{_string(record["file"].path)},"process":{record["process"].id:d},'
        f'"thread":{_string(record["thread"].name)}'
    )
    if not record["extra"] and record["exception"] is None:  # most records: nothing to add
        return head + "}"
    data = _extra(record, _JSON_RESERVED, max_message)
    error = _error(record, redactor)
    if error is not None:
        data["exc_type"], data["exc_message"], data["exc_traceback"] = error
    return _close(head, data)


def ecs_line(
    record: Mapping[str, Any], max_message: int = 32_768, redactor: Redactor | None = None
) -> str:
    """One JSON object for a loguru record with Elastic Common Schema field names.

    ``@timestamp`` (UTC), ``log.level``, ``message`` and ``ecs.version`` come first, as the
    ecs-logging spec asks; then ``log.logger``, ``log.origin``, ``process``, ``error``
    (``type``, ``message``, ``stack_trace``), ``trace.id`` and ``span.id`` (from the
    ``trace_id`` and ``span_id`` fields), and the other extra fields as they are.
    """
    time = record["time"].astimezone(timezone.utc)
    name, process, thread = record["name"], record["process"], record["thread"]
    head = (
        f'{{"@timestamp":"{time:%Y-%m-%dT%H:%M:%S}.{time.microsecond // 1000:03d}Z",'
        f'"log.level":{_string(record["level"].name.lower())},'
        f'"message":{_string(cut(record["message"], max_message))},'
        f'"ecs.version":"{ECS_VERSION}",'
        f'"log":{{"logger":{"null" if name is None else _string(name)},'
        f'"origin":{{"file":{{"line":{int(record["line"])},'
        f'"name":{_string(record["file"].name)}}},'
        f'"function":{_string(record["function"])}}}}},'
        f'"process":{{"name":{_string(str(process.name))},"pid":{int(process.id)},'
        f'"thread":{{"id":{int(thread.id)},"name":{_string(str(thread.name))}}}}}'
    )
    data = _extra(record, _ECS_RESERVED, max_message, dotted=True)
    for key, group in (("trace_id", "trace"), ("span_id", "span")):
        if isinstance(data.get(key), str):
            data[group] = {"id": data.pop(key)}
    error = _error(record, redactor)
    if error is not None:
        kind, message, trace = error
        data["error"] = {"type": kind, "message": message, "stack_trace": trace}
    return _close(head, data)


def cut(text: str, limit: int) -> str:
    if len(text) > limit:
        return f"{text[:limit]}... [alonechat: {len(text) - limit} more characters cut]"
    return text


def json_layout(
    max_message: int, redactor: Redactor | None = None, schema: str = "alonechat"
) -> Layout:
    """loguru ``format`` function writing :func:`json_line` (``schema`` "alonechat") or
    :func:`ecs_line` ("ecs"), computed once per record whichever sinks write it."""
    line = ecs_line if schema == "ecs" else json_line
    key = f"{_JSON}_{schema}"
    template = "{" + key + "}\n"

    def layout(record: dict[str, Any]) -> str:
        if key not in record:
            record[key] = line(record, max_message, redactor)
        return template

    return layout

"""Text layouts: format strings in stdlib or loguru notation made into loguru templates,
and the loguru ``format`` function that fills one in for a record."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

# loguru's markup parser (what logger.add runs on a format): a private module, stable since
# loguru 0.4; it lets a LogConfig be checked without adding a handler.
from loguru._colorizer import Colorizer

from ._redact import Redactor
from ._text import Layout, cut_chars, printable, safe_str, safe_text, safe_traceback

#: The simple built-in layout (testing preset), stdlib notation:
#: ``2026-11-25 09:12:01 | INFO     | svc.api | message``.
SIMPLE_FORMAT = "%(asctime)s | %(levelname)-8s | %(name)s | %(message)s"
#: The detailed built-in layout, with file:line and function (development, production;
#: ``LogConfig.format_string=None``), stdlib notation:
#: ``2026-11-25 09:12:01 | INFO     | svc.api | api.py:42 | handle | message``.
DETAILED_FORMAT = (
    "%(asctime)s | %(levelname)-8s | %(name)s | %(filename)s:%(lineno)d | %(funcName)s"
    " | %(message)s"
)

# Keys alonechat adds to a loguru record dict for its own layouts; no sink shows them.
_VIEW = "_alonechat_view"
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
        return safe_text(value if isinstance(value, str) else safe_str(value), 4096)


def check_date_format(date_format: object, field: str) -> None:
    """Reject a date format that cannot sit inside a ``{time:...}`` field.

    Raises:
        ValueError: naming ``field``, for anything but a non-empty string without braces,
            angle brackets or newlines.
    """
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
    try:  # the markup check loguru's logger.add makes, without adding a handler
        Colorizer.prepare_format(fmt)  # type: ignore[no-untyped-call]
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


def _read_from(template: str, old: str, new: str) -> str:
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
    template: str,
    max_message: int,
    max_field: int = 32_768,
    redactor: Redactor | None = None,
    *,
    own_traceback: bool,
) -> Layout:
    """The loguru ``format`` function for a template from :func:`text_template`.

    The message and the logger name go through :func:`safe_text`, so user data cannot forge
    a line or recolor a console; a message longer than ``max_message`` characters is cut,
    with a marker. With ``own_traceback`` (files; any sink when redacting), tracebacks are
    formatted here, with exception messages escaped (and redacted), instead of by loguru
    (whose colored, ``diagnose`` tracebacks the console keeps otherwise, unless the
    exception's message is longer than ``max_field``); a traceback formatted here is cut
    to ``max_field`` characters.
    """
    own = "{" + _TRACEBACK + "}"
    safe_fields = _read_from(_read_from(template, "message", _MESSAGE), "name", _NAME)
    body, times = _cached_times(safe_fields)
    always_own = own_traceback or redactor is not None
    full = f"{body}\n{own if always_own else '{exception}'}"
    full_own = f"{body}\n{own}"
    view = _VIEW in template

    def layout(record: dict[str, Any]) -> str:
        message, name = record["message"], record["name"] or ""
        if len(message) > max_message or not printable(message):
            message = safe_text(message, max_message)
        record[_MESSAGE] = message
        record[_NAME] = name if printable(name) else safe_text(name, 256)
        if view:
            record[_VIEW] = _RecordView(record)
        for key, strftime in times:
            record[key] = strftime(record["time"])
        exception = record["exception"]
        here = always_own or (  # else loguru's, unless the message is too long
            exception is not None and len(safe_str(exception[1])) > max_field
        )
        if here:
            trace = safe_traceback(exception)
            trace = redactor.text(trace) if redactor and trace else trace
            record[_TRACEBACK] = (
                f"{cut_chars(trace, max_field)}\n" if len(trace) > max_field else trace
            )
            return full_own
        return full

    return layout

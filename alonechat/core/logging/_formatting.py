"""Turning records into text: messages, stdlib format strings, and flat JSON lines."""

from __future__ import annotations

import json
import re
import string
import traceback
from collections.abc import Callable, Mapping
from typing import Any

#: The simple built-in layout (testing preset), stdlib notation.
SIMPLE_FORMAT = "%(asctime)s | %(levelname)-8s | %(name)s | %(message)s"
#: The detailed built-in layout, with file:line and function (development, production).
DETAILED_FORMAT = (
    "%(asctime)s | %(levelname)-8s | %(name)s | %(filename)s:%(lineno)d | %(funcName)s"
    " | %(message)s"
)

# Keys alonechat adds to a loguru record dict for its own formatters; no sink shows them.
EXTRA_VIEW = "_alonechat_extra"
JSON_KEY = "_alonechat_json"

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
    "msecs": ("time:SSS", "green"),
    "created": ("time:X", "green"),
}
_LOGURU_FIELDS = frozenset(
    {"elapsed", "exception", "extra", "file", "function", "level", "line", "message", "module"}
    | {"name", "process", "thread", "time"}
)
_DIRECTIVE = re.compile(
    r"%%|%\((?P<key>[^)]*)\)(?P<flags>[#0+ -]*)(?P<width>\d*)(?:\.(?P<prec>\d+))?"
    r"(?P<type>[diouxXeEfFgGcrsa])|%"
)


def check_date_format(date_format: object, field: str) -> None:
    """Reject a date format that cannot sit inside a ``{time:...}`` field."""
    if not isinstance(date_format, str) or not date_format or set(date_format) & set("{}<>\n"):
        raise ValueError(
            f"{field}: must be a non-empty strftime string such as '%Y-%m-%d %H:%M:%S' "
            f"(no braces, angle brackets or newlines), got {date_format!r}"
        )


def _escape(literal: str) -> str:
    return literal.replace("{", "{{").replace("}", "}}").replace("<", "\\<")


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
        if key is None or not key:
            raise ValueError(
                f"{field}: stray '%' at position {match.start()} in {fmt!r}; write '%%' for a "
                "literal percent sign or '%(name)s' for a field"
            )
        if key == "asctime":
            out.append(f"<green>{{time:{date_format}}}</green>")
            continue
        target, color = _STDLIB_FIELDS.get(key, (f"extra[{key}]", ""))
        spec = _spec(match)
        if ":" in target:  # a time token already carries its own spec
            out.append(f"<{color}>{{{target}}}</{color}>")
            continue
        text = "{" + target + spec + "}"
        out.append(f"<{color}>{text}</{color}>" if color else text)
    out.append(_escape(fmt[pos:]))
    return "".join(out)


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
    return fmt


def text_template(fmt: str, date_format: str, field: str) -> str:
    """Translate a format string to a loguru template (with color markup).

    Stdlib notation (``%(levelname)-8s``) is recognised by ``%(``; anything else is taken as
    loguru notation (``{level: <8}``) and checked for unknown fields.

    Raises:
        ValueError: naming ``field`` when the format cannot be used.
    """
    if not isinstance(fmt, str) or not fmt:
        raise ValueError(f"{field}: must be a non-empty format string or None, got {fmt!r}")
    if "%(" in fmt:
        return _translate_stdlib(fmt, date_format, field)
    return _check_loguru(fmt, field)


class _ExtraView:
    """Read-only view of ``record["extra"]`` in which a missing key renders as ``-``."""

    __slots__ = ("_extra",)

    def __init__(self, extra: Mapping[str, Any]) -> None:
        self._extra = extra

    def __getitem__(self, key: str) -> Any:
        return self._extra.get(key, "-")


def text_format(template: str) -> str | Callable[[dict[str, Any]], str]:
    """The ``format`` argument for loguru's ``add``: the template itself when it is static.

    A template that reads ``{extra[...]}`` becomes a function so that a record without that
    key renders ``-`` instead of failing.
    """
    parts: list[str] = []
    reads_extra = False
    for literal, name, spec, conversion in string.Formatter().parse(template):
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if name.startswith("extra[") or name.startswith("extra."):
            name, reads_extra = EXTRA_VIEW + name[5:], True
        conv = f"!{conversion}" if conversion else ""
        parts.append("{" + name + conv + (f":{spec}" if spec else "") + "}")
    if not reads_extra:
        return template
    dynamic = "".join(parts) + "\n{exception}"

    def with_defaults(record: dict[str, Any]) -> str:
        record[EXTRA_VIEW] = _ExtraView(record["extra"])
        return dynamic

    return with_defaults


def render_message(msg: object, args: object) -> str:
    """``msg % args`` as stdlib does it, without ever raising.

    A message with no args is returned unchanged (``{}`` and a lone ``%`` stay as written);
    args that do not fit the message are appended after a clear marker.
    """
    text = msg if isinstance(msg, str) else str(msg)
    if not args:
        return text
    if isinstance(args, tuple) and len(args) == 1 and isinstance(args[0], Mapping) and args[0]:
        args = args[0]
    try:
        return text % args
    except Exception as exc:
        try:
            shown = repr(args)
        except Exception:
            shown = "<unprintable args>"
        return f"{text} [alonechat: message does not fit its args {shown}: {exc}]"


# JSON layout: fixed keys first; an extra field that would overwrite one gets "extra_".
_JSON_RESERVED = frozenset(
    {"time", "level", "logger", "message", "module", "function", "line", "file", "process"}
    | {"thread", "exc_type", "exc_message", "exc_traceback"}
)


def json_line(record: Mapping[str, Any]) -> str:
    """One flat JSON object for a loguru record, never raising on odd values."""
    data: dict[str, Any] = {
        "time": record["time"].isoformat(),
        "level": record["level"].name,
        "logger": record["name"],
        "message": record["message"],
        "module": record["module"],
        "function": record["function"],
        "line": record["line"],
        "file": record["file"].path,
        "process": record["process"].id,
        "thread": record["thread"].name,
    }
    extra = record["extra"]
    for key, value in extra.items():
        data[f"extra_{key}" if key in _JSON_RESERVED else key] = value
    exception = record["exception"]
    if exception is not None and exception[0] is not None:
        type_, value, tb = exception
        data["exc_type"] = getattr(type_, "__name__", str(type_))
        data["exc_message"] = str(value)
        data["exc_traceback"] = "".join(traceback.format_exception(type_, value, tb))
    try:
        return json.dumps(data, default=str, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        for key, value in extra.items():  # unserialisable containers: fall back to repr
            data[f"extra_{key}" if key in _JSON_RESERVED else key] = repr(value)
        return json.dumps(data, default=str, separators=(",", ":"))


def json_format(record: dict[str, Any]) -> str:
    """loguru ``format`` function writing :func:`json_line` (computed once per record)."""
    if JSON_KEY not in record:
        record[JSON_KEY] = json_line(record)
    return "{" + JSON_KEY + "}\n"

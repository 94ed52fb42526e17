"""JSON layouts: one JSON object per record, alonechat's flat fields or Elastic Common
Schema (ECS) names; odd values never break a line."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import timezone
from typing import Any

from ._bounds import CUT_KEY
from ._redact import Redactor
from ._syslog_format import fit_bytes
from ._text import Layout, cut_chars, isoformat, plain_traceback, safe_repr, safe_str

# Key of the line a JSON layout computed, on the loguru record: once whichever sinks write it.
_JSON = "_alonechat_json"

_ENCODER = json.JSONEncoder(default=safe_str, separators=(",", ":"), allow_nan=False)
_compact_json = _ENCODER.encode
_string: Callable[[str], str] = json.encoder.encode_basestring_ascii


def _jsonable(value: object) -> object:
    """``value`` if it encodes as standard JSON, else its repr."""
    try:
        _compact_json(value)
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
    or an extra field already called so; strings longer than ``limit`` (nested ones too)
    are cut like messages."""
    data: dict[str, Any] = {}
    for key, value in record["extra"].items():
        while key in reserved or key in data or (dotted and key.split(".", 1)[0] in reserved):
            key = f"extra_{key}"
        data[key] = _cut(value, limit, 0)
    return data


def _cut(value: Any, limit: int, depth: int) -> Any:
    """``value`` with every string in it, nested ones too (8 levels deep), cut to ``limit``
    characters; ``value`` itself when nothing needed cutting."""
    if isinstance(value, str):
        return cut_chars(value, limit)
    if depth >= 8 or not isinstance(value, (dict, list, tuple)):
        return value
    if isinstance(value, dict):
        mapping = {key: _cut(item, limit, depth + 1) for key, item in value.items()}
        changed = any(mapping[key] is not item for key, item in value.items())
        return mapping if changed else value
    items = [_cut(item, limit, depth + 1) for item in value]
    changed = any(new is not old for new, old in zip(items, value, strict=True))
    return items if changed else value


def _error(
    record: Mapping[str, Any], redactor: Redactor | None, limit: int
) -> tuple[str, str, str] | None:
    """(type name, message, traceback) of the record's exception, redacted, the message
    and the traceback cut to ``limit`` characters each; or None."""
    exception = record["exception"]
    if exception is None or exception[0] is None:
        return None
    type_, value, _ = exception
    message, trace = safe_str(value), plain_traceback(exception)
    if redactor is not None:
        message, trace = redactor.text(message), redactor.text(trace)
    name = cut_chars(getattr(type_, "__name__", None) or safe_str(type_), 256)
    return name, cut_chars(message, limit), cut_chars(trace, limit)


def _close_object(head: str, data: Mapping[str, Any]) -> str:
    """``head`` (an open JSON object) closed with ``data``'s fields; a value JSON cannot
    encode is written as ``str(value)``, a container it cannot encode (or NaN, infinity) as
    ``repr(value)``, one field at a time."""
    if not data:
        return head + "}"
    try:
        tail = _compact_json(data)
    except (TypeError, ValueError, RecursionError):
        tail = _compact_json({key: _jsonable(value) for key, value in data.items()})
    return f"{head},{tail[1:]}"


def json_line(
    record: Mapping[str, Any],
    max_message: int = 32_768,
    redactor: Redactor | None = None,
    max_field: int = 32_768,
    max_record: int = 262_144,
) -> str:
    """One flat JSON object for a loguru record; odd values never break it; at most
    ``max_record`` characters (see :func:`_within`)."""
    name, message = record["name"], record["message"]
    if len(message) > max_message:
        message = cut_chars(message, max_message)
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
    data = _extra(record, _JSON_RESERVED, max_field)
    error = _error(record, redactor, max_field)
    if error is not None:
        data["exc_type"], data["exc_message"], data["exc_traceback"] = error
    return _within(head, data, max_record)


def ecs_line(
    record: Mapping[str, Any],
    max_message: int = 32_768,
    redactor: Redactor | None = None,
    max_field: int = 32_768,
    max_record: int = 262_144,
) -> str:
    """One JSON object for a loguru record with Elastic Common Schema field names.

    ``@timestamp`` (UTC), ``log.level``, ``message`` and ``ecs.version`` come first, as the
    ecs-logging spec asks; then ``log.logger``, ``log.origin``, ``process``, ``error``
    (``type``, ``message``, ``stack_trace``), ``trace.id`` and ``span.id`` (from the
    ``trace_id`` and ``span_id`` fields), and the other extra fields as they are; at most
    ``max_record`` characters (see :func:`_within`).
    """
    time = record["time"].astimezone(timezone.utc)
    name, process, thread = record["name"], record["process"], record["thread"]
    head = (
        f'{{"@timestamp":"{time:%Y-%m-%dT%H:%M:%S}.{time.microsecond // 1000:03d}Z",'
        f'"log.level":{_string(record["level"].name.lower())},'
        f'"message":{_string(cut_chars(record["message"], max_message))},'
        f'"ecs.version":"{ECS_VERSION}",'
        f'"log":{{"logger":{"null" if name is None else _string(name)},'
        f'"origin":{{"file":{{"line":{int(record["line"])},'
        f'"name":{_string(record["file"].name)}}},'
        f'"function":{_string(record["function"])}}}}},'
        f'"process":{{"name":{_string(str(process.name))},"pid":{int(process.id)},'
        f'"thread":{{"id":{int(thread.id)},"name":{_string(str(thread.name))}}}}}'
    )
    data = _extra(record, _ECS_RESERVED, max_field, dotted=True)
    for key, group in (("trace_id", "trace"), ("span_id", "span")):
        if isinstance(data.get(key), str):
            data[group] = {"id": data.pop(key)}
    error = _error(record, redactor, max_field)
    if error is not None:
        kind, message, trace = error
        data["error"] = {"type": kind, "message": message, "stack_trace": trace}
    return _within(head, data, max_record)


def _within(head: str, data: Mapping[str, Any], limit: int) -> str:
    """``head`` closed with ``data`` (see :func:`_close_object`), in at most ``limit``
    characters: a longer line has its longest strings cut to a common length (with
    markers); if that is not enough (many small fields), the fields are replaced by one
    ``alonechat_cut`` field saying how long the record was; the line stays valid JSON."""
    line = _close_object(head, data)
    if len(line) <= limit:
        return line
    fitted = fit_bytes(line, limit)  # JSON lines are ASCII: one byte per character
    if fitted is None:
        marker = {CUT_KEY: f"record of {len(line)} characters cut (max_record_length {limit})"}
        fitted = fit_bytes(_close_object(head, marker), limit)
    return fitted or '{"' + CUT_KEY + '":"record too long to write"}'


def json_layout(
    max_message: int,
    redactor: Redactor | None = None,
    schema: str = "alonechat",
    max_field: int = 32_768,
    max_record: int = 262_144,
) -> Layout:
    """loguru ``format`` function writing :func:`json_line` (``schema`` "alonechat") or
    :func:`ecs_line` ("ecs"), computed once per record whichever sinks write it; the
    limits are ``LogConfig``'s ``max_*_length``, in characters."""
    line = ecs_line if schema == "ecs" else json_line
    key = f"{_JSON}_{schema}"
    template = "{" + key + "}\n"

    def layout(record: dict[str, Any]) -> str:
        if key not in record:
            record[key] = line(record, max_message, redactor, max_field, max_record)
        return template

    return layout

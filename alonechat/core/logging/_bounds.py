"""Bounds on a record's fields: whatever a caller puts in ``extra`` (a 20 MB object, a list
of a million ints, a dict nested a thousand deep), what reaches a layout has a known size.

Run once per record, before redaction and before any layout, so every sink sees the same
values and an object's ``str()`` is called once (it becomes its text here). Strings are kept
whole here, so that redaction sees a secret whole; the layouts cut them to the field limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._text import cut_chars, safe_str

#: Key of the marker added to a mapping whose keys did not all fit.
CUT_KEY = "alonechat_cut"
_MAX_DEPTH = 8
_DIGITS_PER_BIT = 0.30103  # log10(2): an int of n bits has about n * this digits


def _plain_size(value: Any, depth: int) -> int:
    """The characters of a value that needs no bounding (short strings, numbers, small
    dicts and lists of them), or -1: it needs :func:`_bounded`."""
    kind = type(value)
    if kind is str:
        return len(value)
    if kind is float or kind is bool or value is None:
        return 8
    if kind is int:
        return 20 if -(10**18) < value < 10**18 else -1
    if kind is dict and depth < _MAX_DEPTH and len(value) <= 64:
        total = 0
        for key, item in value.items():
            size = _plain_size(item, depth + 1)
            if size < 0 or type(key) is not str:
                return -1
            total += size + len(key) + 4
        return total
    if (kind is list or kind is tuple) and depth < _MAX_DEPTH and len(value) <= 64:
        total = 0
        for item in value:
            size = _plain_size(item, depth + 1)
            if size < 0:
                return -1
            total += size + 1
        return total
    return -1


def bounded_fields(
    fields: Mapping[str, Any], field_limit: int, record_limit: int
) -> dict[str, Any]:
    """``fields`` (a record's ``extra``) within the limits, in characters.

    Each field gets at most ``field_limit`` characters of its text, and all of them together
    at most ``record_limit``. A field's value that is not a string, number, bool, None,
    mapping, list or tuple becomes its ``str()`` (called once; ``<unprintable Type>`` if it
    raises); mappings and lists keep the items that fit, then a marker (``alonechat_cut``:
    ``"N more keys cut"``, or a last item ``"[alonechat: N more items cut]"``); fields past
    the record's budget are replaced by one ``alonechat_cut`` field saying how many; values
    nested deeper than 8 levels become their (cut) text; an int of more digits than fit
    becomes a marker. Strings are not cut here (the layouts cut them to ``field_limit``),
    but count for at most ``field_limit``. Never raises.
    """
    total = 0
    for value in fields.values():  # most records: a few short strings, numbers, small dicts
        size = min(len(value), field_limit) if type(value) is str else _plain_size(value, 0)
        if size < 0 or size > field_limit:
            break
        total += size
    else:
        if total <= record_limit:
            return dict(fields)
    out: dict[str, Any] = {}
    budget = record_limit
    items = list(fields.items())
    for index, (key, value) in enumerate(items):
        if budget <= 0:
            out[CUT_KEY] = f"{len(items) - index} more fields cut (max_record_length)"
            break
        try:
            out[key], size = _bounded(value, min(field_limit, budget), field_limit, 0)
        except Exception as exc:  # a mapping whose items() raises...: withheld, not raised
            out[key] = f"[alonechat: {type(value).__name__} withheld, unreadable: {exc!r}]"
            size = len(out[key])
        budget -= size + len(str(key)) + 4
    return out


def _bounded(
    value: Any, budget: int, field_limit: int, depth: int, path: frozenset[int] = frozenset()
) -> tuple[Any, int]:
    """``value`` within ``budget`` characters, and the characters it counts for; ``path``:
    the ids of the containers it is in (a container in itself is written ``[...]``, as
    ``repr`` writes it)."""
    if id(value) in path:
        return "[...]", 7
    if isinstance(value, str):
        return value, min(len(value), field_limit) + 2
    if value is None or isinstance(value, (bool, float)):
        return value, 5
    if isinstance(value, int):
        digits = int(value.bit_length() * _DIGITS_PER_BIT) + 1
        if digits > budget:
            return f"[alonechat: int of about {digits} digits cut]", 40
        return value, digits
    if depth < _MAX_DEPTH and isinstance(value, Mapping):
        return _mapping(value, budget, field_limit, depth, path | {id(value)})
    if depth < _MAX_DEPTH and isinstance(value, (list, tuple)):
        return _sequence(value, budget, field_limit, depth, path | {id(value)})
    text = safe_str(value)  # an object, or a container nested too deep: its text, once
    if len(text) > budget:
        text = cut_chars(text, max(budget, 0))
    return text, len(text) + 2


def _mapping(
    value: Mapping[Any, Any], budget: int, field_limit: int, depth: int, path: frozenset[int]
) -> tuple[dict[Any, Any], int]:
    out: dict[Any, Any] = {}
    used = 2
    for count, (key, item) in enumerate(value.items()):
        if used >= budget:
            out[CUT_KEY] = f"{len(value) - count} more keys cut"
            return out, used + 40
        if isinstance(key, str) and len(key) > field_limit:
            key = cut_chars(key, field_limit)
        out[key], size = _bounded(item, budget - used, field_limit, depth + 1, path)
        used += size + (len(key) if isinstance(key, str) else 20) + 4
    return out, used


def _sequence(
    value: list[Any] | tuple[Any, ...],
    budget: int,
    field_limit: int,
    depth: int,
    path: frozenset[int],
) -> tuple[list[Any], int]:
    out: list[Any] = []
    used = 2
    for count, item in enumerate(value):
        if used >= budget:
            out.append(f"[alonechat: {len(value) - count} more items cut]")
            return out, used + 40
        bounded, size = _bounded(item, budget - used, field_limit, depth + 1, path)
        out.append(bounded)
        used += size + 1
    return out, used

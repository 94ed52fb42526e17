"""Values as safe text: messages (``msg % args`` that never raises), control characters
escaped, long strings cut, tracebacks, times; what the text and JSON layouts share."""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

#: A loguru ``format`` function: returns the template loguru fills in for a record.
Layout = Callable[[dict[str, Any]], str]

# Characters that could forge a line or recolor a terminal: C0/C1 controls (tab excepted),
# DEL and the Unicode line separators.
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
# Terminal escape sequences (ECMA-48) a library styles its messages with (werkzeug colors
# its request lines): CSI (colors, cursor moves), OSC (titles, links), and the two- and
# three-byte ones (ESC c resets the terminal). They belong to a terminal, not to a record.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n]{0,512}(?:\x07|\x1b\\)|[ -/]*[0-~])")


def strip_ansi(text: str) -> str:
    """``text`` without complete terminal escape sequences (``\x1b[35m``...); other control
    characters, an unterminated sequence's included, stay for :func:`safe_text` to escape
    (so a stray ``ESC ]`` cannot hide the rest of a line)."""
    return _ANSI.sub("", text) if "\x1b" in text else text


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")


def safe_text(text: str, limit: int) -> str:
    """``text`` for a text log line: control characters (CR, LF, ESC...) written as
    ``\\n``, ``\\x1b``..., and more than ``limit`` characters cut with a marker."""
    text = cut_chars(text, limit)
    return text if printable(text) else _CONTROLS.sub(_escaped, text)


#: The ASCII characters ``safe_text`` leaves as they are.
PRINTABLE_ASCII = bytes(range(32, 127)) + b"\t"
_known: list[str] = [""]  # the last text found printable (the redactor checks it first)


def printable(text: str) -> bool:
    """Whether ``text`` has no character that ``safe_text`` escapes (tab is fine). ASCII text
    is checked as bytes (about 0.25 us per KiB; ``str.isprintable`` takes 1.4), other text
    with ``str.isprintable``; a text just found printable (see :func:`known_printable`) is
    not checked again."""
    if text is _known[0]:
        return True
    if text.isascii():
        return not text.encode("ascii").translate(None, PRINTABLE_ASCII)
    return text.isprintable()


def known_printable(text: str) -> None:
    """Note that ``text`` was found printable (by a pass over it that checked more), so
    that :func:`printable` does not go over it again. One text is remembered, by identity:
    any thread may replace it, which only costs that thread a check."""
    _known[0] = text


def cut_chars(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (not bytes), with a marker saying how many more
    there were."""
    if len(text) > limit:
        return f"{text[:limit]}... [alonechat: {len(text) - limit} more characters cut]"
    return text


def safe_traceback(exception: Any) -> str:
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
    group = getattr(te, "exceptions", None) or ()  # an ExceptionGroup's (3.11+)
    for index, member in enumerate(group, 1):
        yield f"\n[sub-exception {index} of {len(group)}]\n"
        yield from _chain(member, seen)


def wants_color(stream: Any) -> bool:
    """Whether to color what goes to ``stream`` when nobody said: not when ``$NO_COLOR`` is
    set (no-color.org), yes when ``$FORCE_COLOR`` is (force-color.org), else when it is a
    terminal. Either variable counts when set to a non-empty value."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # not a stream, or a closed one
        return False


def plain_traceback(exception: Any) -> str:
    """A traceback as Python prints it (``exc_info`` triple), or "" for none."""
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
    text = msg if isinstance(msg, str) else safe_str(msg)
    if not args:
        return text
    if isinstance(args, tuple) and len(args) == 1 and isinstance(args[0], Mapping) and args[0]:
        args = args[0]
    try:
        return text % args
    except Exception as exc:
        return f"{text} [alonechat: message does not fit its args {safe_repr(args)}: {exc}]"


def safe_str(value: object) -> str:
    """``str(value)``, or ``<unprintable Type>`` when that raises."""
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

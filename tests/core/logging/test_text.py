"""Safe text: messages that never raise (stdlib's %-formatting), times."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, get_logger
from alonechat.core.logging._text import render_message, safe_text, strip_ansi

Configure = Callable[..., LogConfig]


@pytest.mark.parametrize(
    ("msg", "args", "expected"),
    [
        ("plain", (), "plain"),
        ("%s-%s", (1, 2), "1-2"),
        ("%(a)s", ({"a": 1},), "1"),
        ("{0} %s", ("x",), "{0} x"),
        ("100%", (), "100%"),
        (42, (), "42"),
    ],
)
def test_render_message(msg: object, args: tuple[object, ...], expected: str) -> None:
    assert render_message(msg, args) == expected


def test_render_message_with_unprintable_args() -> None:
    class BadRepr:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    rendered = render_message("%d", (BadRepr(),))
    assert rendered.startswith("%d [alonechat: message does not fit its args <unprintable tuple>")


def test_json_time_is_isoformat_exactly() -> None:
    """The per-second isoformat cache gives what isoformat gives, whole seconds included."""
    from datetime import timedelta, timezone

    from alonechat.core.logging._text import isoformat

    start = datetime(2026, 10, 25, 2, 59, 59, 999_000, tzinfo=timezone(timedelta(hours=2)))
    moments = [start + timedelta(microseconds=500 * n) for n in range(5)]
    moments.append(moments[-1].replace(tzinfo=timezone(timedelta(hours=1))))
    moments.append(moments[-1].replace(year=2027))
    for moment in moments:
        assert isoformat(moment) == moment.isoformat()


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("\x1b[35m\x1b[1mGET /boom HTTP/1.1\x1b[0m 500", "GET /boom HTTP/1.1 500"),  # werkzeug
        ("title \x1b]0;owned\x07 after", "title  after"),  # OSC ended by BEL
        ("link \x1b]8;;http://x\x1b\\here", "link here"),  # OSC ended by ST
        ("reset \x1bc done", "reset  done"),  # ESC c
        ("open \x1b]0;no end\nsecond line", "open 0;no end\nsecond line"),  # cut short
        ("lone \x1b", "lone \x1b"),
        ("no escapes at all", "no escapes at all"),
    ],
)
def test_strip_ansi_drops_complete_escape_sequences_only(text: str, kept: str) -> None:
    """Terminal escape sequences go; an unterminated one cannot hide the rest of the line,
    and what is left of it is escaped by safe_text."""
    assert strip_ansi(text) == kept
    assert "\x1b" not in safe_text(strip_ansi(text), 1000)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup is new in 3.11")
def test_an_exception_group_is_written_whole_in_text_files(
    configure: Callable[..., LogConfig], log_dir: Path
) -> None:
    """An ExceptionGroup (asyncio.TaskGroup's) keeps its sub-exceptions and their
    tracebacks in the text files, not only "(2 sub-exceptions)"."""

    def fail(text: str) -> None:
        raise ValueError(text)

    errors: list[Exception] = []
    for text in ("first failure", "second failure"):
        try:
            fail(text)
        except ValueError as exc:
            errors.append(exc)
    configure(format_string="%(message)s")
    try:
        raise ExceptionGroup("two tasks failed", errors)  # noqa: F821 (3.11+)
    except ExceptionGroup:  # noqa: F821
        get_logger("tasks").exception("task group failed")
    text = (log_dir / "alonechat.log").read_text()
    assert "ExceptionGroup: two tasks failed (2 sub-exceptions)" in text
    assert "[sub-exception 1 of 2]" in text
    assert "[sub-exception 2 of 2]" in text
    assert "ValueError: first failure" in text
    assert "ValueError: second failure" in text
    assert text.count("in fail\n    raise ValueError(text)") == 2

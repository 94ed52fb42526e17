"""Format strings in both notations, missing fields, escaped text lines, cached times."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, get_logger
from alonechat.core.logging._text import safe_text
from tests.helpers import read_lines

Configure = Callable[..., LogConfig]


@pytest.mark.parametrize(
    ("fmt", "with_field", "without_field"),
    [
        ("%(message)s dur=%(duration).3f", "x dur=0.123", "x dur=-"),
        ("%(message)s n=%(count)05d", "x n=00007", "x n=-"),
        ("%(message)s [%(request_id)-6s]", "x [r-1   ]", "x [-     ]"),
        ("{message} {extra[request_id]}", "x r-1", "x -"),
    ],
)
def test_missing_fields_render_as_a_dash_whatever_the_spec(
    configure: Configure, log_dir: Path, fmt: str, with_field: str, without_field: str
) -> None:
    configure(format_string=fmt)
    get_logger("f").info("x", extra={"duration": 0.1234, "count": 7, "request_id": "r-1"})
    get_logger("f").info("x")
    assert read_lines(log_dir / "alonechat.log") == [with_field, without_field]


def test_computed_stdlib_attributes(configure: Configure, log_dir: Path) -> None:
    before = time.time()
    configure(format_string="%(created)f|%(msecs)03d|%(relativeCreated)d|%(levelno)s|%(message)s")
    get_logger("f").warning("w")
    created, msecs, relative, levelno, message = read_lines(log_dir / "alonechat.log")[0].split("|")
    assert before - 1 < float(created) < time.time() + 1
    assert "." in created
    assert 0 <= int(msecs) < 1000
    assert int(relative) >= 0
    assert (levelno, message) == ("30", "w")


def test_stdlib_padding_and_percent(configure: Configure, log_dir: Path) -> None:
    configure(format_string="[%(levelname)8s][%(levelname)-8s][%(lineno)4d] 100%% %(message)s")
    get_logger("f").info("m")
    line = read_lines(log_dir / "alonechat.log")[0]
    assert line.startswith("[    INFO][INFO    ][")
    assert line.endswith("] 100% m")


def test_user_data_cannot_forge_a_text_line(configure: Configure, log_dir: Path) -> None:
    """CR/LF and other controls in a message or an extra field are written escaped."""
    configure(format_string="%(levelname)s %(user)s %(message)s")
    forged = "login ok\n2026-01-01 00:00:00 | CRITICAL | admin | forged\rline\u2028sep"
    get_logger("inject").info(forged, extra={"user": "eve\nCRITICAL"})
    lines = read_lines(log_dir / "alonechat.log")
    assert lines == [
        "INFO eve\\nCRITICAL login ok\\n2026-01-01 00:00:00 | CRITICAL | admin | forged"
        "\\rline\\u2028sep"
    ]


def test_user_data_cannot_recolor_the_console(
    configure: Configure, capsys: pytest.CaptureFixture[str]
) -> None:
    """Escape sequences in a message are dropped; a control character left is escaped."""
    configure(console_output=True, file_output=False, colorize=True, format_string="%(message)s")
    get_logger("inject").info("\x1b[2J\x1b[31mfake \x1bcalarm\x07\x1b")
    err = capsys.readouterr().err
    assert "fake alarm\\x07\\x1b" in err
    assert "\x1b[2J" not in err
    assert "\x07" not in err


def test_long_messages_are_cut_with_a_marker(configure: Configure, log_dir: Path) -> None:
    configure(format_string="%(message)s", max_message_length=10)
    get_logger("long").info("0123456789abcdef")
    assert read_lines(log_dir / "alonechat.log") == [
        "0123456789... [alonechat: 6 more characters cut]"
    ]


def test_max_message_length_is_validated() -> None:
    with pytest.raises(ValueError, match="LogConfig.max_message_length: must be an int >= 1"):
        LogConfig(max_message_length=0)


def test_exception_messages_names_and_fields_cannot_forge_lines(
    configure: Configure, log_dir: Path
) -> None:
    configure(format_string="%(name)s %(user)s %(message)s")
    try:
        raise ValueError("x\n2026-01-01 | INFO | FORGED\x1b[31m")
    except ValueError:
        get_logger("app\nINFO | FORGEDNAME").exception(
            "m", extra={"user": ValueError("u\nFORGEDFIELD")}
        )
    text = (log_dir / "alonechat.log").read_text()
    assert "\nINFO | FORGEDNAME" not in text
    assert "\nFORGEDFIELD" not in text
    assert "\n2026-01-01 | INFO | FORGED" not in text
    assert "\x1b" not in text
    assert "ValueError: x\\n2026-01-01 | INFO | FORGED\\x1b[31m" in text
    assert "\u202e" not in safe_text("a\u202eb", 100)


def test_timestamps_are_formatted_once_per_second_and_stay_exact() -> None:
    """The per-second strftime cache gives what strftime gives, across seconds, days and
    offsets, for any format without sub-second fields."""
    from datetime import timedelta, timezone

    from alonechat.core.logging._templates import _Strftime

    zoned = _Strftime("%Y-%m-%d %H:%M:%S %z")
    plain = _Strftime("%d/%m/%Y %H:%M:%S")
    start = datetime(2026, 3, 29, 0, 59, 58, tzinfo=timezone(timedelta(hours=1)))
    moments = [start + timedelta(milliseconds=250 * n) for n in range(12)]
    moments.append(moments[-1].replace(tzinfo=timezone(timedelta(hours=2))))  # a new offset
    moments.append(moments[-1].replace(month=4))  # the same second a month later
    for moment in moments:
        assert zoned(moment) == moment.strftime("%Y-%m-%d %H:%M:%S %z")
        assert plain(moment) == moment.strftime("%d/%m/%Y %H:%M:%S")


def test_sub_second_and_loguru_time_fields_are_not_cached(
    configure: Configure, log_dir: Path
) -> None:
    configure(format_string="{time:%S.%f}|{time:%H:%M:%S}|{message}")
    get_logger("t").info("a")
    time.sleep(0.01)
    get_logger("t").info("b")
    first, second = (line.split("|") for line in read_lines(log_dir / "alonechat.log"))
    assert first[0] != second[0]  # %f differs between the two records
    assert first[1].count(":") == 2

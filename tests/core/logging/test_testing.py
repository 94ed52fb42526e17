"""pytest's caplog sees get_logger's records as stdlib's; forward_to and capture_logs."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from loguru import logger as loguru_logger

from alonechat.core.logging import LogConfig, get_logger
from alonechat.core.logging.testing import capture_logs, forward_to

Configure = Callable[..., LogConfig]


def test_caplog_sees_get_logger_and_stdlib_records_once(
    configure: Configure, caplog: pytest.LogCaptureFixture
) -> None:
    configure()
    get_logger("app.facade").warning("from %s", "get_logger")
    logging.getLogger("app.stdlib").warning("from stdlib")
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("app.facade", "WARNING", "from get_logger"),
        ("app.stdlib", "WARNING", "from stdlib"),
    ]
    assert caplog.records[0].funcName == "test_caplog_sees_get_logger_and_stdlib_records_once"


def test_caplog_set_level_applies_both_ways(
    configure: Configure, caplog: pytest.LogCaptureFixture
) -> None:
    """caplog.set_level lets DEBUG records in and keeps INFO ones out, as for stdlib."""
    configure(level="INFO")
    caplog.set_level(logging.DEBUG)
    get_logger("app").debug("debug now captured")
    caplog.set_level(logging.WARNING)
    get_logger("app").info("info now dropped")
    get_logger("app").warning("warning kept")
    with caplog.at_level(logging.ERROR, logger="app"):
        get_logger("app").warning("dropped inside at_level")
    with caplog.at_level(logging.DEBUG, logger="app.db"):
        get_logger("app.db").debug("captured inside at_level")
    assert [r.getMessage() for r in caplog.records] == [
        "debug now captured",
        "warning kept",
        "captured inside at_level",
    ]


def test_forward_to_hands_loguru_records_to_a_stdlib_handler(
    configure: Configure, caplog: pytest.LogCaptureFixture
) -> None:
    """Records logged with loguru directly reach caplog through forward_to; stdlib records
    (get_logger's included) are not forwarded, caplog has them already."""
    configure()
    with forward_to(caplog.handler, level="ERROR"):
        loguru_logger.warning("below the level")
        loguru_logger.error("kept")
        get_logger("app").error("once")
    loguru_logger.error("after the block")
    assert [r.getMessage() for r in caplog.records] == ["kept", "once"]


def test_capture_logs_gives_json_layout_dicts(configure: Configure) -> None:
    configure()
    with capture_logs() as logs:
        get_logger("cap").info("hello %s", "there", extra={"request_id": "r1"})
        logging.getLogger("lib").warning("stdlib too")
    assert [(r["logger"], r["level"], r["message"]) for r in logs] == [
        ("cap", "INFO", "hello there"),
        ("lib", "WARNING", "stdlib too"),
    ]
    assert logs[0]["request_id"] == "r1"


def test_capture_logs_level(configure: Configure) -> None:
    configure(level="DEBUG")
    with capture_logs("warning") as logs:
        get_logger("cap").info("no")
        get_logger("cap").warning("yes")
    assert [r["message"] for r in logs] == ["yes"]

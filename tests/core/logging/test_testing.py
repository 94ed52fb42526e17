"""alonechat.core.logging.testing: caplog sees facade records; capture_logs collects them."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from alonechat.core.logging import LogConfig, get_logger
from alonechat.core.logging.testing import capture_logs, forward_to

Configure = Callable[..., LogConfig]


def test_caplog_sees_facade_and_stdlib_records_once(
    configure: Configure, caplog: pytest.LogCaptureFixture
) -> None:
    configure()
    with forward_to(caplog.handler):
        get_logger("app.facade").warning("from %s", "the facade")
        logging.getLogger("app.stdlib").warning("from stdlib")
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("app.facade", "WARNING", "from the facade"),
        ("app.stdlib", "WARNING", "from stdlib"),
    ]
    assert caplog.records[0].funcName == "test_caplog_sees_facade_and_stdlib_records_once"


def test_forward_to_stops_at_the_end_of_the_block(
    configure: Configure, caplog: pytest.LogCaptureFixture
) -> None:
    configure()
    with forward_to(caplog.handler, level="ERROR"):
        get_logger("app").warning("below the level")
        get_logger("app").error("kept")
    get_logger("app").error("after the block")
    assert [r.getMessage() for r in caplog.records] == ["kept"]


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

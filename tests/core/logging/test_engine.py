"""alonechat's own loguru logger: its sinks are not ``loguru.logger``'s handlers, and the
bridge brings records logged with ``loguru.logger`` in while the system is configured."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from loguru import logger as global_loguru

from alonechat.core.logging import LogConfig, get_logger, reset_logging
from alonechat.core.logging._engine import LOGURU
from alonechat.core.logging.testing import capture_logs
from tests.helpers import read_json, read_lines

Configure = Callable[..., LogConfig]


def _global_handlers() -> int:
    """How many handlers ``loguru.logger`` has (loguru has no public count)."""
    return len(vars(global_loguru)["_core"].handlers)


def test_handlers_on_loguru_logger_never_see_stdlib_records(
    configure: Configure, log_dir: Path
) -> None:
    """A handler someone adds to ``loguru.logger`` (an error tracker's) gets the records
    logged with it, once; stdlib records reach alonechat's file only."""
    configure(format_string="%(name)s %(message)s")
    seen: list[str] = []
    handler_id = global_loguru.add(lambda message: seen.append(message.record["message"]))
    try:
        get_logger("app").warning("stdlib record")
        global_loguru.warning("raw loguru record")
    finally:
        global_loguru.remove(handler_id)
    assert seen == ["raw loguru record"]
    assert read_lines(log_dir / "alonechat.log") == [
        "app stdlib record",
        f"{__name__} raw loguru record",
    ]


def test_removing_loguru_loggers_handlers_leaves_alonechats_sinks(
    configure: Configure, log_dir: Path
) -> None:
    """``loguru.logger.remove()`` (what loguru's exit function does) closes no sink of
    alonechat's: stdlib records are still written; raw loguru ones no longer arrive."""
    configure(format_string="%(message)s")
    global_loguru.remove()
    get_logger("app").warning("still written")
    global_loguru.warning("nowhere to go")
    assert read_lines(log_dir / "alonechat.log") == ["still written"]


def test_the_bridge_is_there_while_configured_or_capturing(
    configure: Configure, log_dir: Path
) -> None:
    """Raw loguru records reach alonechat's sinks while the system is configured and while
    capture_logs runs, never twice, and not after reset_logging."""
    before = _global_handlers()
    configure(format_string="%(message)s")
    with capture_logs() as captured:
        global_loguru.warning("configured and capturing")
    assert _global_handlers() == before + 1  # one bridge
    reset_logging()
    assert _global_handlers() == before
    global_loguru.warning("after reset")
    with capture_logs() as alone:
        global_loguru.warning("capturing only")
    assert [r["message"] for r in captured] == ["configured and capturing"]
    assert [r["message"] for r in alone] == ["capturing only"]
    assert read_lines(log_dir / "alonechat.log") == ["configured and capturing"]


def test_a_custom_loguru_level_crosses_the_bridge(configure: Configure, log_dir: Path) -> None:
    """A level defined on ``loguru.logger`` only is known to alonechat's logger too."""
    configure(format_string="%(levelname)s %(message)s")
    with contextlib.suppress(ValueError):  # defined by an earlier run in this process
        global_loguru.level("NOTICE_BRIDGE", no=25)
    global_loguru.log("NOTICE_BRIDGE", "custom")
    assert read_lines(log_dir / "alonechat.log") == ["NOTICE_BRIDGE custom"]
    assert LOGURU.level("NOTICE_BRIDGE").no == 25


def test_fields_alonechat_adds_stay_off_loguru_loggers_record(
    configure: Configure, log_dir: Path
) -> None:
    """Trace ids alonechat adds to a raw loguru record (an active span) reach its file, not
    the record other ``loguru.logger`` handlers see."""
    from opentelemetry.sdk.trace import TracerProvider

    configure(json_output=True)
    seen: list[dict[str, object]] = []
    handler_id = global_loguru.add(lambda message: seen.append(dict(message.record["extra"])))
    try:
        with TracerProvider().get_tracer("t").start_as_current_span("span"):
            global_loguru.info("raw in a span")
    finally:
        global_loguru.remove(handler_id)
    assert seen == [{}]
    (record,) = read_json(log_dir / "alonechat.log")
    assert len(record["trace_id"]) == 32


def test_a_stdlib_record_has_the_shape_of_loguru_own(configure: Configure) -> None:
    """The loguru record alonechat makes of a stdlib record has the keys and value types of
    one loguru makes itself (loguru 0.7), with the caller, thread, process, local time and
    ``log_context`` fields a user's format or filter reads."""
    import os
    import sys
    import threading
    from datetime import datetime, timedelta

    from alonechat.core.logging import log_context

    configure()
    records: list[dict[str, object]] = []
    handler_id = LOGURU.add(lambda message: records.append(dict(message.record)))
    error = ValueError("shape")
    try:
        with log_context(request_id="r-1"):
            LOGURU.opt(exception=error).warning("by loguru")
            line = sys._getframe().f_lineno + 1
            get_logger("shape").warning("by stdlib", exc_info=error)
    finally:
        LOGURU.remove(handler_id)
    ours, theirs = records[1], records[0]
    assert set(ours) - set(theirs) == {"_alonechat_stdlib"}
    for key, value in theirs.items():
        assert type(ours[key]) is type(value), key
    assert ours["extra"] == theirs["extra"] == {"request_id": "r-1"}
    assert (ours["name"], ours["message"], ours["line"]) == ("shape", "by stdlib", line)
    assert (ours["file"].name, ours["function"], ours["module"]) == (  # type: ignore[attr-defined]
        "test_engine.py",
        "test_a_stdlib_record_has_the_shape_of_loguru_own",
        "test_engine",
    )
    assert ours["thread"].id == threading.get_ident()  # type: ignore[attr-defined]
    assert ours["process"].id == os.getpid()  # type: ignore[attr-defined]
    assert ours["level"].name == "WARNING"  # type: ignore[attr-defined]
    assert ours["exception"].value is error  # type: ignore[attr-defined]
    when, then = ours["time"], theirs["time"]
    assert isinstance(when, datetime)
    assert isinstance(then, datetime)
    assert when.utcoffset() == then.utcoffset()
    assert abs(when - then) < timedelta(seconds=5)
    assert f"{when:YYYY-MM-DD}" == f"{then:YYYY-MM-DD}"  # loguru's own time tokens
    assert isinstance(ours["elapsed"], timedelta)

"""get_logger: stdlib calling conventions, caller info, levels, and never raising."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alonechat.core.logging import LogConfig, configure_logging, get_logger, getLogger
from tests.helpers import read_json, read_lines

Configure = Callable[..., LogConfig]


def records(log_dir: Path) -> list[dict[str, Any]]:
    return read_json(log_dir / "alonechat.log")


def test_one_logger_per_name() -> None:
    """get_logger caches one object per name, like logging.getLogger."""
    assert get_logger("a.b") is get_logger("a.b")
    assert get_logger("a.b") is not get_logger("a.c")
    assert get_logger("a").getChild("b") is get_logger("a.b")
    assert getLogger("x") is get_logger("x")
    assert get_logger().name == "root" == get_logger(None).name
    assert get_logger(__name__).name == __name__


def test_one_logger_per_name_across_threads() -> None:
    found: list[object] = []
    threads = [threading.Thread(target=lambda: found.append(get_logger("race"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(obj) for obj in found}) == 1


def test_every_level_method_writes_its_level(configure: Configure, log_dir: Path) -> None:
    configure(level="DEBUG", json_output=True)
    logger = get_logger("levels")
    logger.debug("d")
    logger.info("i")
    logger.warning("w")
    logger.warn("w2")
    logger.error("e")
    logger.critical("c")
    logger.fatal("f")
    logger.log(20, "via log")
    logger.log(25, "custom")
    got = [(r["level"], r["message"]) for r in records(log_dir)]
    assert got == [
        ("DEBUG", "d"),
        ("INFO", "i"),
        ("WARNING", "w"),
        ("WARNING", "w2"),
        ("ERROR", "e"),
        ("CRITICAL", "c"),
        ("CRITICAL", "f"),
        ("INFO", "via log"),
        ("Level 25", "custom"),
    ]


def test_percent_args_and_the_dict_form(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    logger = get_logger("fmt")
    logger.info("User %s from %s", "ann", "10.0.0.1")
    logger.info("%(user)s has %(n)d messages", {"user": "bob", "n": 3})
    logger.info("%d%% done", 50)
    assert [r["message"] for r in records(log_dir)] == [
        "User ann from 10.0.0.1",
        "bob has 3 messages",
        "50% done",
    ]


@pytest.mark.parametrize("text", ["{}", "{name} joined", "100%", "50% {0} %s", "%(x)s"])
def test_messages_without_args_are_written_unchanged(
    configure: Configure, log_dir: Path, text: str
) -> None:
    """Braces and lone % signs are never passed to str.format or %."""
    configure(json_output=True)
    get_logger("raw").info(text)
    assert records(log_dir)[0]["message"] == text


def test_mismatched_args_get_a_marker_and_never_raise(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    logger = get_logger("bad")
    logger.info("%s and %s", "one")
    logger.info("%d", "not a number")
    logger.info("no placeholder", "extra arg")
    messages = [r["message"] for r in records(log_dir)]
    assert len(messages) == 3
    assert messages[0].startswith("%s and %s [alonechat: message does not fit its args ('one',)")
    assert "not enough arguments" in messages[0]
    assert messages[1].startswith("%d [alonechat: message does not fit its args")
    assert messages[2].startswith("no placeholder [alonechat: message does not fit its args")


def test_non_string_messages_are_stringified(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    get_logger("obj").info({"k": 1})
    get_logger("obj").info(ValueError("boom"))
    assert [r["message"] for r in records(log_dir)] == ["{'k': 1}", "boom"]


def test_args_are_formatted_only_when_the_record_is_written(configure: Configure) -> None:
    configure(level="INFO")
    calls: list[str] = []

    class Expensive:
        def __str__(self) -> str:
            calls.append("str")
            return "expensive"

    get_logger("lazy").debug("value: %s", Expensive())
    assert calls == []
    get_logger("lazy").info("value: %s", Expensive())
    assert calls == ["str"]


def test_records_carry_the_callers_location(configure: Configure, log_dir: Path) -> None:
    """module, function, file and line are the caller's, not the facade's."""
    configure(json_output=True)
    logger = get_logger("where")
    line = sys._getframe().f_lineno + 1
    logger.info("here")
    record = records(log_dir)[0]
    assert record["logger"] == "where"
    assert record["module"] == "test_logger"
    assert record["function"] == "test_records_carry_the_callers_location"
    assert record["line"] == line
    assert record["file"] == __file__


def _helper_that_logs(logger: Any) -> None:
    logger.warning("from helper", stacklevel=2)


def test_stacklevel_reports_the_callers_caller(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    line = sys._getframe().f_lineno + 1
    _helper_that_logs(get_logger("stack"))
    record = records(log_dir)[0]
    assert record["function"] == "test_stacklevel_reports_the_callers_caller"
    assert record["line"] == line


def test_caller_location_in_text_format(configure: Configure, log_dir: Path) -> None:
    configure(format_string="%(name)s|%(module)s|%(funcName)s|%(lineno)d|%(message)s")
    line = sys._getframe().f_lineno + 1
    get_logger("txt").info("hi")
    assert read_lines(log_dir / "alonechat.log") == [
        f"txt|test_logger|test_caller_location_in_text_format|{line}|hi"
    ]


def test_exc_info_forms(configure: Configure, log_dir: Path) -> None:
    """exc_info=True, an exception instance and a sys.exc_info() tuple all log the traceback."""
    configure(json_output=True)
    logger = get_logger("exc")
    try:
        raise KeyError("missing")
    except KeyError as error:
        logger.error("as true", exc_info=True)
        logger.error("as instance", exc_info=error)
        logger.error("as tuple", exc_info=sys.exc_info())
        logger.exception("via exception()")
    error_outside = ValueError("later")
    logger.error("outside except", exc_info=error_outside)
    logger.error("no current exception", exc_info=True)
    got = records(log_dir)
    for record in got[:4]:
        assert record["exc_type"] == "KeyError"
        assert record["exc_message"] == "'missing'"
        assert "Traceback (most recent call last)" in record["exc_traceback"]
        assert 'raise KeyError("missing")' in record["exc_traceback"]
    assert got[4]["exc_type"] == "ValueError"
    assert "exc_type" not in got[5]


def test_exception_text_follows_the_line_in_text_files(configure: Configure, log_dir: Path) -> None:
    configure()
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        get_logger("exc").exception("division failed")
    text = (log_dir / "alonechat.log").read_text()
    assert "division failed\nTraceback (most recent call last):" in text
    assert text.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "division failed" in (log_dir / "alonechat_errors.log").read_text()


def test_stack_info_appends_the_stack(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    get_logger("stack").info("with stack", stack_info=True)
    message = records(log_dir)[0]["message"]
    assert message.startswith("with stack\nStack (most recent call last):\n")
    last_frame = message.splitlines()[-2]
    assert "in test_stack_info_appends_the_stack" in last_frame
    assert "alonechat" not in message


def test_extra_fields_reach_json(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    get_logger("extra").info(
        "Processing request",
        extra={"request_id": "r-1", "user_id": 7, "duration": 0.5, "message": "clash"},
    )
    record = records(log_dir)[0]
    assert record["message"] == "Processing request"
    assert (record["request_id"], record["user_id"], record["duration"]) == ("r-1", 7, 0.5)
    assert record["extra_message"] == "clash"


def test_extra_fields_in_format_string(configure: Configure, log_dir: Path) -> None:
    """%(request_id)s reads extra; a record without it shows '-' instead of failing."""
    configure(format_string="%(request_id)s %(levelname)s %(message)s")
    logger = get_logger("extra")
    logger.info("with", extra={"request_id": "r-9"})
    logger.info("without")
    assert read_lines(log_dir / "alonechat.log") == ["r-9 INFO with", "- INFO without"]


def test_levels_and_thresholds(configure: Configure) -> None:
    logger = get_logger("thresholds")
    assert logger.getEffectiveLevel() == 0  # unconfigured: loguru decides
    configure(level="WARNING", component_levels={"thresholds.db": "DEBUG"})
    assert logger.getEffectiveLevel() == 30
    assert not logger.isEnabledFor(20)
    assert logger.isEnabledFor(30)
    assert logger.getChild("db").getEffectiveLevel() == 10
    assert get_logger("thresholds.db.pool").isEnabledFor(10)
    assert not get_logger("thresholds.dbx").isEnabledFor(10)


def test_set_level_becomes_a_component_level(configure: Configure, log_dir: Path) -> None:
    configure(level="WARNING", json_output=True)
    logger = get_logger("tuned")
    logger.info("dropped")
    logger.setLevel("debug")
    logger.debug("kept")
    get_logger("other").info("dropped too")
    assert [r["message"] for r in records(log_dir)] == ["kept"]
    with pytest.raises(ValueError, match="tuned.setLevel level: invalid level 'LOUD'"):
        logger.setLevel("LOUD")


def test_set_level_before_configuring_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="auto_configure"):
        get_logger("early").setLevel("DEBUG")


def test_a_failing_call_never_raises(
    configure: Configure, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad extra keys or a bad level are reported on stderr; the application goes on."""
    configure(json_output=True)
    logger = get_logger("robust")

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no str")

    logger.info(Unprintable())
    logger.log("INFO", "string level")  # type: ignore[arg-type]
    logger.info("after")
    err = capsys.readouterr().err
    assert "robust: a logging call failed and was dropped: RuntimeError('no str')" in err
    assert "robust: log() level must be an int, got 'INFO'" in err
    assert [r["message"] for r in records(log_dir)] == ["after"]


def test_logging_before_configuration_goes_to_loguru_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before configure_logging, records reach loguru's own stderr sink."""
    from loguru import logger as loguru_logger

    handler_id = loguru_logger.add(sys.stderr, format="{name}|{message}")
    try:
        get_logger("early.bird").info("hello %s", "world")
    finally:
        loguru_logger.remove(handler_id)
    assert "early.bird|hello world" in capsys.readouterr().err


def test_configure_sees_loggers_made_before_it(log_dir: Path) -> None:
    logger = get_logger("made.early")
    configure_logging(LogConfig(log_dir=log_dir, console_output=False, level="ERROR"))
    logger.warning("dropped")
    logger.error("kept")
    assert [line.rsplit("| ", 1)[-1] for line in read_lines(log_dir / "alonechat.log")] == ["kept"]


def test_stack_info_deeper_than_the_stack_is_clamped(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    get_logger("deep").info("deep", stack_info=True, stacklevel=10_000)
    (record,) = records(log_dir)
    assert record["message"].startswith("deep\nStack (most recent call last):")
    outermost = sys._getframe()
    while outermost.f_back is not None:
        outermost = outermost.f_back
    assert record["function"] == outermost.f_code.co_name  # as stdlib: the outermost frame


def test_custom_level_names_match_stdlib(configure: Configure, log_dir: Path) -> None:
    import logging

    configure(level=1, json_output=True)
    logging.addLevelName(25, "NOTICE")
    try:
        get_logger("custom").log(25, "via facade")
        logging.getLogger("custom").log(25, "via stdlib")
    finally:
        del logging._levelToName[25], logging._nameToLevel["NOTICE"]
    assert [r["level"] for r in records(log_dir)] == ["NOTICE", "NOTICE"]

"""LogTimer, timed, RequestLogger and ExceptionLogger, asserted on the JSON they write."""

from __future__ import annotations

import asyncio
import inspect
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alonechat.core.logging import LogConfig, get_logger
from alonechat.core.logging.utils import ExceptionLogger, LogTimer, RequestLogger, timed
from tests.helpers import read_json, read_lines

Configure = Callable[..., LogConfig]


def test_log_timer_logs_name_and_duration(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    line = sys._getframe().f_lineno + 1
    with LogTimer("database_query") as timer:
        time.sleep(0.02)
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["operation"] == "database_query"
    assert record["status"] == "ok"
    assert record["level"] == "INFO"
    assert record["logger"] == __name__  # the module that created the timer
    assert timer.elapsed is not None
    assert 0.02 <= record["duration"] == timer.elapsed < 5
    assert record["message"] == f"database_query completed in {timer.elapsed * 1000:.2f} ms"
    assert record["function"] == "test_log_timer_logs_name_and_duration"
    assert record["line"] == line


def test_log_timer_reraises_and_logs_the_failure(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    error = ValueError("bad row")
    with pytest.raises(ValueError, match="bad row") as caught, LogTimer("import", "etl"):
        raise error
    assert caught.value is error
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["level"] == "ERROR"
    assert record["logger"] == "etl"
    assert (record["status"], record["error_type"]) == ("error", "ValueError")
    assert record["message"].startswith("import failed after ")
    assert record["message"].endswith(" ms: ValueError: bad row")
    assert record["duration"] >= 0


def test_log_timer_logger_and_level(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True, level="DEBUG")
    with LogTimer("quiet", logger=get_logger("perf"), level="debug"):
        pass
    (record,) = read_json(log_dir / "alonechat.log")
    assert (record["logger"], record["level"]) == ("perf", "DEBUG")


def test_log_timer_async(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)

    async def main() -> float | None:
        async with LogTimer("fetch") as timer:
            await asyncio.sleep(0.01)
        return timer.elapsed

    elapsed = asyncio.run(main())
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["duration"] == elapsed
    assert record["function"] == "main"


def test_timed_sync(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)

    @timed("api_call")
    def fetch_data(x: int, *, y: int = 2) -> int:
        """Fetch."""
        return x + y

    assert fetch_data(1, y=3) == 4
    assert fetch_data.__name__ == "fetch_data"
    assert fetch_data.__doc__ == "Fetch."
    assert str(inspect.signature(fetch_data)) == "(x: 'int', *, y: 'int' = 2) -> 'int'"
    line = sys._getframe().f_lineno + 1
    fetch_data(0)
    got = read_json(log_dir / "alonechat.log")
    assert [r["operation"] for r in got] == ["api_call", "api_call"]
    assert got[1]["line"] == line  # attributed to the call site
    assert got[1]["function"] == "test_timed_sync"


def test_timed_bare_and_default_name(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)

    @timed
    def bare() -> str:
        return "ok"

    @timed()
    def called() -> str:
        return "ok"

    assert bare() == called() == "ok"
    names = [r["operation"] for r in read_json(log_dir / "alonechat.log")]
    assert names == [
        "test_timed_bare_and_default_name.<locals>.bare",
        "test_timed_bare_and_default_name.<locals>.called",
    ]
    assert {r["logger"] for r in read_json(log_dir / "alonechat.log")} == {__name__}


def test_timed_async_stays_a_coroutine_function(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)

    @timed("async_op", logger="perf")
    async def work(delay: float) -> str:
        await asyncio.sleep(delay)
        return "done"

    assert inspect.iscoroutinefunction(work)
    assert asyncio.run(work(0.01)) == "done"
    (record,) = read_json(log_dir / "alonechat.log")
    assert (record["operation"], record["logger"], record["status"]) == ("async_op", "perf", "ok")
    assert record["duration"] >= 0.01


def test_timed_failure_propagates(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)

    @timed
    async def broken() -> None:
        raise KeyError("k")

    with pytest.raises(KeyError):
        asyncio.run(broken())
    (record,) = read_json(log_dir / "alonechat.log")
    assert (record["level"], record["error_type"]) == ("ERROR", "KeyError")


@pytest.mark.parametrize(
    ("status", "level"), [(200, "INFO"), (302, "INFO"), (404, "WARNING"), (503, "ERROR")]
)
def test_log_request_level_by_status(
    configure: Configure, log_dir: Path, status: int, level: str
) -> None:
    configure(json_output=True)
    RequestLogger().log_request("GET", "/api/users", status, 0.123, user="john_doe")
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["level"] == level
    assert record["logger"] == "alonechat.requests"
    assert (record["method"], record["path"], record["status_code"]) == (
        "GET",
        "/api/users",
        status,
    )
    assert (record["duration"], record["user"]) == (0.123, "john_doe")
    assert record["message"] == f"GET /api/users -> {status} in 123.00 ms"


def test_log_request_keeps_credentials_out(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    RequestLogger("http").log_request(
        "POST",
        "https://bob:hunter2@example.test/login?token=abc123&next=/home#frag",
        200,
        0.01,
        headers={"Authorization": "Bearer abc123", "Accept": "text/html", "Cookie": "s=abc123"},
        api_key="abc123",
        client="10.0.0.1",
    )
    text = (log_dir / "alonechat.log").read_text()
    assert "abc123" not in text
    assert "hunter2" not in text
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["path"] == "https://example.test/login"
    assert record["headers"] == {
        "Authorization": "[REDACTED]",
        "Accept": "text/html",
        "Cookie": "[REDACTED]",
    }
    assert (record["api_key"], record["client"]) == ("[REDACTED]", "10.0.0.1")


def test_log_websocket_event(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    requests = RequestLogger()
    requests.log_websocket_event(event_type="connect", user="john_doe")
    requests.log_websocket_event("error", reason="oversized frame")
    first, second = read_json(log_dir / "alonechat.log")
    assert (first["event_type"], first["user"], first["level"]) == ("connect", "john_doe", "INFO")
    assert first["message"] == "websocket connect (john_doe)"
    assert (second["level"], second["reason"]) == ("ERROR", "oversized frame")
    assert "user" not in second


def test_request_context_binds_a_request_id(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    requests = RequestLogger()
    with requests.request_context(path="/x") as request_id:
        get_logger("handler").info("inside")
        requests.log_request("GET", "/x", 200, 0.001)
    with requests.request_context("fixed-id") as fixed:
        get_logger("handler").info("second")
    got = read_json(log_dir / "alonechat.log")
    assert len(request_id) == 32
    assert [r["request_id"] for r in got] == [request_id, request_id, "fixed-id"]
    assert fixed == "fixed-id"


def test_log_exception_outside_the_except_block(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    try:
        try:
            {}["missing"]
        except KeyError as inner:
            raise RuntimeError("payment failed") from inner
    except RuntimeError as error:
        caught = error
    ExceptionLogger().log_exception(caught, context="Processing payment", order=7)
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["message"] == "Processing payment: RuntimeError: payment failed"
    assert (record["exc_type"], record["exc_message"]) == ("RuntimeError", "payment failed")
    assert (record["context"], record["order"]) == ("Processing payment", 7)
    trace = record["exc_traceback"]
    assert "KeyError: 'missing'" in trace
    assert "The above exception was the direct cause" in trace
    assert 'raise RuntimeError("payment failed") from inner' in trace
    errors = read_lines(log_dir / "alonechat_errors.log")
    assert len(errors) == 1  # JSON: one line, traceback inside


def test_log_exception_text_has_the_chain(configure: Configure, log_dir: Path) -> None:
    configure()
    try:
        raise ValueError("inner") from OSError("cause")
    except ValueError as error:
        ExceptionLogger("exc").log_exception(error, level="WARNING")
    text = (log_dir / "alonechat.log").read_text()
    assert "WARNING" in text
    assert "OSError: cause" in text
    assert "ValueError: inner" in text


def test_credentials_in_header_lists_and_more_names(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    RequestLogger().log_request(
        "GET",
        "/x",
        200,
        0.01,
        headers=[(b"authorization", b"Bearer abc123"), (b"accept", b"*/*")],
        auth="abc123",
        bearer="abc123",
        credentials={"user": "u"},
    )
    assert "abc123" not in (log_dir / "alonechat.log").read_text()
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["headers"][0][1] == "[REDACTED]"
    assert record["headers"][1] == ["b'accept'", "b'*/*'"]
    assert record["credentials"] == "[REDACTED]"


def test_timed_refuses_generator_functions() -> None:
    def numbers() -> Any:
        yield 1

    with pytest.raises(TypeError, match="numbers is a generator function"):
        timed(numbers)


def test_a_cancelled_block_is_not_a_failure(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)

    async def main() -> None:
        async def slow() -> None:
            async with LogTimer("slow"):
                await asyncio.sleep(10)

        task = asyncio.create_task(slow())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    (record,) = read_json(log_dir / "alonechat.log")
    assert (record["level"], record["status"]) == ("WARNING", "cancelled")
    assert record["message"].startswith("slow cancelled after ")


def test_fields_named_like_log_record_attributes_are_renamed(
    configure: Configure, log_dir: Path
) -> None:
    """A field stdlib would refuse in ``extra`` (``name``, ``message``...) is kept as
    ``extra_<name>`` instead of raising."""
    configure(json_output=True)
    RequestLogger().log_request("GET", "/", 200, 0.01, name="n", message="m")
    RequestLogger().log_websocket_event("message", module="chat")
    ExceptionLogger().log_exception(ValueError("x"), filename="f.csv")
    got = read_json(log_dir / "alonechat.log")
    assert (got[0]["extra_name"], got[0]["extra_message"]) == ("n", "m")
    assert got[1]["extra_module"] == "chat"
    assert got[2]["extra_filename"] == "f.csv"

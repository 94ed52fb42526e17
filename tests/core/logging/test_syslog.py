"""The syslog sink against a real rsyslog: RFC 5424 over UDP, TCP and a unix socket."""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import os
import re
import resource
import signal
import socket
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from loguru import logger as loguru_logger

from alonechat.core.logging import (
    LogConfig,
    auto_configure,
    configure_logging,
    get_logger,
    reset_logging,
)
from tests.helpers import free_port, run_python
from tests.rsyslog import Rsyslog, running_rsyslog


@pytest.fixture
def rsyslog(tmp_path: Path) -> Iterator[Rsyslog]:
    with running_rsyslog(tmp_path / "rsyslog") as server:
        yield server


def _syslog_only(address: str, **fields: Any) -> LogConfig:
    """Configure logging to syslog only (no console, no files)."""
    return configure_logging(
        LogConfig(console_output=False, file_output=False, syslog_address=address, **fields)
    )


def _numbers(lines: list[list[str]]) -> list[int]:
    """N of each received "record N" message, in the order received."""
    return [int(json.loads(line[6])["message"].split()[1]) for line in lines]


def _unused_tcp_address() -> str:
    """A TCP address nobody listens on."""
    return f"tcp://127.0.0.1:{free_port()}"


def _address(server: Rsyslog, transport: str) -> str:
    if transport == "unix":
        return f"unix://{server.socket}"
    port = server.udp if transport == "udp" else server.tcp
    return f"{transport}://127.0.0.1:{port}"


@pytest.mark.parametrize("transport", ["udp", "tcp", "unix"])
def test_every_record_arrives_once_with_its_severity(rsyslog: Rsyslog, transport: str) -> None:
    configure_logging(
        LogConfig(
            level="DEBUG",
            console_output=False,
            file_output=False,
            syslog_address=_address(rsyslog, transport),
            syslog_facility="local4",
            syslog_app_name="chat-api",
        )
    )
    log = get_logger("AloneChat.server")
    log.debug("record %d", 0)
    log.info("record %d", 1, extra={"user": "ann", "tags": ["a", "b"], "n": 3})
    loguru_logger.success("record 2")
    log.warning("record 3 with a | bar and ünïcode")
    log.error("record 4")
    log.critical("record 5")
    logging.getLogger("thirdparty").warning("record 6")  # stdlib, intercepted
    try:
        raise KeyError("gone")
    except KeyError:
        log.exception("record 7")
    for i in range(8, 108):  # a burst
        log.info("record %d", i)
    reset_logging()  # sends what is queued

    rsyslog.wait_for(108)
    time.sleep(0.2)  # a duplicate would arrive now
    rsyslog.stop()  # writes out everything received
    lines = rsyslog.lines()
    bodies = [json.loads(line[6]) for line in lines]
    assert sorted(int(b["message"].split()[1]) for b in bodies) == list(range(108))
    by_number = {
        int(b["message"].split()[1]): (line, b) for line, b in zip(lines, bodies, strict=True)
    }
    severities = {n: int(by_number[n][0][0]) for n in range(8)}
    assert severities == {0: 7, 1: 6, 2: 5, 3: 4, 4: 3, 5: 2, 6: 4, 7: 3}
    for line, _ in by_number.values():
        assert line[1:4] == ["20", "chat-api", str(os.getpid())]  # local4 is facility 20
        assert line[5] == socket.gethostname()
    info = by_number[1][1]
    assert (info["logger"], info["user"], info["tags"], info["n"]) == (
        "AloneChat.server",
        "ann",
        ["a", "b"],
        3,
    )
    assert by_number[3][1]["message"] == "record 3 with a | bar and ünïcode"
    assert by_number[6][1]["logger"] == "thirdparty"
    error = by_number[7][1]
    assert error["exc_type"] == "KeyError"
    assert 'raise KeyError("gone")' in error["exc_traceback"]


def test_secrets_are_masked_before_they_leave_the_process(rsyslog: Rsyslog) -> None:
    auto_configure("production", log_dir="logs", syslog_address=_address(rsyslog, "tcp"))
    get_logger("auth").info("login password=hunter2", extra={"api_key": "k-123"})
    reset_logging()
    ((*_, body),) = rsyslog.wait_for(1)
    assert "hunter2" not in body
    assert "k-123" not in body
    record = json.loads(body)
    assert record["message"] == "login password=[REDACTED]"


def test_ecs_records_go_to_syslog_too(rsyslog: Rsyslog) -> None:
    configure_logging(
        LogConfig(
            console_output=False,
            file_output=False,
            json_schema="ecs",
            syslog_address=_address(rsyslog, "udp"),
        )
    )
    get_logger("svc").warning("as ecs")
    reset_logging()
    ((*_, body),) = rsyslog.wait_for(1)
    record = json.loads(body)
    assert (record["log.level"], record["message"], record["log"]["logger"]) == (
        "warning",
        "as ecs",
        "svc",
    )


def test_a_stopped_server_never_blocks_and_held_records_arrive_when_it_is_back(
    rsyslog: Rsyslog, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(
        LogConfig(
            console_output=False,
            file_output=False,
            syslog_address=(address := _address(rsyslog, "tcp")),
            syslog_buffer=20,
        )
    )
    log = get_logger("svc")
    log.info("record 0")
    assert len(rsyslog.wait_for(1)) == 1
    rsyslog.stop()

    def burst() -> None:
        for i in range(1, 51):
            log.info("record %d", i)

    caller = threading.Thread(target=burst)
    caller.start()
    caller.join(30)  # the calls return although nobody receives them
    assert not caller.is_alive()
    warnings = capfd.readouterr().err.splitlines()
    deadline = time.monotonic() + 10
    while not any("unreachable" in w for w in warnings) and time.monotonic() < deadline:
        time.sleep(0.05)  # the sender notices the outage on its own time
        warnings += capfd.readouterr().err.splitlines()
    # one warning that the server is unreachable (and, if the burst filled the buffer before
    # the sender noticed, one that messages are dropped); none per record
    outage = [w for w in warnings if "unreachable" in w]
    assert len(outage) == 1, warnings
    assert outage[0].startswith(f"alonechat: syslog server {address} unreachable")
    assert set(warnings) - set(outage) <= {
        f"alonechat: syslog: dropping messages for {address}: more than 20 messages wait to be sent"
    }

    rsyslog.start()
    lines = rsyslog.wait_for(21)
    assert _numbers(lines) == list(range(21))  # the 20 held records, in order; the rest dropped
    log.info("record 51")  # logging goes on over the new connection
    reset_logging()
    assert len(rsyslog.wait_for(22)) == 22
    assert "reachable again; 30 messages dropped" in capfd.readouterr().err


def test_no_server_at_all_costs_the_application_nothing(
    capfd: pytest.CaptureFixture[str],
) -> None:
    _syslog_only(_unused_tcp_address())
    for i in range(100):
        get_logger("svc").info("record %d", i)
    reset_logging()  # gives up at once: the server is known to be unreachable
    err = capfd.readouterr().err
    assert err.count("alonechat: syslog server") == 1
    assert "Connection refused" in err


@pytest.mark.parametrize("transport", ["udp", "unix"])
def test_datagrams_to_a_stopped_server_are_dropped_with_one_warning(
    rsyslog: Rsyslog, transport: str, capfd: pytest.CaptureFixture[str]
) -> None:
    address = _address(rsyslog, transport)
    _syslog_only(address)
    log = get_logger("svc")
    log.info("record 0")
    assert len(rsyslog.wait_for(1)) == 1
    rsyslog.stop()
    for i in range(1, 200):
        log.info("record %d", i)
    warnings = capfd.readouterr().err.splitlines()
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"alonechat: syslog server {address} unreachable")
    assert warnings[0].endswith("dropping messages until it is back")


@pytest.mark.parametrize("transport", ["udp", "tcp", "unix"])
def test_a_record_too_long_for_the_server_is_cut_and_stays_json(
    rsyslog: Rsyslog, transport: str
) -> None:
    _syslog_only(_address(rsyslog, transport))
    log = get_logger("svc")
    log.info("big %s", "m" * 20_000, extra={"body": "b" * 20_000, "small": "kept"})
    try:
        raise ValueError("v" * 5_000)
    except ValueError:
        log.exception("failed")
    log.info("wide", extra={f"field_{i}": str(i) * 1000 for i in range(20)})
    reset_logging()
    bodies = [json.loads(line[6]) for line in rsyslog.wait_for(3)]  # rsyslog's 8096-byte limit
    big, failed, wide = bodies
    assert big["message"].startswith("big mmm")
    assert big["message"].endswith("more characters cut]")
    assert big["body"].endswith("more characters cut]")
    assert big["small"] == "kept"
    assert failed["exc_type"] == "ValueError"
    assert "more characters cut]" in failed["exc_traceback"]
    assert all(wide[f"field_{i}"].startswith(str(i) * 100) for i in range(20))  # all cut alike


def test_held_records_survive_a_handler_replacement(rsyslog: Rsyslog) -> None:
    settings = {
        "console_output": False,
        "file_output": False,
        "syslog_address": _address(rsyslog, "tcp"),
    }
    configure_logging(LogConfig(**settings, diagnose=False))
    configure_logging(LogConfig(**settings, diagnose=True))  # a new handler, the same sink
    rsyslog.stop()
    for i in range(5):
        get_logger("svc").info("record %d", i)
    rsyslog.start()  # nothing is logged after this: the sink's thread delivers them
    assert _numbers(rsyslog.wait_for(5)) == list(range(5))


def test_a_stuck_unix_socket_does_not_stall_the_application(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = Path(tempfile.mkdtemp(prefix="rs")) / "stuck"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as stuck:  # bound, never read
        stuck.bind(str(path))
        _syslog_only(f"unix://{path}")

        def burst() -> None:
            for i in range(300):
                get_logger("svc").info("record %d", i)

        callers = [threading.Thread(target=burst) for _ in range(4)]
        for caller in callers:
            caller.start()
        for caller in callers:  # 1,200 waits of 0.1 s would take 2 minutes
            caller.join(60)
        assert not any(caller.is_alive() for caller in callers)
        reset_logging()
    path.unlink()
    path.parent.rmdir()
    warnings = capfd.readouterr().err.splitlines()
    assert warnings == [
        f"alonechat: syslog: dropping messages for unix://{path}: the server is not keeping up"
    ]


def test_many_open_files_do_not_stop_tcp_delivery(rsyslog: Rsyslog) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if max(soft, hard if hard != resource.RLIM_INFINITY else 4096) < 1200:
        pytest.skip("cannot open 1,200 files here")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]  # sockets get fds > 1024
    try:
        _syslog_only(_address(rsyslog, "tcp"))
        for i in range(3):
            get_logger("svc").info("record %d", i)
        assert len(rsyslog.wait_for(3)) == 3
        get_logger("svc").info("record 3")  # the connection is checked before each batch
        reset_logging()
        assert len(rsyslog.wait_for(4)) == 4
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_unsent_records_are_reported_when_the_sink_stops(
    capfd: pytest.CaptureFixture[str],
) -> None:
    _syslog_only(address := _unused_tcp_address())
    for i in range(5):
        get_logger("svc").info("record %d", i)
    time.sleep(0.3)  # the sender tried, and found nobody
    reset_logging()
    err = capfd.readouterr().err
    assert f"alonechat: syslog: 5 messages for {address} never sent" in err


def test_what_cannot_be_cut_to_size_is_dropped_with_a_warning(
    rsyslog: Rsyslog, capfd: pytest.CaptureFixture[str]
) -> None:
    address = _address(rsyslog, "udp")
    _syslog_only(address, syslog_max_bytes=480)
    log = get_logger("svc")
    log.info("many short fields", extra={f"field_{i}": "x" * 20 for i in range(40)})
    log.info("fits")
    reset_logging()
    ((*_, body),) = rsyslog.wait_for(1)
    assert json.loads(body)["message"] == "fits"
    err = capfd.readouterr().err
    assert re.fullmatch(
        f"alonechat: syslog: dropping messages for {address}: a [0-9]+-byte message does not "
        "fit max_bytes\n",
        err,
    )


def test_a_datagram_larger_than_udp_allows_is_dropped_with_a_warning(
    rsyslog: Rsyslog, capfd: pytest.CaptureFixture[str]
) -> None:
    address = _address(rsyslog, "udp")
    _syslog_only(address, syslog_max_bytes=200_000, max_message_length=100_000)
    get_logger("svc").info("huge %s", "x" * 70_000)
    get_logger("svc").info("after")
    reset_logging()
    ((*_, body),) = rsyslog.wait_for(1)
    assert json.loads(body)["message"] == "after"
    err = capfd.readouterr().err
    assert err.startswith(f"alonechat: syslog: dropping messages for {address}: a ")
    assert err.endswith("-byte message is too large for a datagram\n")


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_a_forked_child_sends_its_own_records(rsyslog: Rsyslog, transport: str) -> None:
    _syslog_only(_address(rsyslog, transport))
    log = get_logger("svc")
    log.info("parent before fork")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        try:
            log.info("child")
            reset_logging()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    log.info("parent after fork")
    reset_logging()
    lines = rsyslog.wait_for(3)
    assert sorted((line[3], json.loads(line[6])["message"]) for line in lines) == sorted(
        [
            (str(os.getpid()), "parent before fork"),
            (str(pid), "child"),
            (str(os.getpid()), "parent after fork"),
        ]
    )


def test_stopping_with_a_server_that_reads_nothing_is_bounded_and_reported(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as server:  # accepts, never reads: the sender blocks in sendall
        server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        _syslog_only(address)
        for i in range(2_000):
            get_logger("svc").info("record %d %s", i, "x" * 4000)
        stopper = threading.Thread(target=reset_logging)
        stopper.start()
        stopper.join(30)  # about 3 s at most: the sink gives up on the queue, it does not hang
        assert not stopper.is_alive()
    err = capfd.readouterr().err
    assert re.search(f"alonechat: syslog: [0-9]+ messages for {address} never sent", err), err
    get_logger("svc").info("after the stop")  # no sink any more: nothing, no error
    assert capfd.readouterr().err == ""


def test_a_stopped_sink_drops_late_records_with_one_warning(
    rsyslog: Rsyslog, capfd: pytest.CaptureFixture[str]
) -> None:
    from alonechat.core.logging._syslog import SyslogSink

    for transport in ("udp", "tcp"):
        address = _address(rsyslog, transport)
        sink = SyslogSink(address, facility="user", app="late", buffer=10, max_bytes=8096)
        handler = loguru_logger.add(sink, format="{message}")
        loguru_logger.info("before")
        sink.stop()
        for _ in range(3):
            loguru_logger.info("late")  # e.g. from a handler loguru had already picked
        loguru_logger.remove(handler)
        assert capfd.readouterr().err == (
            f"alonechat: syslog: dropping messages for {address}: "
            "the sink is stopped (reconfigured, or at exit)\n"
        )
    assert [line[6].strip() for line in rsyslog.wait_for(2)] == ["before", "before"]


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_records_queued_at_exit_reach_the_server(rsyslog: Rsyslog, transport: str) -> None:
    code = (
        "from alonechat.core.logging import LogConfig, configure_logging, get_logger\n"
        "configure_logging(LogConfig(console_output=False, file_output=False, enqueue=True,\n"
        f"                             syslog_address={_address(rsyslog, transport)!r}))\n"
        "for i in range(50):\n"
        "    get_logger('svc').info('record %d', i)\n"
        # no reset: the interpreter exits with records queued in the writer and the sink
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert sorted(_numbers(rsyslog.wait_for(50))) == list(range(50))


def _child_logs(address: str) -> None:
    _syslog_only(address, enqueue=True)
    for i in range(20):
        get_logger("child").info("record %d", i)


def test_a_multiprocessing_child_sends_everything_before_it_ends(rsyslog: Rsyslog) -> None:
    child = multiprocessing.get_context("fork").Process(
        target=_child_logs, args=(_address(rsyslog, "tcp"),)
    )
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert sorted(_numbers(rsyslog.wait_for(20))) == list(range(20))


@pytest.mark.parametrize("spelling", [str.lower, str.upper])  # TCP:// is tcp:// too
def test_sigterm_sends_what_a_tcp_sink_holds(
    rsyslog: Rsyslog, spelling: Callable[[str], str]
) -> None:
    address = spelling(_address(rsyslog, "tcp"))
    code = (
        "import os, signal\n"
        "from alonechat.core.logging import LogConfig, configure_logging, get_logger\n"
        "configure_logging(LogConfig(console_output=False, file_output=False,\n"
        f"                             syslog_address={address!r}))\n"
        "for i in range(3000):\n"
        "    get_logger('svc').info('record %d', i)\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
    )
    result = run_python(code)
    assert result.returncode == -signal.SIGTERM, result.stderr  # terminated as before
    assert len(rsyslog.wait_for(3000)) == 3000


def test_a_stopped_tcp_sink_is_freed(rsyslog: Rsyslog) -> None:
    from alonechat.core.logging import LoggingManager

    _syslog_only(_address(rsyslog, "tcp"))
    get_logger("svc").info("starts the sender")
    (sink,) = LoggingManager()._sinks.values()
    freed = weakref.ref(sink)
    del sink
    reset_logging()
    gc.collect()
    assert freed() is None

"""enqueue=True: the caller hands records over; nothing is lost at reconfiguration, exit,
SIGTERM or fork, and a stuck sink cannot hang shutdown."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from alonechat.core.logging import (
    LogConfig,
    LoggingManager,
    get_logger,
    log_context,
    reset_logging,
    stats,
)
from alonechat.core.logging._engine import LOGURU
from tests.helpers import read_json, read_lines, run_python, start_python

Configure = Callable[..., LogConfig]


def test_caller_thread_time_and_context_are_the_callers(
    configure: Configure, log_dir: Path
) -> None:
    configure(enqueue=True, json_output=True)
    before = time.time()

    def work() -> None:
        with log_context(request_id="r-7"):
            get_logger("queued").info("from %s", "worker")

    thread = threading.Thread(target=work, name="producer")
    line = work.__code__.co_firstlineno + 2
    thread.start()
    thread.join()
    reset_logging()
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["message"] == "from worker"
    assert (record["function"], record["line"], record["file"]) == ("work", line, __file__)
    assert record["module"] == "test_deferred"
    assert record["thread"] == "producer"
    assert record["request_id"] == "r-7"
    assert before <= time.mktime(time.strptime(record["time"][:19], "%Y-%m-%dT%H:%M:%S")) + 1


def test_stdlib_records_are_deferred_too(configure: Configure, log_dir: Path) -> None:
    configure(enqueue=True, json_output=True)
    line = sys._getframe().f_lineno + 1
    logging.getLogger("lib.queued").warning("stdlib %d", 1, extra={"k": "v"})
    reset_logging()
    (record,) = read_json(log_dir / "alonechat.log")
    assert (record["logger"], record["message"], record["k"]) == ("lib.queued", "stdlib 1", "v")
    assert record["line"] == line


def test_fields_show_their_values_at_the_call(configure: Configure, log_dir: Path) -> None:
    configure(enqueue=True, json_output=True)
    gate = threading.Event()
    writer = LoggingManager().deferred
    assert writer is not None
    writer.put(gate.wait, 10)  # the writer waits: every record below is written later
    items, user = ["a"], {"name": "ann"}
    get_logger("queued").info("facade", extra={"items": items, "user": user, "n": 1})
    logging.getLogger("lib").info("stdlib", extra={"items": items})
    items.append("changed later")
    user["name"] = "changed later"
    gate.set()
    reset_logging()
    facade, stdlib = read_json(log_dir / "alonechat.log")
    assert (facade["items"], facade["user"], facade["n"]) == (["a"], {"name": "ann"}, 1)
    assert stdlib["items"] == ["a"]


def test_reconfiguring_writes_the_queue_under_the_old_configuration(
    configure: Configure, tmp_path: Path
) -> None:
    configure(enqueue=True, log_dir=tmp_path / "a", format_string="%(message)s")
    for index in range(2000):
        get_logger("q").info("%d", index)
    configure(enqueue=True, log_dir=tmp_path / "b", format_string="%(message)s")
    get_logger("q").info("after")
    reset_logging()
    assert read_lines(tmp_path / "a" / "alonechat.log") == [str(i) for i in range(2000)]
    assert read_lines(tmp_path / "b" / "alonechat.log") == ["after"]


def _script(tmp_path: Path, body: str) -> subprocess.Popen[str]:
    """Start ``body`` after a deferred configuration, in tmp_path; stdout and stderr piped."""
    code = (
        "import os, signal, sys, time\n"
        "from alonechat.core.logging import LogConfig, configure_logging, get_logger\n"
        "configure_logging(LogConfig(log_dir='logs', console_output=False, enqueue=True,\n"
        "                            format_string='%(message)s'))\n"
        "log = get_logger('app')\n" + textwrap.dedent(body)
    )
    return start_python("-c", code, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_interpreter_exit_writes_everything_queued(tmp_path: Path) -> None:
    with _script(tmp_path, "for i in range(20000):\n    log.info('%d', i)\n") as process:
        process.communicate(timeout=60)
    assert process.returncode == 0
    assert read_lines(tmp_path / "logs" / "alonechat.log") == [str(i) for i in range(20000)]


def test_sigterm_writes_everything_queued_then_terminates(tmp_path: Path) -> None:
    with _script(
        tmp_path,
        """
        for i in range(20000):
            log.info('%d', i)
        print('logged', flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
        """,
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline() == "logged\n"
        process.communicate(timeout=60)
    assert process.returncode == -signal.SIGTERM  # still terminated by the signal
    assert read_lines(tmp_path / "logs" / "alonechat.log") == [str(i) for i in range(20000)]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_fork_with_records_queued(configure: Configure, log_dir: Path) -> None:
    """The child neither deadlocks nor writes the parent's queued records again."""
    configure(enqueue=True, format_string="%(message)s")
    logger = get_logger("forked")
    for index in range(3000):
        logger.info("parent %d", index)
    pid = os.fork()
    if pid == 0:  # the child: log, flush, leave without running the parent's cleanup
        try:
            for index in range(100):
                logger.info("child %d", index)
            LoggingManager().reset()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    reset_logging()
    lines = read_lines(log_dir / "alonechat.log")
    assert sorted(lines) == sorted(
        [f"parent {i}" for i in range(3000)] + [f"child {i}" for i in range(100)]
    )


def test_a_stuck_sink_cannot_hang_shutdown(
    configure: Configure, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(enqueue=True, file_output=False)
    release = threading.Event()
    handler_id = LOGURU.add(lambda message: release.wait(30))
    writer = LoggingManager()._writer
    writer.timeout = 0.2
    try:
        get_logger("stuck").info("blocks the writer")
        started = time.monotonic()
        reset_logging()
        assert time.monotonic() - started < 5
        assert "gave up waiting for queued records after 0.2s" in capsys.readouterr().err
    finally:
        writer.timeout = 5.0
        release.set()
        LOGURU.remove(handler_id)


def test_records_from_late_exit_functions_are_written(tmp_path: Path) -> None:
    """An atexit function registered before logging was configured runs after the writer
    closed: its record is written by the caller itself."""
    result = run_python(
        "import atexit\n"
        "from alonechat.core.logging import LogConfig, configure_logging, get_logger\n"
        "atexit.register(lambda: get_logger('app').info('bye'))\n"
        "configure_logging(LogConfig(log_dir='logs', console_output=False, enqueue=True,\n"
        "                            format_string='%(message)s'))\n"
        "get_logger('app').info('hello')\n",
        tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert read_lines(tmp_path / "logs" / "alonechat.log") == ["hello", "bye"]


def _hold_the_writer(gate: threading.Event) -> None:
    """Make the writer wait on ``gate``, and return once it does (nothing else queued)."""
    writer = LoggingManager()._writer
    writer.put(gate.wait, 30)
    deadline = time.monotonic() + 10
    while writer.queued and time.monotonic() < deadline:
        time.sleep(0.001)
    assert writer.queued == 0


def test_a_full_queue_drops_the_newest_records_and_counts_them(
    configure: Configure, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(enqueue=True, queue_size=100, queue_full="drop", format_string="%(message)s")
    before = stats()["dropped_from_queue"]
    gate = threading.Event()
    _hold_the_writer(gate)
    for index in range(500):
        get_logger("flood").info("%d", index)
    assert stats()["queued"] == 100
    assert stats()["dropped_from_queue"] - before == 400
    gate.set()
    reset_logging()
    assert read_lines(log_dir / "alonechat.log") == [str(i) for i in range(100)]
    err = capsys.readouterr().err
    assert err.count("the log queue is full (100 records") == 1
    assert "400 records dropped since" in err


def test_a_full_queue_blocks_the_caller_until_there_is_room(
    configure: Configure, log_dir: Path
) -> None:
    configure(enqueue=True, queue_size=10, format_string="%(message)s")
    gate = threading.Event()
    _hold_the_writer(gate)
    for index in range(10):
        get_logger("flood").info("%d", index)
    blocked = threading.Thread(target=get_logger("flood").info, args=("the eleventh",))
    blocked.start()
    blocked.join(0.3)
    assert blocked.is_alive()  # waiting for room
    gate.set()
    blocked.join(10)
    reset_logging()
    assert read_lines(log_dir / "alonechat.log") == [*map(str, range(10)), "the eleventh"]


def test_a_stuck_writer_cannot_block_the_caller_for_ever(
    configure: Configure, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(enqueue=True, queue_size=5, format_string="%(message)s")
    writer = LoggingManager()._writer
    writer.timeout = 0.2
    before = stats()["dropped_from_queue"]
    gate = threading.Event()
    try:
        _hold_the_writer(gate)
        started = time.monotonic()
        for index in range(20):
            get_logger("stuck").info("%d", index)
        assert time.monotonic() - started < 5  # one wait of 0.2 s, then no more waiting
        assert stats()["dropped_from_queue"] - before == 15
        assert "the writer made no progress for 0.2s" in capsys.readouterr().err
    finally:
        gate.set()
        writer.timeout = 5.0
    reset_logging()
    assert read_lines(log_dir / "alonechat.log") == [str(i) for i in range(5)]


def test_a_producer_faster_than_the_writer_keeps_memory_flat_and_sigterm_ends_it(
    tmp_path: Path,
) -> None:
    """Two threads log as fast as they can for 3 s: memory stays flat (the queue holds at
    most queue_size records); SIGTERM then writes what was queued and ends the process
    within the bound, and each thread's records are in the file with no gap."""
    with _script(
        tmp_path,
        """
        import resource, threading
        def flood(name):
            index = 0
            while True:
                log.info('%s %d', name, index)
                index += 1
        def rss_mb():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log.info('warm-up')
        start = rss_mb()
        for name in 'ab':
            threading.Thread(target=flood, args=(name,), daemon=True).start()
        time.sleep(3)
        print(f'{rss_mb() - start:.1f}', flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
        """,
    ) as process:
        assert process.stdout is not None
        grown = float(process.stdout.readline())
        terminated = time.monotonic()
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGTERM
    assert time.monotonic() - terminated < 5 + 2  # the flush bound, and the exit itself
    assert grown < 25, f"RSS grew by {grown} MB"  # unbounded: hundreds of MB in 3 s
    lines = read_lines(tmp_path / "logs" / "alonechat.log")
    assert lines[0] == "warm-up"
    for name in "ab":
        numbers = [int(line.split()[1]) for line in lines if line.startswith(f"{name} ")]
        assert numbers == list(range(len(numbers)))  # none lost, duplicated or torn
        assert len(numbers) > 1000


@pytest.mark.parametrize("enqueue", [False, True])
def test_records_from_a_signal_handler_are_all_written(tmp_path: Path, enqueue: bool) -> None:
    """A timer signal logs while the main thread is inside its own logging calls (with
    enqueue: inside the queue's own lock): every record of both is written, nothing goes to
    stderr, and nothing hangs."""
    result = run_python(
        textwrap.dedent(
            f"""
            import signal, time
            from alonechat.core.logging import LogConfig, configure_logging, get_logger
            configure_logging(LogConfig(log_dir='logs', console_output=False,
                                        format_string='%(message)s', max_bytes=10**9,
                                        enqueue={enqueue}))
            log = get_logger('app')
            fired = 0
            def handler(signum, frame):
                global fired
                fired += 1
                log.warning('signal %d', fired)
            signal.signal(signal.SIGALRM, handler)
            signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
            index, end = 0, time.monotonic() + 2
            while time.monotonic() < end:
                log.info('main %d', index)
                index += 1
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            print(index, fired)
            """
        ),
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    logged, fired = map(int, result.stdout.split())
    lines = read_lines(tmp_path / "logs" / "alonechat.log")
    assert [line for line in lines if line.startswith("main")] == [
        f"main {i}" for i in range(logged)
    ]
    assert sorted(line for line in lines if line.startswith("signal")) == sorted(
        f"signal {i}" for i in range(1, fired + 1)
    )
    assert fired > 100


@pytest.mark.parametrize("enqueue", [False, True])
def test_records_logged_while_the_interpreter_exits_are_written(
    tmp_path: Path, enqueue: bool
) -> None:
    """An exit function registered before loguru was imported runs after loguru's own
    (which removes every loguru handler): its record is written all the same, as stdlib
    writes it."""
    result = run_python(
        textwrap.dedent(
            f"""
            import atexit, logging
            atexit.register(lambda: logging.getLogger('app').warning('registered first'))
            from alonechat.core.logging import LogConfig, configure_logging, get_logger
            configure_logging(LogConfig(log_dir='logs', enqueue={enqueue},
                                        format_string='%(message)s'))
            atexit.register(lambda: get_logger('app').warning('registered last'))
            get_logger('app').warning('main')
            """
        ),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    expected = ["main", "registered last", "registered first"]
    assert read_lines(tmp_path / "logs" / "alonechat.log") == expected
    assert result.stderr.splitlines() == expected


def test_a_sink_that_logs_never_stalls_a_full_queue(configure: Configure, log_dir: Path) -> None:
    """With a small queue and callers waiting for room, a sink that logs through stdlib
    (from the writer thread) is never made to wait for them: nothing is dropped, every
    record is written once."""
    configure(enqueue=True, queue_size=10, format_string="%(message)s")
    seen = 0

    def chatty(message: object) -> None:
        nonlocal seen
        seen += 1
        if seen % 50 == 0:
            get_logger("sink").info("sink note %d", seen)

    handler_id = LOGURU.add(chatty)
    before = stats()["dropped_from_queue"]
    try:
        workers = [
            threading.Thread(
                target=lambda n=n: [get_logger("load").info("%d-%d", n, i) for i in range(300)]
            )
            for n in range(2)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        reset_logging()
    finally:
        LOGURU.remove(handler_id)
    assert stats()["dropped_from_queue"] == before
    lines = read_lines(log_dir / "alonechat.log")
    assert sorted(line for line in lines if not line.startswith("sink")) == sorted(
        f"{n}-{i}" for n in range(2) for i in range(300)
    )
    assert len([line for line in lines if line.startswith("sink note")]) == seen // 50


def test_a_raw_fork_child_that_ends_with_os_exit_loses_nothing(tmp_path: Path) -> None:
    """With enqueue=True, a child of a raw os.fork() logs 250 records and 5 exceptions and
    leaves with os._exit(0), as prefork servers' children do: all of them are in the file."""
    code = """
        import os
        from alonechat.core.logging import LogConfig, configure_logging, get_logger
        configure_logging(LogConfig(log_dir="logs", console_output=False, enqueue=True,
                                    format_string="%(message)s"))
        log = get_logger("child")
        pid = os.fork()
        if pid == 0:
            for index in range(250):
                log.info("record %d", index)
            for index in range(5):
                try:
                    raise ValueError(index)
                except ValueError:
                    log.exception("error %d", index)
            os._exit(0)
        os.waitpid(pid, 0)
    """
    done = run_python(textwrap.dedent(code), tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    lines = read_lines(tmp_path / "logs" / "alonechat.log")
    records = [line for line in lines if line.startswith(("record ", "error "))]
    assert records == [f"record {i}" for i in range(250)] + [f"error {i}" for i in range(5)]
    assert len([line for line in lines if line.startswith("ValueError: ")]) == 5

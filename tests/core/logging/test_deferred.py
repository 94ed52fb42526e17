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
from loguru import logger as loguru_logger

from alonechat.core.logging import (
    LogConfig,
    LoggingManager,
    get_logger,
    log_context,
    reset_logging,
)
from tests.helpers import read_json, read_lines

Configure = Callable[..., LogConfig]
REPO = Path(__file__).resolve().parents[3]


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
    script = tmp_path / "app.py"
    script.write_text(
        "import os, signal, sys, time\n"
        "from alonechat.core.logging import LogConfig, configure_logging, get_logger\n"
        "configure_logging(LogConfig(log_dir='logs', console_output=False, enqueue=True,\n"
        "                            format_string='%(message)s'))\n"
        "log = get_logger('app')\n" + textwrap.dedent(body)
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, str(script)], cwd=tmp_path, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


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
    handler_id = loguru_logger.add(lambda message: release.wait(30))
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
        loguru_logger.remove(handler_id)


def test_records_from_late_exit_functions_are_written(tmp_path: Path) -> None:
    """An atexit function registered before logging was configured runs after the writer
    closed: its record is written by the caller itself."""
    script = tmp_path / "late.py"
    script.write_text(
        "import atexit\n"
        "from alonechat.core.logging import LogConfig, configure_logging, get_logger\n"
        "atexit.register(lambda: get_logger('app').info('bye'))\n"
        "configure_logging(LogConfig(log_dir='logs', console_output=False, enqueue=True,\n"
        "                            format_string='%(message)s'))\n"
        "get_logger('app').info('hello')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, check=True, timeout=60)
    assert read_lines(tmp_path / "logs" / "alonechat.log") == ["hello", "bye"]

"""configure_logging / LoggingManager: reconfiguring, console, JSON, levels, bad directories."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from loguru import logger as loguru_logger

from alonechat.core.logging import (
    LogConfig,
    LoggingManager,
    configure_logging,
    get_logger,
    reset_logging,
    stats,
)
from alonechat.core.logging._engine import LOGURU
from tests.helpers import read_json, read_lines, run_python

Configure = Callable[..., LogConfig]


def test_manager_is_a_singleton() -> None:
    assert LoggingManager() is LoggingManager()


def test_configure_returns_a_validated_copy(configure: Configure) -> None:
    config = LogConfig(level="warn", console_output=False)
    active = configure_logging(config)
    assert active == config
    assert active is not config
    assert LoggingManager().config == active
    config.level = "LOUD"  # edited after construction: caught when it is used
    with pytest.raises(ValueError, match="LogConfig.level"):
        configure_logging(config)
    assert LoggingManager().config == active


def test_reconfiguring_never_duplicates_and_keeps_what_was_written(
    configure: Configure, log_dir: Path
) -> None:
    configure(format_string="%(message)s")
    get_logger("re").info("first")
    configure(format_string="%(message)s")
    configure(format_string="%(message)s")
    get_logger("re").info("second")
    assert read_lines(log_dir / "alonechat.log") == ["first", "second"]


def test_reconfiguring_moves_to_the_new_directory(configure: Configure, tmp_path: Path) -> None:
    configure(log_dir=tmp_path / "a", format_string="%(message)s")
    get_logger("move").info("in a")
    configure(log_dir=tmp_path / "b", format_string="%(message)s")
    get_logger("move").info("in b")
    assert read_lines(tmp_path / "a" / "alonechat.log") == ["in a"]
    assert read_lines(tmp_path / "b" / "alonechat.log") == ["in b"]


def _log_while_reconfiguring(
    configure: Configure, log_dir: Path, change: Callable[[int], dict[str, Any]]
) -> tuple[list[str], int]:
    """4 threads log 3000 records each through rotation while configure() runs in a loop."""
    settings = {"format_string": "%(message)s", "max_bytes": 20_000, "backup_count": 50}
    configure(**settings)

    def writer(tag: int) -> None:
        logger = get_logger(f"thread{tag}")
        for index in range(3000):
            logger.info("%d-%d", tag, index)

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in range(4)]
    for thread in threads:
        thread.start()
    swaps = 0
    while any(thread.is_alive() for thread in threads) or swaps < 5:
        configure(**settings, **change(swaps))
        swaps += 1
    for thread in threads:
        thread.join()
    assert len(list(log_dir.glob("alonechat.log.*"))) > 1  # it rotated meanwhile
    return read_lines(log_dir / "alonechat.log", backups=True), swaps


EXPECTED = sorted(f"{t}-{i}" for t in range(4) for i in range(3000))


def test_reconfiguring_while_threads_log(configure: Configure, log_dir: Path) -> None:
    """Records logged during reconfigurations are written once each: none lost, none doubled."""
    lines, _ = _log_while_reconfiguring(
        configure, log_dir, lambda n: {"level": "DEBUG" if n % 2 else "INFO", "json_output": False}
    )
    assert sorted(lines) == EXPECTED


def test_replacing_handlers_while_threads_log(configure: Configure, log_dir: Path) -> None:
    """A new diagnose replaces the handlers: still never doubled; a loss needs a record
    caught mid-flight at a swap, at most one per logging thread per swap."""
    lines, swaps = _log_while_reconfiguring(configure, log_dir, lambda n: {"diagnose": n % 2 == 1})
    assert len(lines) == len(set(lines)), "a record was written twice"
    assert set(lines) <= set(EXPECTED)
    assert len(EXPECTED) - len(lines) <= 4 * swaps


def test_console_lines_are_not_doubled_by_loguru_default_sink(
    configure: Configure, capsys: pytest.CaptureFixture[str]
) -> None:
    """configure removes loguru's own stderr sink, so each console line appears once."""
    configure(console_output=True, file_output=False, format_string="%(message)s")
    loguru_logger.info("raw loguru")
    get_logger("facade").info("facade")
    assert capsys.readouterr().err == "raw loguru\nfacade\n"


def test_console_goes_to_stderr_plain_when_not_a_terminal(
    configure: Configure, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(console_output=True, file_output=False, format_string="%(levelname)s %(message)s")
    get_logger("console").warning("careful")
    captured = capsys.readouterr()
    assert captured.err == "WARNING careful\n"
    assert captured.out == ""


def test_console_colors_can_be_forced(
    configure: Configure, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(console_output=True, file_output=False, colorize=True)
    get_logger("console").error("red")
    err = capsys.readouterr().err
    assert "\x1b[" in err
    assert "red" in err


def test_files_never_get_color_codes(configure: Configure, log_dir: Path) -> None:
    """colorize=True: the record is in the file, without a color code."""
    configure(colorize=True)
    get_logger("plain").error("no colors here")
    (line,) = read_lines(log_dir / "alonechat.log")
    assert " | ERROR    | plain | " in line
    assert line.endswith(" | no colors here")
    assert "\x1b[" not in line


def test_detailed_default_format(configure: Configure, log_dir: Path) -> None:
    configure()
    get_logger("fmt.detail").info("hello")
    line = read_lines(log_dir / "alonechat.log")[0]
    stamp, level, name, where, function, message = line.split(" | ")
    datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
    assert (level, name, message) == ("INFO    ", "fmt.detail", "hello")
    assert where.startswith("test_manager.py:")
    assert function == "test_detailed_default_format"


def test_stdlib_format_string_and_date_format(configure: Configure, log_dir: Path) -> None:
    configure(
        format_string="%(asctime)s - %(name)s - %(levelname)-7s - [%(threadName)s] %(message)s",
        date_format="%d/%m/%Y",
    )
    get_logger("mig").info("50%% off {not a field}")
    line = read_lines(log_dir / "alonechat.log")[0]
    today = datetime.now().strftime("%d/%m/%Y")
    assert line == f"{today} - mig - INFO    - [MainThread] 50%% off {{not a field}}"


def test_loguru_format_string(configure: Configure, log_dir: Path) -> None:
    configure(format_string="{level.name}:{name}:{message}")
    get_logger("native").info("ok")
    assert read_lines(log_dir / "alonechat.log") == ["INFO:native:ok"]


def test_bad_markup_is_reported_against_the_field(configure: Configure, log_dir: Path) -> None:
    configure(format_string="%(message)s")
    get_logger("keep").info("before")
    with pytest.raises(ValueError, match="LogConfig.format_string"):
        configure(format_string="<nocolor>{message}")
    get_logger("keep").info("after")  # the previous configuration is still active
    assert read_lines(log_dir / "alonechat.log") == ["before", "after"]


def test_json_lines_are_flat_and_parse(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    get_logger("svc.api").info("hello %s", "json", extra={"user_id": 3})
    (record,) = read_json(log_dir / "alonechat.log")
    assert set(record) == {
        "time",
        "level",
        "logger",
        "message",
        "module",
        "function",
        "line",
        "file",
        "process",
        "thread",
        "user_id",
    }
    assert record["level"] == "INFO"
    assert record["logger"] == "svc.api"
    assert record["message"] == "hello json"
    assert record["thread"] == "MainThread"
    assert isinstance(record["process"], int)
    assert datetime.fromisoformat(record["time"]).utcoffset() is not None


def test_json_survives_odd_values(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    loop: list[object] = []
    loop.append(loop)
    get_logger("odd").info(
        "odd\nvalues \x00 \udc80",
        extra={"obj": object(), "loop": loop, "when": datetime(2026, 1, 1), "keys": {(1, 2): 3}},
    )
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["message"] == "odd\nvalues \x00 \udc80"
    assert record["obj"].startswith("<object object")
    assert record["loop"] == ["[...]"]  # a list in itself, as repr writes it
    assert record["keys"] == "{(1, 2): 3}"


def test_json_error_log(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    try:
        raise RuntimeError("bad")
    except RuntimeError:
        get_logger("j").exception("failed")
    (record,) = read_json(log_dir / "alonechat_errors.log")
    assert (record["exc_type"], record["exc_message"]) == ("RuntimeError", "bad")


def test_diagnose_is_off_by_default(configure: Configure, log_dir: Path) -> None:
    """Local variables (secrets) never appear in tracebacks unless diagnose is asked for."""
    configure()
    secret = "hunter2-password"
    try:
        raise ValueError(len(secret))
    except ValueError:
        get_logger("diag").exception("failed")
    text = (log_dir / "alonechat.log").read_text()
    assert "raise ValueError(len(secret))\nValueError: 16\n" in text  # the traceback, bare
    assert "hunter2-password" not in text


def test_diagnose_on_request_shows_variables(
    configure: Configure, capsys: pytest.CaptureFixture[str]
) -> None:
    """diagnose (the development preset) shows variable values in console tracebacks."""
    configure(diagnose=True, console_output=True, file_output=False)
    value = "visible-value"
    try:
        raise ValueError(value)
    except ValueError:
        get_logger("diag").exception("failed")
    assert "'visible-value'" in capsys.readouterr().err


def test_component_levels_by_prefix(configure: Configure, log_dir: Path) -> None:
    """'a.b' covers a.b and a.b.c but not a.bc; the most specific prefix wins."""
    configure(
        level="WARNING",
        format_string="%(name)s %(levelname)s",
        component_levels={"a.b": "DEBUG", "a.b.quiet": "ERROR"},
    )
    for name in ("a", "a.b", "a.b.c", "a.bc", "a.b.quiet", "a.b.quiet.x"):
        get_logger(name).debug("d")
        get_logger(name).error("e")
    assert read_lines(log_dir / "alonechat.log") == [
        "a ERROR",
        "a.b DEBUG",
        "a.b ERROR",
        "a.b.c DEBUG",
        "a.b.c ERROR",
        "a.bc ERROR",
        "a.b.quiet ERROR",
        "a.b.quiet.x ERROR",
    ]


def test_component_levels_apply_to_stdlib_and_raw_loguru(
    configure: Configure, log_dir: Path
) -> None:
    configure(
        level="INFO",
        format_string="%(name)s %(levelname)s",
        component_levels={"urllib3": "WARNING", "chatty": "DEBUG"},
    )
    logging.getLogger("urllib3.connectionpool").info("dropped")
    logging.getLogger("urllib3.connectionpool").warning("kept")
    logging.getLogger("chatty").debug("kept")
    loguru_logger.patch(lambda r: r.update(name="urllib3")).info("dropped")
    assert read_lines(log_dir / "alonechat.log") == [
        "urllib3.connectionpool WARNING",
        "chatty DEBUG",
    ]


def test_raw_loguru_records_follow_stdlib_levels_without_making_loggers(
    configure: Configure, log_dir: Path
) -> None:
    """A record logged with loguru directly passes the level of the nearest stdlib logger
    up its module's name (logging.disable too); no logger is created for it, and a logger's
    ``disabled`` flag (dictConfig's) does not drop it."""
    configure(level="INFO", format_string="%(name)s %(message)s")
    logging.getLogger("quiet.pkg").setLevel(logging.ERROR)
    logging.getLogger("quiet.pkg").disabled = True
    named = {
        name: loguru_logger.patch(lambda r, n=name: r.update(name=n))
        for name in ("quiet.pkg.mod", "other.mod")
    }
    named["quiet.pkg.mod"].warning("below quiet.pkg's level")
    named["quiet.pkg.mod"].error("at it")
    named["other.mod"].debug("below the root's level")
    named["other.mod"].info("at it")
    logging.disable(logging.CRITICAL)
    named["other.mod"].critical("disabled")
    logging.disable(logging.NOTSET)
    assert read_lines(log_dir / "alonechat.log") == ["quiet.pkg.mod at it", "other.mod at it"]
    assert "quiet.pkg.mod" not in logging.Logger.manager.loggerDict
    assert "other.mod" not in logging.Logger.manager.loggerDict


def test_unwritable_directory_warns_and_keeps_the_console(
    configure: Configure, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a_file").write_text("")
    bad_dir = tmp_path / "a_file" / "logs"
    configure(log_dir=bad_dir, console_output=True, format_string="%(message)s")
    get_logger("still").info("console still works")
    err = capsys.readouterr().err
    assert f"alonechat: cannot write log files to LogConfig.log_dir='{bad_dir}'" in err
    assert "file logging is off, the other outputs continue" in err
    assert err.endswith("console still works\n")


def test_with_no_output_left_records_go_to_stderr(
    configure: Configure, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files only (production) and an unwritable log_dir: one clear line, then the records
    on stderr rather than nowhere."""
    (tmp_path / "a_file").write_text("")
    bad_dir = tmp_path / "a_file" / "logs"
    configure(log_dir=bad_dir, console_output=False, format_string="%(levelname)s %(message)s")
    get_logger("prod").warning("not lost")
    err = capsys.readouterr().err
    assert "file logging is off, records go to stderr instead" in err
    assert err.endswith("WARNING not lost\n")


def test_enqueued_records_are_all_written(configure: Configure, log_dir: Path) -> None:
    configure(enqueue=True, format_string="%(message)s")
    for index in range(500):
        get_logger("queued").info("%d", index)
    reset_logging()  # flushes the queue
    assert read_lines(log_dir / "alonechat.log") == [str(i) for i in range(500)]


def test_a_failing_sink_never_raises_into_the_caller(
    configure: Configure, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sink that raises (a full disk, say) is reported on stderr; logging goes on."""
    configure(format_string="%(message)s")

    def full_disk(message: object) -> None:
        raise OSError(28, "No space left on device")

    handler_id = LOGURU.add(full_disk)  # beside alonechat's own sinks
    try:
        get_logger("disk").info("still logged to the file")
    finally:
        LOGURU.remove(handler_id)
    assert read_lines(log_dir / "alonechat.log") == ["still logged to the file"]
    assert "No space left on device" in capsys.readouterr().err


def test_enqueued_records_with_unpicklable_extra(configure: Configure, log_dir: Path) -> None:
    """The background writer never pickles: a lock or a generator in extra is fine."""
    configure(enqueue=True, json_output=True)
    get_logger("queued").info("odd extra", extra={"lock": threading.Lock(), "gen": iter(())})
    reset_logging()
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["lock"].startswith("<unlocked _thread.lock")
    assert record["gen"].startswith("<tuple_iterator")


def test_a_users_loguru_patcher_applies_to_their_loguru_records_only(
    configure: Configure, log_dir: Path
) -> None:
    """A patcher set on ``loguru.logger`` shapes the records logged with it (which reach
    alonechat's files), not the records of stdlib loggers."""
    loguru_logger.configure(patcher=lambda record: record["extra"].update(app="chat"))
    try:
        configure(format_string="%(app)s %(message)s")
        loguru_logger.info("raw")
        get_logger("patched").info("stdlib")
    finally:
        loguru_logger.configure(patcher=lambda record: None)
    assert read_lines(log_dir / "alonechat.log") == ["chat raw", "- stdlib"]


def test_set_level_keeps_the_files_where_they_are(
    configure: Configure, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(log_dir="relative-logs", format_string="%(message)s", level="INFO")
    get_logger("moved").info("one")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    get_logger("moved").setLevel("DEBUG")
    get_logger("moved").debug("two")
    assert read_lines(tmp_path / "relative-logs" / "alonechat.log") == ["one", "two"]
    assert not (tmp_path / "elsewhere" / "relative-logs").exists()


def test_a_full_disk_warns_once_and_logging_goes_on(
    configure: Configure,
    log_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Writing fails with ENOSPC (/dev/full): one warning, console goes on, files resume."""
    import os
    import types

    from alonechat.core.logging import _sinks

    full = True
    main_log = str(log_dir.absolute() / "alonechat.log")

    def open_full(path: str, flags: int, mode: int = 0o777) -> int:
        """The main log opens as /dev/full while the disk is "full" (a symlink to it would
        be refused as planted)."""
        if full and str(path) == main_log:
            return os.open("/dev/full", os.O_WRONLY | os.O_CLOEXEC)
        return os.open(path, flags, mode)

    sinks_os = types.SimpleNamespace(**{name: getattr(os, name) for name in dir(os)})
    sinks_os.open = open_full
    monkeypatch.setattr(_sinks, "os", sinks_os)
    before = stats()["dropped"]  # earlier tests' losses, in this process
    configure(console_output=True, format_string="%(message)s")
    logger = get_logger("disk")
    for index in range(3):
        logger.info("while full %d", index)
    full = False  # space again: the next record reopens the file
    logger.info("after")
    err = capsys.readouterr().err
    assert err.count("No space left on device") == 1
    assert "records are dropped until it works" in err
    assert "writing " in err
    assert err.count("while full") == 3  # the console kept going
    assert "alonechat.log again; 3 records dropped" in err
    assert read_lines(log_dir / "alonechat.log") == ["after"]
    counted = stats()
    assert counted["dropped"] == before + 3
    assert counted["dropped_by_destination"][str(log_dir.absolute() / "alonechat.log")] == 3
    reset_logging()  # the count outlives the sink
    assert stats()["dropped"] == before + 3


@pytest.mark.parametrize(
    ("variables", "colored"),
    [
        ({"FORCE_COLOR": "", "NO_COLOR": ""}, False),  # empty counts as unset
        ({"FORCE_COLOR": "1", "NO_COLOR": ""}, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_console_colors_follow_no_color_and_force_color(
    tmp_path: Path, variables: dict[str, str], colored: bool
) -> None:
    """stderr is a pipe here: no colors, unless $FORCE_COLOR; $NO_COLOR wins over it."""
    code = (
        "from alonechat.core.logging import LogConfig, configure_logging, get_logger\n"
        "configure_logging(LogConfig(file_output=False))\n"
        "get_logger('app').warning('to the console')\n"
    )
    done = run_python(code, tmp_path, env=variables)
    assert done.returncode == 0
    assert "to the console" in done.stderr
    assert ("\x1b[" in done.stderr) is colored

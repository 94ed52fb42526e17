"""get_logger: stdlib's own Logger; what reaches the sinks, and never raising."""

from __future__ import annotations

import logging
import logging.config
import pickle
import sys
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alonechat.core.logging import (
    LogConfig,
    Logger,
    LoggingManager,
    get_logger,
    getLogger,
)
from tests.helpers import read_json, read_lines, run_python

Configure = Callable[..., LogConfig]


# --- the logger object is stdlib's ------------------------------------------------------


def test_get_logger_is_logging_get_logger_whichever_comes_first() -> None:
    early = logging.getLogger("identity.early")
    assert get_logger("identity.early") is early
    late = get_logger("identity.late")
    assert logging.getLogger("identity.late") is late
    assert get_logger() is logging.getLogger() is logging.root
    assert get_logger("root") is logging.root
    assert getLogger("identity.late") is late
    assert get_logger("identity").getChild("late") is late
    assert isinstance(late, logging.Logger)
    assert isinstance(late, Logger)
    assert logging.Logger.manager.loggerDict["identity.late"] is late


def test_importing_and_configuring_change_nothing_in_stdlib() -> None:
    """alonechat sets no logger class, record factory or method on stdlib's classes: the
    route every tool wraps is stdlib's own, with one handler added to the root logger."""
    code = (
        "import logging\n"
        "before = (dict(vars(logging.Logger)), dict(vars(logging.Handler)),\n"
        "          logging.getLoggerClass(), logging.getLogRecordFactory())\n"
        "early = logging.getLogger('early')\n"
        "from alonechat.core.logging import LogConfig, Logger, configure_logging, get_logger\n"
        "configure_logging(LogConfig(log_dir='logs', console_output=False))\n"
        "after = (dict(vars(logging.Logger)), dict(vars(logging.Handler)),\n"
        "         logging.getLoggerClass(), logging.getLogRecordFactory())\n"
        "assert before == after, 'stdlib changed'\n"
        "assert Logger is logging.Logger and type(get_logger('late')) is logging.Logger\n"
        "assert get_logger('early') is early and type(early) is logging.Logger\n"
        "print([type(h).__name__ for h in logging.getLogger().handlers])\n"
    )
    done = run_python(code)
    assert (done.returncode, done.stdout, done.stderr) == (0, "['InterceptHandler']\n", "")


def test_an_applications_own_logger_class_is_kept() -> None:
    code = (
        "import logging\n"
        "class Mine(logging.Logger): pass\n"
        "logging.setLoggerClass(Mine)\n"
        "from alonechat.core.logging import get_logger\n"
        "assert type(get_logger('x')) is Mine and logging.getLoggerClass() is Mine\n"
        "print('ok')\n"
    )
    done = run_python(code)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")


def test_one_logger_per_name_across_threads() -> None:
    found: list[object] = []
    threads = [threading.Thread(target=lambda: found.append(get_logger("race"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(obj) for obj in found}) == 1


def test_pickling_and_weak_references() -> None:
    logger = get_logger("identity.pickled")
    assert pickle.loads(pickle.dumps(logger)) is logger
    assert weakref.ref(logger)() is logger


def test_stdlib_attributes_and_the_library_idiom() -> None:
    """The logging HOWTO's library idiom and the Logger attributes work as in stdlib."""
    logger = get_logger("library_idiom")
    logger.addHandler(logging.NullHandler())
    try:
        assert logger.hasHandlers()
        assert isinstance(logger.handlers[0], logging.NullHandler)
        assert logger.filters == []
        assert logger.disabled is False
        assert logger.propagate is True
        assert logger.parent is logging.root
        assert logger.level == logging.NOTSET
    finally:
        logger.handlers.clear()


def test_stdlib_semantics_before_configuring(capsys: pytest.CaptureFixture[str]) -> None:
    """Unconfigured, stdlib's last resort prints WARNING and above to stderr; setLevel works."""
    code = (
        "from alonechat.core.logging import get_logger\n"
        "log = get_logger('early')\n"
        "log.setLevel('DEBUG')\n"
        "log.info('not shown')\n"
        "log.warning('shown %s', 1)\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "shown 1\n"


# --- what the sinks get, alonechat's handler alone on the root or beside another -------


def test_every_level_method_writes_its_level(route: Configure, log_dir: Path) -> None:
    route(level="DEBUG", json_output=True)
    logger = get_logger("levels")
    logger.debug("d")
    logger.info("i")
    logger.warning("w")
    with pytest.warns(DeprecationWarning, match="warn"):  # stdlib's deprecated alias still works
        logger.warn("w2")
    logger.error("e")
    logger.critical("c")
    logger.fatal("f")
    logger.log(20, "via log")
    logger.log(25, "custom")
    got = [(r["level"], r["message"]) for r in read_json(log_dir / "alonechat.log")]
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


def test_percent_args_and_the_dict_form(route: Configure, log_dir: Path) -> None:
    route(json_output=True)
    logger = get_logger("fmt")
    logger.info("User %s from %s", "ann", "10.0.0.1")
    logger.info("%(user)s has %(n)d messages", {"user": "bob", "n": 3})
    logger.info("%d%% done", 50)
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == [
        "User ann from 10.0.0.1",
        "bob has 3 messages",
        "50% done",
    ]


@pytest.mark.parametrize("text", ["{}", "{name} joined", "100%", "50% {0} %s", "%(x)s"])
def test_messages_without_args_are_written_unchanged(
    route: Configure, log_dir: Path, text: str
) -> None:
    """Braces and lone % signs are never passed to str.format or %."""
    route(json_output=True)
    get_logger("raw").info(text)
    assert read_json(log_dir / "alonechat.log")[0]["message"] == text


def test_mismatched_args_get_a_marker_and_never_raise(route: Configure, log_dir: Path) -> None:
    route(json_output=True)
    logger = get_logger("bad")
    logger.info("%s and %s", "one")
    logger.info("%d", "not a number")
    logger.info("no placeholder", "extra arg")
    messages = [r["message"] for r in read_json(log_dir / "alonechat.log")]
    assert len(messages) == 3
    assert messages[0].startswith("%s and %s [alonechat: message does not fit its args ('one',)")
    assert "not enough arguments" in messages[0]
    assert messages[1].startswith("%d [alonechat: message does not fit its args")
    assert messages[2].startswith("no placeholder [alonechat: message does not fit its args")


def test_non_string_messages_are_stringified(route: Configure, log_dir: Path) -> None:
    route(json_output=True)
    get_logger("obj").info({"k": 1})
    get_logger("obj").info(ValueError("boom"))
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["{'k': 1}", "boom"]


def test_args_are_formatted_only_when_the_record_is_written(route: Configure) -> None:
    route(level="INFO")
    calls: list[str] = []

    class Expensive:
        def __str__(self) -> str:
            calls.append("str")
            return "expensive"

    get_logger("lazy").debug("value: %s", Expensive())
    assert calls == []
    get_logger("lazy").info("value: %s", Expensive())
    assert calls == ["str"]


def test_records_carry_the_callers_location(route: Configure, log_dir: Path) -> None:
    """module, function, file and line are the caller's, not alonechat's or logging's."""
    route(json_output=True)
    logger = get_logger("where")
    line = sys._getframe().f_lineno + 1
    logger.info("here")
    record = read_json(log_dir / "alonechat.log")[0]
    assert record["logger"] == "where"
    assert record["module"] == "test_logger"
    assert record["function"] == "test_records_carry_the_callers_location"
    assert record["line"] == line
    assert record["file"] == __file__


def _helper_that_logs(logger: Any) -> None:
    logger.warning("from helper", stacklevel=2)


def test_stacklevel_reports_the_callers_caller(route: Configure, log_dir: Path) -> None:
    route(json_output=True)
    line = sys._getframe().f_lineno + 1
    _helper_that_logs(get_logger("stack"))
    record = read_json(log_dir / "alonechat.log")[0]
    assert record["function"] == "test_stacklevel_reports_the_callers_caller"
    assert record["line"] == line


def test_logger_adapter_reports_its_caller(route: Configure, log_dir: Path) -> None:
    route(json_output=True)
    adapter = logging.LoggerAdapter(get_logger("adapted"), {"tenant": "t-1"})
    line = sys._getframe().f_lineno + 1
    adapter.info("through an adapter")
    (record,) = read_json(log_dir / "alonechat.log")
    assert (record["file"], record["line"]) == (__file__, line)
    assert record["function"] == "test_logger_adapter_reports_its_caller"
    assert record["tenant"] == "t-1"


def test_caller_location_in_text_format(route: Configure, log_dir: Path) -> None:
    route(format_string="%(name)s|%(module)s|%(funcName)s|%(lineno)d|%(message)s")
    line = sys._getframe().f_lineno + 1
    get_logger("txt").info("hi")
    assert read_lines(log_dir / "alonechat.log") == [
        f"txt|test_logger|test_caller_location_in_text_format|{line}|hi"
    ]


def test_exc_info_forms(route: Configure, log_dir: Path) -> None:
    """exc_info=True, an exception instance and a sys.exc_info() tuple all log the traceback."""
    route(json_output=True)
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
    got = read_json(log_dir / "alonechat.log")
    for record in got[:4]:
        assert record["exc_type"] == "KeyError"
        assert record["exc_message"] == "'missing'"
        assert "Traceback (most recent call last)" in record["exc_traceback"]
        assert 'raise KeyError("missing")' in record["exc_traceback"]
    assert got[4]["exc_type"] == "ValueError"
    assert "exc_type" not in got[5]


def test_exception_text_follows_the_line_in_text_files(route: Configure, log_dir: Path) -> None:
    route()
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        get_logger("exc").exception("division failed")
    text = (log_dir / "alonechat.log").read_text()
    assert "division failed\nTraceback (most recent call last):" in text
    assert text.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "division failed" in (log_dir / "alonechat_errors.log").read_text()


def test_stack_info_appends_the_stack(route: Configure, log_dir: Path) -> None:
    route(json_output=True)
    get_logger("stack").info("with stack", stack_info=True)
    message = read_json(log_dir / "alonechat.log")[0]["message"]
    assert message.startswith("with stack\nStack (most recent call last):\n")
    last_frame = message.splitlines()[-2]
    assert "in test_stack_info_appends_the_stack" in last_frame
    assert "alonechat" not in message


def test_stack_info_deeper_than_the_stack_is_clamped(route: Configure, log_dir: Path) -> None:
    """The caller is this interpreter's own answer (3.11+: the outermost frame; 3.10: the
    calling frame), and the stack is appended."""
    route(json_output=True)
    seen = Recording()
    logger = get_logger("deep")
    logger.addHandler(seen)
    try:
        logger.info("deep", stack_info=True, stacklevel=10_000)
    finally:
        logger.removeHandler(seen)
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["message"].startswith("deep\nStack (most recent call last):")
    (stdlib,) = seen.records
    assert (record["function"], record["line"]) == (stdlib.funcName, stdlib.lineno)


def test_extra_fields_reach_json(route: Configure, log_dir: Path) -> None:
    route(json_output=True)
    get_logger("extra").info(
        "Processing request", extra={"request_id": "r-1", "user_id": 7, "duration": 0.5}
    )
    record = read_json(log_dir / "alonechat.log")[0]
    assert record["message"] == "Processing request"
    assert (record["request_id"], record["user_id"], record["duration"]) == ("r-1", 7, 0.5)


def test_extra_keys_stdlib_refuses_raise_as_in_stdlib(route: Configure, log_dir: Path) -> None:
    """An ``extra`` key naming a LogRecord attribute is stdlib's KeyError, on either route;
    the record is not written, the next one is."""
    route(json_output=True)
    for key in ("message", "asctime", "lineno"):
        with pytest.raises(KeyError, match=f"Attempt to overwrite '{key}' in LogRecord"):
            get_logger("extra").info("clash", extra={key: "x"})
    get_logger("extra").info("no clash", extra={"key": "x"})
    (record,) = read_json(log_dir / "alonechat.log")
    assert (record["message"], record["key"]) == ("no clash", "x")


def test_extra_fields_in_format_string(route: Configure, log_dir: Path) -> None:
    """%(request_id)s reads extra; a record without it shows '-' instead of failing."""
    route(format_string="%(request_id)s %(levelname)s %(message)s")
    logger = get_logger("extra")
    logger.info("with", extra={"request_id": "r-9"})
    logger.info("without")
    assert read_lines(log_dir / "alonechat.log") == ["r-9 INFO with", "- INFO without"]


def test_custom_level_names_match_stdlib(route: Configure, log_dir: Path) -> None:
    route(level=1, json_output=True)
    logging.addLevelName(25, "NOTICE")
    try:
        get_logger("custom").log(25, "via get_logger")
        logging.getLogger("custom.plain").log(25, "via logging.getLogger")
    finally:
        del logging._levelToName[25], logging._nameToLevel["NOTICE"]
    assert [r["level"] for r in read_json(log_dir / "alonechat.log")] == ["NOTICE", "NOTICE"]


def test_an_unprintable_message_is_written_as_such(route: Configure, log_dir: Path) -> None:
    """A message object whose __str__ raises is written as <unprintable Type>."""
    route(json_output=True)

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no str")

    get_logger("robust").info(Unprintable())
    get_logger("robust").info("after")
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == [
        "<unprintable Unprintable>",
        "after",
    ]


def test_a_failing_call_is_reported_as_stdlib_reports_it(
    configure: Configure,
    log_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should handing a record to loguru fail (simulated here), alonechat's handler reports
    it as stdlib reports a failing handler ("--- Logging error ---" on stderr) and returns."""
    configure(json_output=True)

    def broken(msg: object, args: object) -> str:
        raise RuntimeError("simulated failure")

    monkeypatch.setattr("alonechat.core.logging._intercept.render_message", broken)
    get_logger("robust").info("lost %s", "here")
    monkeypatch.undo()
    get_logger("robust").info("after")
    err = capsys.readouterr().err
    assert "--- Logging error ---" in err
    assert "RuntimeError: simulated failure" in err
    assert "Message: 'lost %s'" in err
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["after"]


def test_a_second_root_handler_changes_nothing_in_the_files(
    configure: Configure, log_dir: Path
) -> None:
    """The same calls, once with alonechat's handler alone and once with a second root
    handler (one more frame-free step on stdlib's route), give the same records, field for
    field."""
    configure(level="DEBUG", json_output=True)
    logger = get_logger("same")
    adapter = logging.LoggerAdapter(logger, {"tenant": "t"})
    root = logging.getLogger()
    second = logging.NullHandler()
    for route in ("alone", "beside"):
        if route == "beside":
            root.addHandler(second)
        try:
            raise ValueError("bad")
        except ValueError:
            logger.exception("failed %s", route, extra={"k": [1, 2]})
        logger.debug("%(a)s", {"a": route})
        logger.warning("deeper", stacklevel=2)
        adapter.info("adapted")
        logger.log(25, "custom level")
    root.removeHandler(second)
    got = read_json(log_dir / "alonechat.log")
    assert len(got) == 10
    for alone, beside in zip(got[:5], got[5:], strict=True):
        for record in (alone, beside):
            record.pop("time")
            record["message"] = record["message"].replace("beside", "alone")
            if "exc_traceback" in record:
                record["exc_traceback"] = record["exc_traceback"].replace("beside", "alone")
        assert alone == beside


def test_a_logging_call_in_a_queue_handler_setup(configure: Configure, log_dir: Path) -> None:
    """Records replayed by a QueueListener keep their own caller and thread."""
    import logging.handlers
    import queue

    configure(json_output=True)
    records_queue: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    logger = get_logger("queued")
    logger.addHandler(logging.handlers.QueueHandler(records_queue))
    logger.propagate = False
    listener = logging.handlers.QueueListener(records_queue, LoggingManager().handler)
    listener.start()
    try:
        line = sys._getframe().f_lineno + 1
        logger.info("through a queue")
    finally:
        listener.stop()
        logger.handlers.clear()
        logger.propagate = True
    (record,) = read_json(log_dir / "alonechat.log")
    assert (record["line"], record["function"]) == (
        line,
        "test_a_logging_call_in_a_queue_handler_setup",
    )
    assert record["thread"] == threading.current_thread().name


# --- stdlib's semantics hold with alonechat configured ------------------------------------


class Recording(logging.Handler):
    """A user's own handler: keeps what it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_handler_on_the_logger_and_on_the_root_see_records_once(
    configure: Configure, log_dir: Path
) -> None:
    """Handlers users add (a library's, an error tracker's on the root) get records as in
    stdlib, and alonechat's sinks get each record once."""
    configure(json_output=True)
    logger = get_logger("app")
    on_logger, on_root = Recording(), Recording()
    logger.addHandler(on_logger)
    logging.getLogger().addHandler(on_root)
    try:
        logger.warning("seen by %s", "all")
    finally:
        logging.getLogger().removeHandler(on_root)
    assert [r.getMessage() for r in on_logger.records] == ["seen by all"]
    assert on_root.records == on_logger.records
    assert (
        on_root.records[0].funcName
        == "test_a_handler_on_the_logger_and_on_the_root_see_records_once"
    )
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["seen by all"]


def test_propagate_false_keeps_records_from_the_root(configure: Configure, log_dir: Path) -> None:
    """propagate=False: the logger's own handler gets the record, the files do not; once it
    propagates again, both do."""
    configure(json_output=True)
    logger = get_logger("private")
    own = Recording()
    logger.addHandler(own)
    logger.propagate = False
    logger.error("only mine")
    logger.propagate = True
    logger.error("shared")
    assert [r.getMessage() for r in own.records] == ["only mine", "shared"]
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["shared"]


def test_filters_and_disabled_loggers(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    filtered = get_logger("filtered")
    filtered.addFilter(lambda record: "secret" not in record.getMessage())
    filtered.warning("public")
    filtered.warning("secret stuff")
    off = get_logger("off")
    off.disabled = True
    off.error("never")
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["public"]


def test_logging_disable_silences_every_logger(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    logging.disable(logging.CRITICAL)
    try:
        get_logger("quiet").critical("silenced")
        logging.getLogger("lib").critical("silenced too")
    finally:
        logging.disable(logging.NOTSET)
    get_logger("quiet").critical("back")
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["back"]


def test_stdlib_levels_are_the_levels(configure: Configure, log_dir: Path) -> None:
    """A level set through logging.getLogger, the root logger's, and dictConfig's all
    apply to get_logger's loggers: they are the same objects."""
    configure(level="INFO", json_output=True)
    app = get_logger("app")
    logging.getLogger(app.name).setLevel(logging.ERROR)
    app.warning("below the logger's level")
    app.error("at it")
    child = get_logger("app.child")
    child.warning("inherits ERROR")
    logging.getLogger().setLevel(logging.WARNING)
    get_logger("other").info("below the root's level")
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "loggers": {app.name: {"level": "DEBUG"}},
        }
    )
    child.debug("dictConfig's level")
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == [
        "at it",
        "dictConfig's level",
    ]


def test_set_level_changes_the_logger_not_the_configuration(
    configure: Configure, log_dir: Path
) -> None:
    configure(level="WARNING", json_output=True)
    handler = LoggingManager().handler
    tuned = get_logger("tuned")
    tuned.info("dropped")
    tuned.setLevel("DEBUG")
    tuned.debug("kept")
    get_logger("untouched").info("dropped too")
    assert LoggingManager().config.component_levels == {}  # type: ignore[union-attr]
    assert logging.getLogger().handlers.count(handler) == 1
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["kept"]
    with pytest.raises(ValueError, match="Unknown level: 'LOUD'"):
        tuned.setLevel("LOUD")


def test_a_library_logger_with_a_null_handler_still_reaches_the_sinks(
    configure: Configure, log_dir: Path
) -> None:
    configure(json_output=True)
    library = get_logger("library")
    library.addHandler(logging.NullHandler())
    library.warning("from a library")
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["from a library"]


# --- stdlib's hooks shape the record alonechat writes ------------------------------------


def test_stdlib_hooks_shape_the_record(configure: Configure, log_dir: Path) -> None:
    """A record factory, a subclass's makeRecord, stacklevel 0 and logging._srcfile = None
    give in the files what stdlib gives its own handlers, on every Python."""
    configure(json_output=True)
    factory = logging.getLogRecordFactory()

    def tagged(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record.request_id = "from-factory"
        return record

    logging.setLogRecordFactory(tagged)
    try:
        get_logger("route.factory").info("factory")
    finally:
        logging.setLogRecordFactory(factory)

    class Tenant(Logger):
        def makeRecord(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
            record = super().makeRecord(*args, **kwargs)
            record.tenant = "t-1"
            return record

    tenant = Tenant("route.subclass")
    tenant.parent = logging.getLogger()
    tenant.info("subclass")
    seen = Recording()
    zero_logger = get_logger("route.zero")
    zero_logger.addHandler(seen)
    try:
        zero_logger.info("stacklevel 0", stacklevel=0)
    finally:
        zero_logger.removeHandler(seen)
    srcfile, logging._srcfile = logging._srcfile, None  # type: ignore[attr-defined]
    try:
        get_logger("route.nocaller").info("no caller lookup")
    finally:
        logging._srcfile = srcfile  # type: ignore[attr-defined]
    factory_record, subclass, zero, nocaller = read_json(log_dir / "alonechat.log")
    assert factory_record["request_id"] == "from-factory"
    assert subclass["tenant"] == "t-1"
    (stdlib_zero,) = seen.records  # this Python's own answer to stacklevel=0
    assert (zero["function"], zero["line"]) == (stdlib_zero.funcName, stdlib_zero.lineno)
    assert (nocaller["function"], nocaller["line"]) == ("(unknown function)", 0)


def test_handlers_added_and_removed_while_threads_log(configure: Configure, log_dir: Path) -> None:
    """Changing the root logger's handlers while other threads log never raises into them;
    every record reaches the sinks once."""
    configure(json_output=True)
    errors: list[BaseException] = []
    stop = threading.Event()

    def churn() -> None:
        root, extra = logging.getLogger(), logging.NullHandler()
        while not stop.is_set():
            root.addHandler(extra)
            root.removeHandler(extra)

    def log(worker: int) -> None:
        try:
            for number in range(2_000):
                get_logger("churn").info("%d-%d", worker, number)
        except BaseException as exc:  # any exception is the failure
            errors.append(exc)

    churner = threading.Thread(target=churn)
    churner.start()
    workers = [threading.Thread(target=log, args=(n,)) for n in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    stop.set()
    churner.join()
    assert errors == []
    messages = [r["message"] for r in read_json(log_dir / "alonechat.log")]
    assert sorted(messages) == sorted(f"{w}-{n}" for w in range(4) for n in range(2_000))


def test_levels_cached_before_a_change_do_not_outlive_it(
    configure: Configure, log_dir: Path
) -> None:
    """Disabling the logger, logging.disable and setLevel after a record was written (and
    isEnabledFor's cache filled) all apply to the next call."""
    configure(level="INFO", json_output=True)
    logger = get_logger("cached")
    logger.info("cached as enabled")
    logger.disabled = True
    logger.info("disabled logger")
    logger.disabled = False
    logging.disable(logging.INFO)
    logger.info("logging.disable")
    logging.disable(logging.NOTSET)
    logger.setLevel(logging.WARNING)
    logger.info("below the new level")
    logger.setLevel(logging.DEBUG)
    logger.debug("now enabled")
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == [
        "cached as enabled",
        "now enabled",
    ]

"""The cases measured side by side: a ``Case`` per logger set-up (the floor, stdlib, loguru,
alonechat, structlog, picologging; files, stdout, syslog), and ``cases()`` in table order."""

from __future__ import annotations

import contextlib
import functools
import logging
import logging.handlers
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger as loguru_logger

from alonechat.core.logging import (
    LogConfig,
    configure_logging,
    get_logger,
    reset_logging,
)

MESSAGE, ARGS = "User %s from %s", ("alice", "10.0.0.1")
BRACE_MESSAGE = "User {} from {}"
#: A 16 KiB message of plain words: what the size cases log (digits, capitals, ":" and "="
#: cost redaction more: README says how much).
LARGE = ("lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor " * 210)[
    :16384
]
STDLIB_FORMAT = "%(asctime)s | %(levelname)s | %(name)s | %(funcName)s:%(lineno)d | %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
LOGURU_FORMAT = "{time:%Y-%m-%d %H:%M:%S} | {level} | {name} | {function}:{line} | {message}"
LOGLY_FORMAT = "{time} | {level} | {name} | {function}:{line} | {message}"
TEN_MIB = 10 * 1024 * 1024

Emit = Callable[[int], None]
CaseFactory = Callable[[Path], contextlib.AbstractContextManager[Emit]]


@dataclass
class Case:
    """One thing measured: a name, a group for the table, and a context yielding emit(n)."""

    name: str
    group: str
    factory: CaseFactory
    flush_counts: bool = False  # also time the context's exit (queued records being written)
    # the share of the run's records this case logs: 16 KiB records would otherwise write
    # hundreds of MB a round, and the disk's write-back, not the logger, would be measured
    share: float = 1.0
    samples: list[float] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)


def clean() -> None:
    """No sinks left from a previous case: loguru, alonechat and stdlib start empty."""
    reset_logging()
    loguru_logger.remove()
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)


def _stdlib_logger(name: str, handler: logging.Handler, level: int = logging.INFO) -> Any:
    """A stdlib logging.Logger outside the logger tree, writing to ``handler`` only."""
    handler.setFormatter(logging.Formatter(STDLIB_FORMAT, DATE_FORMAT))
    stdlib = logging.Logger(name, level)
    stdlib.addHandler(handler)
    return stdlib


def _loop(call: Callable[..., object], *args: object) -> Emit:
    def emit(count: int) -> None:
        for _ in range(count):
            call(*args)

    return emit


@contextlib.contextmanager
def floor(directory: Path) -> Iterator[Emit]:
    """A preformatted line written to an open buffered file: what no logger can beat."""
    line = f"2026-01-01 00:00:00 | INFO | bench | emit:1 | {MESSAGE % ARGS}\n"
    with open(directory / "floor.log", "a", encoding="utf-8") as file:
        yield _loop(file.write, line)


@contextlib.contextmanager
def stdlib_file(directory: Path, message: tuple[object, ...] = (MESSAGE, *ARGS)) -> Iterator[Emit]:
    handler = logging.FileHandler(directory / "stdlib.log")
    yield _loop(_stdlib_logger("bench.stdlib", handler).info, *message)
    handler.close()


@contextlib.contextmanager
def stdlib_rotating(directory: Path) -> Iterator[Emit]:
    path = directory / "rotating.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=TEN_MIB, backupCount=5)
    yield _loop(_stdlib_logger("bench.rotating", handler).info, MESSAGE, *ARGS)
    handler.close()


@contextlib.contextmanager
def stdlib_disabled(directory: Path) -> Iterator[Emit]:
    handler = logging.FileHandler(directory / "stdlib-off.log")
    yield _loop(_stdlib_logger("bench.off", handler).debug, MESSAGE, *ARGS)
    handler.close()


def loguru_case(
    method: str = "info", message: tuple[object, ...] = (BRACE_MESSAGE, *ARGS), **options: Any
) -> CaseFactory:
    @contextlib.contextmanager
    def case(directory: Path) -> Iterator[Emit]:
        clean()
        loguru_logger.add(directory / "loguru.log", format=LOGURU_FORMAT, level="INFO", **options)
        yield _loop(getattr(loguru_logger, method), *message)
        loguru_logger.remove()

    return case


#: The extra fields of the "with fields" cases: a request's, one of them nested.
FIELDS = {"user_id": 42, "path": "/api/v1/items", "status": 200, "request": {"method": "GET"}}


def facade_case(
    method: str = "info",
    message: tuple[object, ...] = (MESSAGE, *ARGS),
    extra: dict[str, object] | None = None,
    **fields: Any,
) -> CaseFactory:
    @contextlib.contextmanager
    def case(directory: Path) -> Iterator[Emit]:
        clean()
        configure_logging(
            LogConfig(
                log_dir=directory / "facade",
                console_output=False,
                format_string=STDLIB_FORMAT,
                date_format=DATE_FORMAT,
                max_bytes=TEN_MIB,
                **fields,
            )
        )
        # get_logger's record with alonechat's handler alone on the root: stdlib's route
        call = getattr(get_logger("bench"), method)
        yield _loop(functools.partial(call, extra=extra) if extra else call, *message)
        reset_logging()

    return case


@contextlib.contextmanager
def facade_beside_a_user_handler(directory: Path) -> Iterator[Emit]:
    """get_logger's record to a user's own FileHandler and to alonechat's sinks (one
    LogRecord, two handlers)."""
    handler = logging.FileHandler(directory / "user.log")
    handler.setFormatter(logging.Formatter(STDLIB_FORMAT, DATE_FORMAT))
    with facade_case()(directory):
        logger = get_logger("bench.user")
        logger.addHandler(handler)
        yield _loop(logger.info, MESSAGE, *ARGS)
        logger.removeHandler(handler)
    handler.close()


@contextlib.contextmanager
def stdlib_then_facade(directory: Path) -> Iterator[Emit]:
    """The same two records made apart, one after the other: a stdlib FileHandler's and
    alonechat's. What a record through both costs at the least, measured with
    the same interference between the two workloads (their sum measured apart is ~20 %
    lower: caches and branch predictors serve one workload better than two)."""
    handler = logging.FileHandler(directory / "apart.log")
    stdlib = _stdlib_logger("bench.apart", handler)
    with facade_case()(directory):
        facade = get_logger("bench")

        def emit(count: int) -> None:
            for _ in range(count):
                stdlib.info(MESSAGE, *ARGS)
                facade.info(MESSAGE, *ARGS)

        yield emit
    handler.close()


@contextlib.contextmanager
def facade_intercept(directory: Path) -> Iterator[Emit]:
    """A plain stdlib logger's record (a library's) through alonechat's InterceptHandler
    into its sinks."""
    clean()
    configure_logging(
        LogConfig(
            log_dir=directory / "intercept",
            console_output=False,
            format_string=STDLIB_FORMAT,
            date_format=DATE_FORMAT,
        )
    )
    # a library's logger, outside the tree but propagating to the root logger
    stdlib = logging.Logger("bench.intercepted")
    stdlib.parent = logging.getLogger()
    yield _loop(stdlib.info, MESSAGE, *ARGS)
    reset_logging()


class _RecipeHandler(logging.Handler):
    """The InterceptHandler of loguru's README, as users copy it (the baseline to beat)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = loguru_logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = sys._getframe(0), 0
        while frame and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame, depth = frame.f_back, depth + 1  # type: ignore[assignment]
        loguru_logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


@contextlib.contextmanager
def loguru_recipe(directory: Path) -> Iterator[Emit]:
    clean()
    loguru_logger.add(directory / "recipe.log", format=LOGURU_FORMAT, level="INFO")
    stdlib = logging.Logger("bench.recipe", logging.INFO)  # stdlib's own class
    stdlib.addHandler(_RecipeHandler())
    yield _loop(stdlib.info, MESSAGE, *ARGS)
    loguru_logger.remove()


@contextlib.contextmanager
def structlog_json(directory: Path) -> Iterator[Emit]:
    """structlog's JSON renderer with the caller's module, function and line."""
    import structlog

    parameters = structlog.processors.CallsiteParameter
    with open(directory / "structlog.log", "a", encoding="utf-8") as file:
        structlog.configure(
            processors=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.processors.CallsiteParameterAdder(
                    [parameters.MODULE, parameters.FUNC_NAME, parameters.LINENO]
                ),
                structlog.processors.JSONRenderer(),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
            logger_factory=structlog.WriteLoggerFactory(file=file),
            cache_logger_on_first_use=False,
        )
        yield _loop(structlog.get_logger("bench").info, MESSAGE, *ARGS)
        structlog.reset_defaults()


@contextlib.contextmanager
def picologging_file(directory: Path) -> Iterator[Emit]:
    import picologging

    handler = picologging.FileHandler(str(directory / "pico.log"))
    handler.setFormatter(picologging.Formatter(STDLIB_FORMAT, DATE_FORMAT))
    pico = picologging.getLogger("bench.pico")
    pico.handlers = [handler]
    pico.setLevel(picologging.INFO)
    yield _loop(pico.info, MESSAGE, *ARGS)
    handler.close()


@contextlib.contextmanager
def _stdout_to(path: Path) -> Iterator[None]:
    """sys.stdout is a file for the case (what a container runtime reads is a pipe)."""
    with open(path, "a", encoding="utf-8") as file, contextlib.redirect_stdout(file):
        yield


@contextlib.contextmanager
def loguru_stdout_json(directory: Path) -> Iterator[Emit]:
    clean()
    with _stdout_to(directory / "stdout.log"):
        loguru_logger.add(sys.stdout, serialize=True, level="INFO")
        yield _loop(loguru_logger.info, BRACE_MESSAGE, *ARGS)
        loguru_logger.remove()


@contextlib.contextmanager
def facade_stdout_json(directory: Path) -> Iterator[Emit]:
    with _stdout_to(directory / "stdout.log"), facade_case(stdout_json=True)(directory) as emit:
        yield emit


@contextlib.contextmanager
def _udp_receiver() -> Iterator[tuple[str, int]]:
    """A bound UDP port that nobody reads (the kernel drops what overflows its buffer)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        yield receiver.getsockname()


@contextlib.contextmanager
def stdlib_syslog(directory: Path) -> Iterator[Emit]:
    with _udp_receiver() as address:
        handler = logging.handlers.SysLogHandler(address)
        yield _loop(_stdlib_logger("bench.syslog", handler).info, MESSAGE, *ARGS)
        handler.close()


# A TCP syslog server in another process (so that it does not compete for this one's GIL):
# it accepts one connection and reads and discards everything.
_TCP_READER = """
import socket, sys
server = socket.create_server(("127.0.0.1", 0))
print(server.getsockname()[1], flush=True)
connection, _ = server.accept()
while connection.recv(1 << 20):
    pass
"""


@contextlib.contextmanager
def _tcp_receiver() -> Iterator[tuple[str, int]]:
    import subprocess

    reader = subprocess.Popen(
        [sys.executable, "-c", _TCP_READER], stdout=subprocess.PIPE, text=True
    )
    assert reader.stdout is not None
    port = int(reader.stdout.readline())
    try:
        yield "127.0.0.1", port
    finally:
        reader.kill()
        reader.wait()
        reader.stdout.close()


def _facade_syslog(transport: str) -> CaseFactory:
    @contextlib.contextmanager
    def case(directory: Path) -> Iterator[Emit]:
        receiver = _udp_receiver() if transport == "udp" else _tcp_receiver()
        with receiver as (host, port):
            address = f"{transport}://{host}:{port}"
            # leaving the case stops the sink: for TCP, once the sender thread sent the queue
            with facade_case(file_output=False, syslog_address=address)(directory) as emit:
                yield emit

    return case


@contextlib.contextmanager
def logly_file(directory: Path) -> Iterator[Emit]:
    """logly (a Rust core with loguru's API): its file sink with size rotation."""
    from logly import logger as logly_logger

    logly_logger.remove()
    logly_logger.add(
        str(directory / "logly.log"), format=LOGLY_FORMAT, level="INFO", rotation="10 MB"
    )
    yield _loop(logly_logger.info, BRACE_MESSAGE, *ARGS)
    logly_logger.complete()
    logly_logger.remove()


def _installed(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def cases() -> list[Case]:
    """Every case, in table order (peers only when they are installed)."""
    found = [
        Case("floor: preformatted line, buffered file", "enabled", floor),
        Case("stdlib FileHandler", "enabled", stdlib_file),
        Case("stdlib RotatingFileHandler", "enabled", stdlib_rotating),
        Case("loguru file sink", "enabled", loguru_case()),
        Case("loguru file sink, rotation", "enabled", loguru_case(rotation=TEN_MIB)),
        Case("alonechat text, rotating files", "enabled", facade_case()),
        Case("loguru serialize=True", "json", loguru_case(serialize=True)),
        Case("alonechat JSON, rotating files", "json", facade_case(json_output=True)),
        Case("stdlib debug() at INFO", "disabled", stdlib_disabled),
        Case("loguru debug() at INFO", "disabled", loguru_case(method="debug")),
        Case("alonechat debug() at INFO", "disabled", facade_case(method="debug")),
        Case("loguru README InterceptHandler", "stdlib", loguru_recipe),
        Case("alonechat InterceptHandler", "stdlib", facade_intercept),
        Case("alonechat + a user's FileHandler", "stdlib", facade_beside_a_user_handler),
        Case("stdlib FileHandler, then alonechat", "stdlib", stdlib_then_facade),
        Case("loguru enqueue=True (caller)", "queued", loguru_case(enqueue=True), True),
        # a burst that fits the queue (the sustained-load rows use the default queue_size)
        Case(
            "alonechat enqueue=True (caller)",
            "queued",
            facade_case(enqueue=True, queue_size=100_000),
            True,
        ),
        Case("loguru serialize=True to stdout", "stdout", loguru_stdout_json),
        Case("alonechat JSON to stdout", "stdout", facade_stdout_json),
        Case("alonechat text, redact=True", "secrets", facade_case(redact=True)),
        Case("alonechat JSON, 4 fields", "secrets", facade_case(extra=FIELDS, json_output=True)),
        Case(
            "alonechat JSON, 4 fields, redact=True",
            "secrets",
            facade_case(extra=FIELDS, json_output=True, redact=True),
        ),
        Case(
            "stdlib FileHandler, 16 KiB",
            "size",
            functools.partial(stdlib_file, message=("payload %s", LARGE)),
            share=0.1,
        ),
        Case(
            "loguru file sink, 16 KiB",
            "size",
            loguru_case(message=("payload {}", LARGE)),
            share=0.1,
        ),
        Case(
            "alonechat text, 16 KiB", "size", facade_case(message=("payload %s", LARGE)), share=0.1
        ),
        Case(
            "alonechat text, 16 KiB, redact=True",
            "size",
            facade_case(message=("payload %s", LARGE), redact=True),
            share=0.1,
        ),
        Case("stdlib SysLogHandler, UDP", "syslog", stdlib_syslog),
        Case("alonechat syslog, UDP (caller)", "syslog", _facade_syslog("udp"), True),
        Case("alonechat syslog, TCP (caller)", "syslog", _facade_syslog("tcp"), True),
    ]
    if _installed("structlog"):
        found.append(Case("structlog JSON, caller fields", "json", structlog_json))
    if _installed("picologging"):
        found.append(Case("picologging FileHandler", "enabled", picologging_file))
    if _installed("logly"):
        found.append(Case("logly file sink, rotation", "enabled", logly_file))
    return found


def thread_cases() -> list[tuple[str, CaseFactory]]:
    """The cases the threads benchmark runs with 1 and 4 threads (peers when installed)."""
    found: list[tuple[str, CaseFactory]] = [
        ("floor: preformatted line, buffered file", floor),
        ("stdlib FileHandler", stdlib_file),
        ("loguru file sink, rotation", loguru_case(rotation=TEN_MIB)),
        ("alonechat text, rotating files", facade_case()),
        ("alonechat enqueue=True", facade_case(enqueue=True)),
    ]
    # (picologging is left out: four of its threads writing one FileHandler hung here)
    if _installed("structlog"):
        found.append(("structlog JSON, caller fields", structlog_json))
    if _installed("logly"):
        found.append(("logly file sink, rotation", logly_file))
    return found

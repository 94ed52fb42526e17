"""The cost of a log record: alonechat side by side with loguru, stdlib logging and the floor.

Every case runs in this one process, interleaved over several rounds (so that a slow moment of
the machine hits all cases alike), and the table shows the median nanoseconds per record, the
min and max over the rounds, and the ratios to raw loguru and to stdlib's FileHandler. Trust
the ratios, not the absolute numbers.

    python -m benchmarks                 # the full run
    python -m benchmarks --quick         # a small smoke run (CI)
    python -m benchmarks --json out.json --plot out.png
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import logging.handlers
import os
import platform
import statistics
import sys
import tempfile
import time
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
STDLIB_FORMAT = "%(asctime)s | %(levelname)s | %(name)s | %(funcName)s:%(lineno)d | %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
LOGURU_FORMAT = "{time:%Y-%m-%d %H:%M:%S} | {level} | {name} | {function}:{line} | {message}"
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
    samples: list[float] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)


def _clean() -> None:
    """No sinks left from a previous case: loguru, alonechat and stdlib start empty."""
    reset_logging()
    loguru_logger.remove()
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)


def _stdlib_logger(name: str, handler: logging.Handler, level: int = logging.INFO) -> Any:
    """stdlib's own logging.Logger (not the subclass that importing alonechat makes
    logging.getLogger return), writing to ``handler`` only."""
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
def stdlib_file(directory: Path) -> Iterator[Emit]:
    handler = logging.FileHandler(directory / "stdlib.log")
    yield _loop(_stdlib_logger("bench.stdlib", handler).info, MESSAGE, *ARGS)
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


def _loguru_case(**options: Any) -> CaseFactory:
    @contextlib.contextmanager
    def case(directory: Path) -> Iterator[Emit]:
        _clean()
        method = options.pop("method", "info")
        loguru_logger.add(directory / "loguru.log", format=LOGURU_FORMAT, level="INFO", **options)
        options["method"] = method
        yield _loop(getattr(loguru_logger, method), BRACE_MESSAGE, *ARGS)
        loguru_logger.remove()

    return case


def _facade_case(method: str = "info", **fields: Any) -> CaseFactory:
    @contextlib.contextmanager
    def case(directory: Path) -> Iterator[Emit]:
        _clean()
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
        # get_logger's record with alonechat's handler alone on the chain: the fast path
        yield _loop(getattr(get_logger("bench"), method), MESSAGE, *ARGS)
        reset_logging()

    return case


@contextlib.contextmanager
def facade_beside_a_user_handler(directory: Path) -> Iterator[Emit]:
    """get_logger's record to a user's own FileHandler and to alonechat's sinks: stdlib's
    route (a LogRecord is made), as soon as a second handler is on the chain."""
    handler = logging.FileHandler(directory / "user.log")
    handler.setFormatter(logging.Formatter(STDLIB_FORMAT, DATE_FORMAT))
    with _facade_case()(directory):
        logger = get_logger("bench.user")
        logger.addHandler(handler)
        yield _loop(logger.info, MESSAGE, *ARGS)
        logger.removeHandler(handler)
    handler.close()


@contextlib.contextmanager
def stdlib_then_facade(directory: Path) -> Iterator[Emit]:
    """The same two records made apart, one after the other: a stdlib FileHandler's and
    alonechat's (fast path). What a record through both costs at the least, measured with
    the same interference between the two workloads (their sum measured apart is ~20 %
    lower: caches and branch predictors serve one workload better than two)."""
    handler = logging.FileHandler(directory / "apart.log")
    stdlib = _stdlib_logger("bench.apart", handler)
    with _facade_case()(directory):
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
    into its sinks: stdlib's route, a LogRecord is made."""
    _clean()
    configure_logging(
        LogConfig(
            log_dir=directory / "intercept",
            console_output=False,
            format_string=STDLIB_FORMAT,
            date_format=DATE_FORMAT,
        )
    )
    # a library's logger made before alonechat was imported: a plain logging.Logger, whose
    # records take stdlib's route (a LogRecord is made)
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
    _clean()
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
    _clean()
    with _stdout_to(directory / "stdout.log"):
        loguru_logger.add(sys.stdout, serialize=True, level="INFO")
        yield _loop(loguru_logger.info, BRACE_MESSAGE, *ARGS)
        loguru_logger.remove()


@contextlib.contextmanager
def facade_stdout_json(directory: Path) -> Iterator[Emit]:
    with _stdout_to(directory / "stdout.log"), _facade_case(stdout_json=True)(directory) as emit:
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
            with _facade_case(file_output=False, syslog_address=address)(directory) as emit:
                yield emit

    return case


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
        Case("loguru file sink", "enabled", _loguru_case()),
        Case("loguru file sink, rotation", "enabled", _loguru_case(rotation=TEN_MIB)),
        Case("alonechat text, rotating files", "enabled", _facade_case()),
        Case("loguru serialize=True", "json", _loguru_case(serialize=True)),
        Case("alonechat JSON, rotating files", "json", _facade_case(json_output=True)),
        Case("stdlib debug() at INFO", "disabled", stdlib_disabled),
        Case("loguru debug() at INFO", "disabled", _loguru_case(method="debug")),
        Case("alonechat debug() at INFO", "disabled", _facade_case(method="debug")),
        Case("loguru README InterceptHandler", "stdlib", loguru_recipe),
        Case("alonechat InterceptHandler", "stdlib", facade_intercept),
        Case("alonechat + a user's FileHandler", "stdlib", facade_beside_a_user_handler),
        Case("stdlib FileHandler, then alonechat", "stdlib", stdlib_then_facade),
        Case("loguru enqueue=True (caller)", "queued", _loguru_case(enqueue=True), True),
        # a burst that fits the queue (the sustained-load rows use the default queue_size)
        Case(
            "alonechat enqueue=True (caller)",
            "queued",
            _facade_case(enqueue=True, queue_size=100_000),
            True,
        ),
        Case("loguru serialize=True to stdout", "stdout", loguru_stdout_json),
        Case("alonechat JSON to stdout", "stdout", facade_stdout_json),
        Case("stdlib SysLogHandler, UDP", "syslog", stdlib_syslog),
        Case("alonechat syslog, UDP (caller)", "syslog", _facade_syslog("udp"), True),
        Case("alonechat syslog, TCP (caller)", "syslog", _facade_syslog("tcp"), True),
    ]
    if _installed("structlog"):
        found.append(Case("structlog JSON, caller fields", "json", structlog_json))
    if _installed("picologging"):
        found.append(Case("picologging FileHandler", "enabled", picologging_file))
    return found


def measure(all_cases: list[Case], records: int, rounds: int, directory: Path) -> None:
    """Run every case ``rounds`` times, interleaved, ``records`` records each time."""
    for round_index in range(rounds):
        for case in all_cases:
            case_dir = directory / f"r{round_index}-{len(case.samples)}-{id(case)}"
            case_dir.mkdir(parents=True)
            gc.collect()
            with case.factory(case_dir) as emit:
                emit(min(records, 200))  # warm up: caches, first file open
                gc.collect()  # the setup's garbage is not collected in the timed loop
                start = time.perf_counter_ns()
                emit(records)
                caller = time.perf_counter_ns() - start
            total = time.perf_counter_ns() - start
            case.samples.append(caller / records)
            case.totals.append(total / records)
        _clean()


def scaling(records: list[int], sizes: list[int], directory: Path) -> list[dict[str, Any]]:
    """alonechat text: ns per record by run length and by message size (one run each)."""
    rows = []
    for count in records:
        with _facade_case()(directory / f"n{count}") as emit:
            start = time.perf_counter_ns()
            emit(count)
            rows.append(
                {"case": f"{count:,} records", "ns": (time.perf_counter_ns() - start) / count}
            )
    for size in sizes:
        payload = "x" * size
        with _facade_case()(directory / f"s{size}") as _:
            logger = get_logger("bench")
            count = max(records[0] // 2, 100)
            start = time.perf_counter_ns()
            for _index in range(count):
                logger.info("payload %s", payload)
            rows.append(
                {"case": f"{size:,} B messages", "ns": (time.perf_counter_ns() - start) / count}
            )
    _clean()
    return rows


def sustained(records: int, directory: Path) -> list[dict[str, Any]]:
    """Sustained load: ``records`` logged in one run per case, far more than an ``enqueue``
    queue holds (10,000), so its writer, not the burst, sets the pace. Per case: ns per
    record in the caller, and records written per second (until the last is written)."""
    rows = []
    for name, factory in (
        ("alonechat enqueue=True", _facade_case(enqueue=True)),
        ("alonechat synchronous", _facade_case()),
        ("loguru enqueue=True", _loguru_case(enqueue=True)),
    ):
        gc.collect()
        with factory(directory / name.replace(" ", "-")) as emit:
            emit(200)
            start = time.perf_counter_ns()
            emit(records)
            caller = time.perf_counter_ns() - start
        total = time.perf_counter_ns() - start
        rows.append(
            {"case": name, "caller_ns": caller / records, "records_per_s": records * 1e9 / total}
        )
    _clean()
    return rows


_WORKER = """
import sys
from alonechat.core.logging import LogConfig, configure_logging, get_logger, reset_logging
configure_logging(LogConfig(log_dir=sys.argv[1], console_output=False, max_bytes=1024 * 1024,
                            format_string=sys.argv[3], date_format=sys.argv[4]))
sys.stdin.readline()
log = get_logger("bench")
for _ in range(int(sys.argv[2])):
    log.info("User %s from %s", "alice", "10.0.0.1")
reset_logging()
"""


def multiprocess(counts: list[int], records: int, directory: Path) -> list[dict[str, Any]]:
    """Processes writing one log_dir through rotation (1 MiB files): total records/s."""
    import subprocess

    rows = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for count in counts:
        command = [sys.executable, "-c", _WORKER, str(directory / f"procs{count}"), str(records)]
        workers = [
            subprocess.Popen(
                [*command, STDLIB_FORMAT, DATE_FORMAT], stdin=subprocess.PIPE, env=env, text=True
            )
            for _ in range(count)
        ]
        time.sleep(0.5 + 0.2 * count)  # let every worker import and configure
        start = time.perf_counter()
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.close()
        for worker in workers:
            worker.wait()
        elapsed = time.perf_counter() - start
        rows.append({"case": f"{count} process(es)", "records_per_s": count * records / elapsed})
    return rows


def summarise(all_cases: list[Case]) -> list[dict[str, Any]]:
    by_name = {case.name: statistics.median(case.samples) for case in all_cases}
    loguru, stdlib = by_name["loguru file sink"], by_name["stdlib FileHandler"]
    rows = []
    for case in all_cases:
        median = by_name[case.name]
        row = {
            "case": case.name,
            "group": case.group,
            "median_ns": median,
            "min_ns": min(case.samples),
            "max_ns": max(case.samples),
            "vs_loguru": median / loguru,
            "vs_stdlib": median / stdlib,
        }
        if case.flush_counts:
            row["total_ns"] = statistics.median(case.totals)
        rows.append(row)
    return rows


TARGETS = [
    # (what, case, baseline, at most)
    (
        "text vs loguru with rotation",
        "alonechat text, rotating files",
        "loguru file sink, rotation",
        1.10,
    ),
    (
        "text vs RotatingFileHandler",
        "alonechat text, rotating files",
        "stdlib RotatingFileHandler",
        1.0,
    ),
    ("JSON vs loguru serialize", "alonechat JSON, rotating files", "loguru serialize=True", 0.6),
    (
        "JSON vs structlog JSON",
        "alonechat JSON, rotating files",
        "structlog JSON, caller fields",
        1.5,
    ),
    ("disabled vs stdlib disabled", "alonechat debug() at INFO", "stdlib debug() at INFO", 1.0),
    (  # stdlib's route costs no more than its parts: a stdlib record and alonechat's sinks
        "user handler + sinks vs the two apart",
        "alonechat + a user's FileHandler",
        "stdlib FileHandler, then alonechat",
        1.0,
    ),
    (
        "intercept vs README recipe",
        "alonechat InterceptHandler",
        "loguru README InterceptHandler",
        0.75,
    ),
    (
        "stdout JSON vs loguru serialize",
        "alonechat JSON to stdout",
        "loguru serialize=True to stdout",
        0.6,
    ),
    (  # the syslog sink's own cost: the same JSON record sent instead of written
        "syslog caller vs JSON file",
        "alonechat syslog, UDP (caller)",
        "alonechat JSON, rotating files",
        1.15,
    ),
    (
        "enqueue caller vs sync facade",
        "alonechat enqueue=True (caller)",
        "alonechat text, rotating files",
        0.5,
    ),
]


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    median = {row["case"]: row["median_ns"] for row in rows}
    checks = []
    for what, case, baseline, limit in TARGETS:
        if case in median and baseline in median:
            ratio = median[case] / median[baseline]
            checks.append({"target": what, "ratio": ratio, "limit": limit, "met": ratio <= limit})
    return checks


def render(
    rows: list[dict[str, Any]],
    scale: list[dict[str, Any]],
    load: list[dict[str, Any]],
    processes: list[dict[str, Any]],
    checks: list[dict[str, Any]],
) -> str:
    lines = [
        f"{'case':<38} {'median ns':>10} {'min':>9} {'max':>9} {'x loguru':>9} {'x stdlib':>9}",
    ]
    group = None
    for row in rows:
        if row["group"] != group:
            group = row["group"]
            lines.append(f"-- {group}")
        lines.append(
            f"{row['case']:<38} {row['median_ns']:>10,.0f} {row['min_ns']:>9,.0f} "
            f"{row['max_ns']:>9,.0f} {row['vs_loguru']:>9.2f} {row['vs_stdlib']:>9.2f}"
        )
        if "total_ns" in row:
            lines.append(f"{'   until flushed':<38} {row['total_ns']:>10,.0f}")
    if scale:
        lines.append("-- scaling (alonechat text, one run each)")
        lines += [f"{row['case']:<38} {row['ns']:>10,.0f}" for row in scale]
    if load:
        lines.append("-- sustained load (ns per record in the caller, records/s written)")
        lines += [
            f"{row['case']:<38} {row['caller_ns']:>10,.0f} {row['records_per_s']:>10,.0f}/s"
            for row in load
        ]
    lines.append("-- multi-process rotation: one log_dir, 1 MiB files (total records/s)")
    lines += [f"{row['case']:<38} {row['records_per_s']:>10,.0f}" for row in processes]
    lines.append("-- targets")
    for check in checks:
        verdict = "met" if check["met"] else "MISSED"
        bound = ">=" if check["target"].startswith("4 processes") else "<="
        lines.append(
            f"{check['target']:<38} {check['ratio']:>10.2f} {bound} {check['limit']:<5} {verdict}"
        )
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [row["case"] for row in rows][::-1]
    values = [row["median_ns"] / 1000 for row in rows][::-1]
    colors = ["#2f6fde" if name.startswith("alonechat") else "#9aa4b5" for name in names]
    figure, axes = plt.subplots(figsize=(9, 0.38 * len(names) + 1))
    axes.barh(names, values, color=colors)
    axes.set_xlabel("µs per record (median; lower is better)")
    axes.set_title("alonechat vs loguru, stdlib and peers")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small N for a smoke run (CI)")
    parser.add_argument("--records", type=int, help="records per case per round")
    parser.add_argument("--rounds", type=int, help="interleaved rounds")
    parser.add_argument("--json", type=Path, help="write the results as JSON")
    parser.add_argument("--plot", type=Path, help="draw a PNG bar chart (needs matplotlib)")
    args = parser.parse_args(argv)
    records = args.records or (300 if args.quick else 20_000)
    rounds = args.rounds or (2 if args.quick else 7)
    all_cases = cases()
    with tempfile.TemporaryDirectory(prefix="alonechat-bench-") as tmp:
        measure(all_cases, records, rounds, Path(tmp))
        scale = scaling(
            [1_000, 2_000] if args.quick else [10_000, 100_000, 1_000_000],
            [100, 1024, 16 * 1024],
            Path(tmp) / "scaling",
        )
        load = sustained(5_000 if args.quick else 200_000, Path(tmp) / "sustained")
        processes = multiprocess([1, 2, 4], records * 5, Path(tmp) / "processes")
    rows = summarise(all_cases)
    checks = targets(rows)
    ratio = processes[2]["records_per_s"] / processes[0]["records_per_s"]
    checks.append(
        {
            "target": "4 processes vs 1 (records/s)",
            "ratio": ratio,
            "limit": 1.0,
            "met": ratio >= 1.0,
        }
    )
    print(
        f"alonechat benchmarks: {records:,} records x {rounds} rounds, "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(render(rows, scale, load, processes, checks))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "cases": rows,
                    "scaling": scale,
                    "sustained": load,
                    "processes": processes,
                    "targets": checks,
                },
                indent=2,
            )
        )
    if args.plot:
        plot(rows, args.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

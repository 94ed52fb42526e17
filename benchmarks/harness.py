"""Running cases and timing them: interleaved rounds (``measure``), run length and message
size (``scaling``), sustained load (``sustained``) and processes sharing a log_dir."""

from __future__ import annotations

import gc
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

from alonechat.core.logging import get_logger
from benchmarks.cases import (
    DATE_FORMAT,
    STDLIB_FORMAT,
    Case,
    CaseFactory,
    clean,
    facade_case,
    loguru_case,
    thread_cases,
)


def measure(all_cases: list[Case], records: int, rounds: int, directory: Path) -> None:
    """Run every case ``rounds`` times, interleaved, ``records`` records each time."""
    for round_index in range(rounds):
        for case in all_cases:
            case_dir = directory / f"r{round_index}-{len(case.samples)}-{id(case)}"
            case_dir.mkdir(parents=True)
            gc.collect()
            count = max(int(records * case.share), 1)
            with case.factory(case_dir) as emit:
                emit(min(count, 200))  # warm up: caches, first file open
                gc.collect()  # the setup's garbage is not collected in the timed loop
                start = time.perf_counter_ns()
                emit(count)
                caller = time.perf_counter_ns() - start
            total = time.perf_counter_ns() - start
            case.samples.append(caller / count)
            case.totals.append(total / count)
        clean()


def scaling(records: list[int], sizes: list[int], directory: Path) -> list[dict[str, Any]]:
    """alonechat text: ns per record by run length and by message size (one run each)."""
    rows = []
    for count in records:
        with facade_case()(directory / f"n{count}") as emit:
            start = time.perf_counter_ns()
            emit(count)
            rows.append(
                {"case": f"{count:,} records", "ns": (time.perf_counter_ns() - start) / count}
            )
    for size in sizes:
        payload = "x" * size
        with facade_case()(directory / f"s{size}") as _:
            logger = get_logger("bench")
            count = max(records[0] // 2, 100)
            start = time.perf_counter_ns()
            for _index in range(count):
                logger.info("payload %s", payload)
            rows.append(
                {"case": f"{size:,} B messages", "ns": (time.perf_counter_ns() - start) / count}
            )
    clean()
    return rows


def sustained(records: int, directory: Path) -> list[dict[str, Any]]:
    """Sustained load: ``records`` logged in one run per case, far more than an ``enqueue``
    queue holds (10,000), so its writer, not the burst, sets the pace. Per case: ns per
    record in the caller, and records written per second (until the last is written)."""
    rows = []
    for name, factory in (
        ("alonechat enqueue=True", facade_case(enqueue=True)),
        ("alonechat synchronous", facade_case()),
        ("loguru enqueue=True", loguru_case(enqueue=True)),
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
    clean()
    return rows


def _threaded(factory: CaseFactory, threads: int, records: int, directory: Path) -> float:
    """Records per second (until all are written) with ``threads`` threads logging
    ``records`` in all at once."""
    directory.mkdir(parents=True)
    gc.collect()
    with factory(directory) as emit:
        emit(200)
        workers = [
            threading.Thread(target=emit, args=(records // threads,)) for _ in range(threads)
        ]
        start = time.perf_counter_ns()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    return records * 1e9 / (time.perf_counter_ns() - start)


def threads(records: int, rounds: int, directory: Path) -> list[dict[str, Any]]:
    """Threads logging at once: records/s with 1 and 4 threads (``records`` in all), per
    case, interleaved over ``rounds``; the ratio 4 threads / 1 shows whether they convoy
    (1.0: they share the interpreter as well as one thread uses it)."""
    found = thread_cases()
    rates: dict[str, dict[int, list[float]]] = {name: {1: [], 4: []} for name, _ in found}
    for round_index in range(rounds):
        for name, factory in found:
            for count in (1, 4):
                place = directory / f"r{round_index}-{count}-{name.replace(' ', '-')}"
                rates[name][count].append(_threaded(factory, count, records, place))
    clean()
    rows = []
    for name, _ in found:
        one, four = (statistics.median(rates[name][n]) for n in (1, 4))
        rows.append({"case": name, "one_per_s": one, "four_per_s": four, "ratio": four / one})
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

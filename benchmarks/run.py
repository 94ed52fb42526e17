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
import json
import os
import platform
import tempfile
from pathlib import Path

from benchmarks.cases import cases
from benchmarks.harness import measure, multiprocess, scaling, sustained, threads
from benchmarks.report import plot, render, summarise, targets


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
        threaded = threads(records, rounds, Path(tmp) / "threads")
    rows = summarise(all_cases)
    checks = targets(rows, processes, load, threaded)
    print(
        f"alonechat benchmarks: {records:,} records x {rounds} rounds, "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(render(rows, scale, load, processes, threaded, checks))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "cases": rows,
                    "scaling": scale,
                    "sustained": load,
                    "processes": processes,
                    "threads": threaded,
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

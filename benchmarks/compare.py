"""This checkout against another revision of alonechat: the same calls, interleaved processes.

A change to the route every record takes is judged against the code it replaces, measured the
same way in the same run: each round starts one fresh process per revision (in alternating
order), which configures the same text and JSON layouts the benchmarks use and times 20,000
``get_logger("bench").info(...)`` calls per layout. The table shows the medians and the ratio
this checkout / the other revision (below 1.00: this checkout is faster).

    python -m benchmarks.compare HEAD~3          # any git revision
    python -m benchmarks.compare v0.1.0 --rounds 20
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.cases import ARGS, DATE_FORMAT, MESSAGE, STDLIB_FORMAT

REPO = Path(__file__).resolve().parents[1]
LAYOUTS = ("text", "JSON")

# Runs in a fresh interpreter with the revision's checkout first on sys.path; the message and
# layout are this checkout's (benchmarks.cases), whatever the revision's benchmarks hold.
_CASE = f"""
import sys, tempfile, time
sys.path.insert(0, sys.argv[1])
from alonechat.core.logging import LogConfig, configure_logging, get_logger, reset_logging
MESSAGE, ARGS = {MESSAGE!r}, {ARGS!r}
STDLIB_FORMAT, DATE_FORMAT = {STDLIB_FORMAT!r}, {DATE_FORMAT!r}
records = int(sys.argv[2])
for json_output in (False, True):
    configure_logging(LogConfig(log_dir=tempfile.mkdtemp(), console_output=False,
                                json_output=json_output, format_string=STDLIB_FORMAT,
                                date_format=DATE_FORMAT))
    info = get_logger("bench").info
    for _ in range(200):
        info(MESSAGE, *ARGS)
    start = time.perf_counter_ns()
    for _ in range(records):
        info(MESSAGE, *ARGS)
    print((time.perf_counter_ns() - start) / records)
    reset_logging()
"""


def _time(checkout: Path, records: int) -> list[float]:
    """ns per record for each layout, in a fresh process running ``checkout``."""
    done = subprocess.run(
        [sys.executable, "-c", _CASE, str(checkout), str(records)],
        cwd=tempfile.gettempdir(),  # nothing of this checkout on sys.path but argv[1]
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(line) for line in done.stdout.split()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__)
    parser.add_argument("revision", help="the git revision to compare this checkout with")
    parser.add_argument("--rounds", type=int, default=12, help="processes per revision")
    parser.add_argument("--records", type=int, default=20_000, help="records per layout")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="alonechat-compare-") as tmp:
        other = Path(tmp) / "other"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(other), args.revision],
            check=True,
            capture_output=True,
        )
        try:
            checkouts = {"this checkout": REPO, args.revision: other}
            samples: dict[str, list[list[float]]] = {name: [] for name in checkouts}
            for round_index in range(args.rounds):
                order = list(checkouts.items())
                for name, checkout in order if round_index % 2 == 0 else order[::-1]:
                    samples[name].append(_time(checkout, args.records))
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(other)],
                check=False,
                capture_output=True,
            )
    medians = {
        name: [statistics.median(run[index] for run in runs) for index in range(len(LAYOUTS))]
        for name, runs in samples.items()
    }
    mine, theirs = medians["this checkout"], medians[args.revision]
    print(f"{args.rounds} processes per revision, {args.records:,} records per layout")
    print(f"{'layout':<8} {'this checkout':>14} {args.revision[:14]:>14} {'ratio':>7}")
    for index, layout in enumerate(LAYOUTS):
        ratio = mine[index] / theirs[index]
        print(f"{layout:<8} {mine[index]:>11,.0f} ns {theirs[index]:>11,.0f} ns {ratio:>7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The benchmark harness runs and measures every case (no timing is asserted: noisy machines)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` in the checkout; its output."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_quick_run_produces_a_number_for_every_case(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = _run("benchmarks", "--quick", "--json", str(out))
    assert result.returncode == 0, result.stderr
    results = json.loads(out.read_text())
    names = {row["case"] for row in results["cases"]}
    for expected in (
        "floor: preformatted line, buffered file",
        "stdlib FileHandler",
        "loguru file sink, rotation",
        "alonechat text, rotating files",
        "alonechat JSON, rotating files",
        "alonechat debug() at INFO",
        "alonechat InterceptHandler",
        "alonechat + a user's FileHandler",
        "stdlib FileHandler, then alonechat",
        "alonechat enqueue=True (caller)",
        "alonechat JSON to stdout",
        "alonechat syslog, UDP (caller)",
        "alonechat syslog, TCP (caller)",
        "stdlib SysLogHandler, UDP",
    ):
        assert expected in names
    for row in results["cases"]:
        assert row["median_ns"] > 0, row["case"]
        assert row["min_ns"] <= row["median_ns"] <= row["max_ns"]
    assert [row["case"] for row in results["scaling"]] == [
        "1,000 records",
        "2,000 records",
        "100 B messages",
        "1,024 B messages",
        "16,384 B messages",
    ]
    assert all(row["ns"] > 0 for row in results["scaling"])
    assert [row["case"] for row in results["sustained"]] == [
        "alonechat enqueue=True",
        "alonechat synchronous",
        "loguru enqueue=True",
    ]
    assert all(row["caller_ns"] > 0 and row["records_per_s"] > 0 for row in results["sustained"])
    assert "-- sustained load" in result.stdout
    assert {check["target"] for check in results["targets"]} >= {
        "text vs loguru with rotation",
        "stdout JSON vs loguru serialize",
        "syslog caller vs JSON file",
        "user handler + sinks vs the two apart",
        "disabled vs stdlib disabled",
    }
    threaded = {row["case"]: row for row in results["threads"]}
    assert {
        "stdlib FileHandler",
        "alonechat text, rotating files",
        "alonechat enqueue=True",
    } <= set(threaded)
    assert all(row["one_per_s"] > 0 and row["four_per_s"] > 0 for row in threaded.values())
    assert "-- threads logging at once" in result.stdout
    assert {check["target"] for check in results["targets"]} >= {
        "enqueue vs sync, sustained (records/s)",
        "4 threads vs 1, text, rotating files",
        "4 threads vs 1, enqueue=True",
    }
    assert "-- targets" in result.stdout


def test_compare_times_this_checkout_against_a_revision() -> None:
    """benchmarks.compare runs both revisions and prints a ratio per layout."""
    result = _run("benchmarks.compare", "HEAD", "--rounds", "2", "--records", "200")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:]}
    assert set(rows) == {"text", "JSON"}
    assert all(float(row[-1]) > 0 for row in rows.values())

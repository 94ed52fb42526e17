"""MetricsCollector: exact counters under threads, percentiles, bounded memory, summary."""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig
from alonechat.core.logging.utils import MetricsCollector
from tests.helpers import read_json

Configure = Callable[..., LogConfig]


def nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)), 1) - 1]


def test_counters_are_exact_under_eight_threads() -> None:
    metrics = MetricsCollector()

    def work() -> None:
        for _ in range(10_000):
            metrics.increment("requests.total")
            metrics.increment("bytes", 3)
            metrics.record_timing("op", 0.001)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snapshot = metrics.snapshot()
    assert snapshot["counters"] == {"requests.total": 80_000, "bytes": 240_000}
    assert snapshot["timings"]["op"]["count"] == 80_000
    assert snapshot["timings"]["op"]["total"] == pytest.approx(80.0)


def test_percentiles_match_a_sorted_reference() -> None:
    """Up to the reservoir size the summary is exact (nearest-rank percentiles)."""
    rng = random.Random(7)
    values = [rng.lognormvariate(-3, 1) for _ in range(5_000)]
    metrics = MetricsCollector()
    for value in values:
        metrics.record_timing("latency", value)
    summary = metrics.snapshot()["timings"]["latency"]
    assert summary["count"] == 5_000
    assert summary["total"] == pytest.approx(math.fsum(values))
    assert summary["min"] == min(values)
    assert summary["max"] == max(values)
    assert summary["mean"] == pytest.approx(math.fsum(values) / 5_000)
    for key, p in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99)):
        assert summary[key] == nearest_rank(values, p)


def test_percentiles_stay_within_the_stated_error_with_bounded_memory() -> None:
    """Past the reservoir, the estimate's rank error stays within 4 standard deviations."""
    rng = random.Random(11)
    values = [rng.random() for _ in range(200_000)]
    metrics = MetricsCollector(reservoir_size=2_000, seed=3)
    for value in values:
        metrics.record_timing("t", value)
    assert len(metrics._timings["t"].sample) == 2_000  # memory is bounded
    ordered = sorted(values)
    summary = metrics.snapshot()["timings"]["t"]
    assert summary["min"] == ordered[0]
    assert summary["max"] == ordered[-1]
    for key, p in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99)):
        rank = sum(1 for v in ordered if v <= summary[key]) / len(ordered)
        assert abs(rank - p) <= 4 * math.sqrt(p * (1 - p) / 2_000), key


def test_reset_forgets_everything() -> None:
    metrics = MetricsCollector()
    metrics.increment("a")
    metrics.record_timing("b", 1)
    metrics.reset()
    assert metrics.snapshot() == {"counters": {}, "timings": {}}


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, "1", True])
def test_bad_timings_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="record_timing\\('t'\\): seconds must be"):
        MetricsCollector().record_timing("t", bad)  # type: ignore[arg-type]


def test_bad_increments_and_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="increment\\('c'\\): value must be a number"):
        MetricsCollector().increment("c", "2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reservoir_size: must be an int >= 1, got 0"):
        MetricsCollector(reservoir_size=0)


def test_log_summary_writes_one_structured_record(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    metrics = MetricsCollector()
    metrics.increment("requests.total")
    metrics.increment("requests.errors")
    metrics.record_timing("request.duration", 0.123)
    returned = metrics.log_summary()
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["logger"] == "alonechat.metrics"
    assert record["message"] == "metrics: 2 counters, 1 timings"
    assert record["counters"] == {"requests.total": 1, "requests.errors": 1}
    assert record["timings"]["request.duration"]["p99"] == 0.123
    assert record["timings"] == returned["timings"]
    assert record["function"] == "test_log_summary_writes_one_structured_record"

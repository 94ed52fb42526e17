"""The results: a row per case (``summarise``), the targets they are held to, the text
table (``render``) and the bar chart (``plot``)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.cases import Case


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
    ("redact=True vs off, short record", "alonechat text, redact=True",
     "alonechat text, rotating files", 1.15),
    ("redact=True vs off, JSON with fields", "alonechat JSON, 4 fields, redact=True",
     "alonechat JSON, 4 fields", 1.15),
    ("16 KiB redact=True vs stdlib FileHandler", "alonechat text, 16 KiB, redact=True",
     "stdlib FileHandler, 16 KiB", 1.5),
]  # fmt: skip
# (what, case and its short-record baseline, peer and its baseline, at most): the cost of
# each KiB of message above a short record's, against the peer's.
PER_KIB = [
    ("per KiB, redact=True vs loguru", ("alonechat text, 16 KiB, redact=True",
     "alonechat text, redact=True"), ("loguru file sink, 16 KiB", "loguru file sink"), 2.0),
]  # fmt: skip


def targets(
    rows: list[dict[str, Any]],
    processes: list[dict[str, Any]],
    load: list[dict[str, Any]],
    threaded: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Each of TARGETS whose two cases ran, then the ones where more is better: 4 processes
    against 1 (at least 1.0), enqueue's sustained throughput against synchronous (1.2), and
    4 threads against 1 (0.6), synchronous and with enqueue."""
    median = {row["case"]: row["median_ns"] for row in rows}
    checks = []
    for what, case, baseline, limit in TARGETS:
        if case in median and baseline in median:
            ratio = median[case] / median[baseline]
            checks.append({"target": what, "ratio": ratio, "limit": limit, "met": ratio <= limit})
    for what, (case, case_base), (peer, peer_base), limit in PER_KIB:
        if all(name in median for name in (case, case_base, peer, peer_base)):
            ratio = (median[case] - median[case_base]) / (median[peer] - median[peer_base])
            checks.append({"target": what, "ratio": ratio, "limit": limit, "met": ratio <= limit})
    at_least = [
        (
            "4 processes vs 1 (records/s)",
            processes[2]["records_per_s"] / processes[0]["records_per_s"],
            1.0,
        )
    ]
    rate = {row["case"]: row["records_per_s"] for row in load}
    if "alonechat enqueue=True" in rate and "alonechat synchronous" in rate:
        ratio = rate["alonechat enqueue=True"] / rate["alonechat synchronous"]
        at_least.append(("enqueue vs sync, sustained (records/s)", ratio, 1.2))
    for row in threaded:
        if row["case"].startswith("alonechat"):
            at_least.append((f"4 threads vs 1, {row['case'][10:]}", row["ratio"], 0.6))
    for what, ratio, limit in at_least:
        checks.append(
            {
                "target": what,
                "ratio": ratio,
                "limit": limit,
                "met": ratio >= limit,
                "at_least": True,
            }
        )
    return checks


def render(
    rows: list[dict[str, Any]],
    scale: list[dict[str, Any]],
    load: list[dict[str, Any]],
    processes: list[dict[str, Any]],
    threaded: list[dict[str, Any]],
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
    lines.append("-- threads logging at once (records/s until written: 1 thread, 4, ratio)")
    lines += [
        f"{row['case']:<38} {row['one_per_s']:>10,.0f} {row['four_per_s']:>10,.0f} "
        f"{row['ratio']:>6.2f}"
        for row in threaded
    ]
    lines.append("-- targets")
    for check in checks:
        verdict = "met" if check["met"] else "MISSED"
        bound = ">=" if check.get("at_least") else "<="
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

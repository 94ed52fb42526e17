"""Trace correlation with the real OpenTelemetry SDK: trace_id and span_id on every record."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider

from alonechat.core.logging import LogConfig, get_logger
from tests.helpers import read_json, read_lines, run_python

Configure = Callable[..., LogConfig]
tracer = TracerProvider().get_tracer("tests")


def _hex_ids() -> tuple[str, str]:
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


@pytest.mark.parametrize("enqueue", [False, True])
def test_records_in_a_span_carry_its_ids(
    configure: Configure, log_dir: Path, enqueue: bool
) -> None:
    configure(json_output=True, enqueue=enqueue)
    log = get_logger("svc")
    log.info("before")
    with tracer.start_as_current_span("outer"):
        outer = _hex_ids()
        log.info("in outer")
        with tracer.start_as_current_span("inner"):
            inner = _hex_ids()
            log.info("in inner")
    log.info("after")
    configure(json_output=True)  # writes what was queued
    records = {r["message"]: r for r in read_json(log_dir / "alonechat.log")}
    assert "trace_id" not in records["before"]
    assert "trace_id" not in records["after"]
    assert (records["in outer"]["trace_id"], records["in outer"]["span_id"]) == outer
    assert (records["in inner"]["trace_id"], records["in inner"]["span_id"]) == inner
    assert inner[0] == outer[0]  # one trace, two spans
    assert inner[1] != outer[1]
    assert (len(outer[0]), len(outer[1])) == (32, 16)


def test_ecs_records_name_them_trace_id_and_span_id(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True, json_schema="ecs")
    with tracer.start_as_current_span("op"):
        trace_id, span_id = _hex_ids()
        get_logger("svc").info("traced")
    (record,) = read_json(log_dir / "alonechat.log")
    assert (record["trace"], record["span"]) == ({"id": trace_id}, {"id": span_id})


def test_text_formats_can_show_them(configure: Configure, log_dir: Path) -> None:
    configure(format_string="%(trace_id)s %(message)s")
    get_logger("svc").info("untraced")
    with tracer.start_as_current_span("op"):
        trace_id, _ = _hex_ids()
        get_logger("svc").info("traced")
    assert read_lines(log_dir / "alonechat.log") == ["- untraced", f"{trace_id} traced"]


def test_ids_given_by_the_caller_are_kept(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    with tracer.start_as_current_span("op"):
        get_logger("svc").info("mine", extra={"trace_id": "from-the-caller"})
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["trace_id"] == "from-the-caller"


def test_without_opentelemetry_imported_nothing_is_imported_or_added(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from alonechat.core.logging import LogConfig, configure_logging, get_logger\n"
        "configure_logging(LogConfig(stdout_json=True))\n"
        "get_logger('svc').info('plain')\n"
        "assert not [m for m in sys.modules if m.startswith('opentelemetry')]\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"message":"plain"' in result.stdout
    assert "trace_id" not in result.stdout

"""The examples of docs/shipping.md, run for real: the syslog sample against rsyslog, the
trace sample with the OpenTelemetry SDK, and the collector config
(docs/collectors/rsyslog-alonechat.conf) following alonechat.log."""

from __future__ import annotations

import json
import re
from pathlib import Path

from alonechat.core.logging import LogConfig, configure_logging, get_logger
from tests.helpers import REPO, doc_blocks, read_lines, run_python
from tests.rsyslog import running_rsyslog

EXAMPLE = REPO / "docs" / "collectors" / "rsyslog-alonechat.conf"


def _shipping_blocks(language: str) -> list[str]:
    """The ``language`` code blocks of docs/shipping.md."""
    return doc_blocks("docs/shipping.md", "Shipping logs", language)


def _run(code: str, cwd: Path) -> str:
    """Run a sample in a fresh interpreter; its stdout."""
    result = run_python(code, cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_syslog_sample_delivers_its_record(tmp_path: Path) -> None:
    sample, _ = _shipping_blocks("python")
    with running_rsyslog(tmp_path / "rsyslog") as rsyslog:
        code = sample.replace("udp://127.0.0.1:514", f"udp://127.0.0.1:{rsyslog.udp}")
        assert code != sample
        _run(code, tmp_path)
        ((severity, facility, app, *_, body),) = rsyslog.wait_for(1)
    assert (severity, facility, app) == ("4", "16", "alonechat")  # warning, local0
    record = json.loads(body)
    assert (record["message"], record["volume"]) == ("disk 91% full", "/data")


def test_the_docs_show_the_tested_collector_config() -> None:
    (shown,) = _shipping_blocks("conf")
    example = [line.strip() for line in EXAMPLE.read_text().splitlines()]
    for line in shown.splitlines():
        assert line.strip() in example, line


def test_rsyslog_collects_the_json_log_file_across_rotations(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    config = EXAMPLE.read_text().replace("/var/log/alonechat/", f"{logs}/")
    assert str(logs) in config  # the example's paths are the ones replaced
    settings = {"log_dir": logs, "console_output": False, "json_output": True}
    configure_logging(LogConfig(**settings))
    log = get_logger("AloneChat.server")
    expected: list[str] = []

    def record(number: int) -> None:
        log.warning("record %d %s", number, "x" * 100)
        expected.append(f"WARNING AloneChat.server record {number} {'x' * 100}")

    record(0)  # five records of this size fill a file: it rotates between the batches below
    size = (logs / "alonechat.log").stat().st_size
    configure_logging(LogConfig(**settings, max_bytes=5 * size + size // 2, backup_count=5))
    with running_rsyslog(tmp_path / "rsyslog", extra_config=config) as rsyslog:
        collected = rsyslog.out = logs / "collected.log"
        for batch in range(4):  # rotations happen once the collector caught up, as in service
            for i in range(1 if batch == 0 else 0, 5):
                record(batch * 5 + i)
            lines = rsyslog.wait_for(len(expected))
            assert len(lines) == len(expected)
    assert len(list(logs.glob("alonechat.log.*"))) >= 3  # it did rotate
    received = [line.split(" ", 1)[1] for line in read_lines(collected)]
    assert received == expected


def test_the_trace_sample_writes_the_span_ids(tmp_path: Path) -> None:
    _, sample = _shipping_blocks("python")
    (record,) = [json.loads(line) for line in _run(sample, tmp_path).splitlines()]
    assert record["message"] == "paid"
    assert re.fullmatch("[0-9a-f]{32}", record["trace_id"])
    assert re.fullmatch("[0-9a-f]{16}", record["span_id"])

"""README's collector example (docs/collectors/rsyslog-alonechat.conf), run in a real rsyslog:
it follows alonechat.log across rotations and parses every JSON line."""

from __future__ import annotations

from pathlib import Path

from alonechat.core.logging import LogConfig, configure_logging, get_logger
from tests.rsyslog import running_rsyslog

EXAMPLE = Path(__file__).parent.parent / "docs" / "collectors" / "rsyslog-alonechat.conf"


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
    received = [line.split(" ", 1)[1] for line in collected.read_text().splitlines()]
    assert received == expected

"""Several processes (as uvicorn --workers) writing one log_dir through rotation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import read_lines, start_python

WORKER = """
import sys
from alonechat.core.logging import LogConfig, configure_logging, get_logger, reset_logging

tag, count = sys.argv[1], int(sys.argv[2])
configure_logging(LogConfig(log_dir="logs", console_output=False, format_string="%(message)s",
                            max_bytes=50_000, backup_count=200))
sys.stdin.readline()  # start together
log = get_logger("worker")
for index in range(count):
    log.info("%s-%d", tag, index)
reset_logging()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="inter-process rotation needs flock")
def test_four_processes_lose_and_double_nothing(tmp_path: Path) -> None:
    workers = [
        start_python("-c", WORKER, f"p{n}", "20000", cwd=tmp_path, stdin=subprocess.PIPE)
        for n in range(4)
    ]
    for worker in workers:  # all configured: go
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    for worker in workers:
        assert worker.wait(timeout=300) == 0
        assert worker.stdin is not None
        worker.stdin.close()
    logs = tmp_path / "logs"
    backups = sorted(int(p.suffix[1:]) for p in logs.glob("alonechat.log.*"))
    assert backups == list(range(1, len(backups) + 1)), "backup numbers have a gap"
    assert len(backups) > 10  # it rotated a lot, with four writers
    lines = read_lines(logs / "alonechat.log", backups=True)
    expected = {f"p{n}-{i}" for n in range(4) for i in range(20000)}
    assert len(lines) == len(expected), "a record was lost or doubled"
    assert set(lines) == expected
    # a process checks the size, then appends: in between, each of the 3 others may append
    # one record it checked for before, so a file ends at most 3 records past max_bytes
    longest = max(len(line) + 1 for line in lines)
    for path in logs.glob("alonechat.log*"):
        assert path.stat().st_size <= 50_000 + (len(workers) - 1) * longest

"""Helpers for reading what the sinks wrote, and for running code in a fresh interpreter."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

#: The checkout: subprocesses import alonechat from here.
REPO = Path(__file__).resolve().parent.parent


def read_lines(path: Path) -> list[str]:
    """The lines of a log file (flushing is the sink's job: loguru writes line by line)."""
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def read_json(path: Path) -> list[dict[str, Any]]:
    """Every line of a JSON log file, parsed."""
    return [json.loads(line) for line in read_lines(path)]


def run_python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that imports this checkout; output is captured."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def readme_blocks(section: str, language: str) -> list[str]:
    """The ``language`` code blocks of README's section headed ``section`` (any level), up
    to the next heading of a level as high or higher."""
    readme = (REPO / "README.md").read_text()
    match = re.search(rf"^(#+) {re.escape(section)}\n", readme, re.MULTILINE)
    assert match is not None, section
    level = len(match.group(1))
    rest = readme[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    body = rest[: end.start()] if end else rest
    return re.findall(rf"```{language}\n(.*?)```", body, re.DOTALL)

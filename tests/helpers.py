"""Helpers for reading what the sinks wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_lines(path: Path) -> list[str]:
    """The lines of a log file (flushing is the sink's job: loguru writes line by line)."""
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def read_json(path: Path) -> list[dict[str, Any]]:
    """Every line of a JSON log file, parsed."""
    return [json.loads(line) for line in read_lines(path)]

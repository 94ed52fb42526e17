"""Shared fixtures: every test starts from an unconfigured system in its own directory."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from alonechat.core.logging import LogConfig, configure_logging, reset_logging


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Run in tmp_path with no ALONECHAT_* variables; undo any configuration afterwards."""
    for key in list(os.environ):
        if key.startswith("ALONECHAT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    reset_logging()
    assert root.handlers == handlers, "a test left stdlib root handlers behind"
    root.setLevel(level)


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path / "logs"


@pytest.fixture
def configure(log_dir: Path) -> Callable[..., LogConfig]:
    """configure_logging with files in tmp_path and no console unless asked."""

    def _configure(**fields: Any) -> LogConfig:
        fields.setdefault("log_dir", log_dir)
        fields.setdefault("console_output", False)
        return configure_logging(LogConfig(**fields))

    return _configure

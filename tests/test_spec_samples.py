"""Every code sample of the spec's core sections runs verbatim and does what the text says.

The samples are read from docs/logging-system.md (the user's spec) and executed in order in
one namespace, as a reader would type them; only the application's own variables
(``username``, ``ip_address``, ...) are provided.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import read_lines

SPEC = Path(__file__).resolve().parents[1] / "docs" / "logging-system.md"
CORE_SECTIONS = ("Quick Start", "Configuration Options", "Best Practices", "Migration Guide")


def samples(sections: tuple[str, ...]) -> list[tuple[str, str]]:
    """(section, code) for each ```python block under the given ``## `` sections."""
    found: list[tuple[str, str]] = []
    section = ""
    for chunk in re.split(r"^(## .*)$", SPEC.read_text(encoding="utf-8"), flags=re.M):
        if chunk.startswith("## "):
            section = chunk[3:].strip()
        elif section in sections:
            found += [(section, code) for code in re.findall(r"```python\n(.*?)```", chunk, re.S)]
    return found


def test_the_spec_is_the_users_copy() -> None:
    """docs/ holds the spec verbatim (when the shared copy is beside the repo, compare)."""
    shared = SPEC.parents[2] / "shared" / "spec" / "logging-system.md"
    if shared.exists():
        assert shared.read_text(encoding="utf-8") == SPEC.read_text(encoding="utf-8")
    assert len(samples(CORE_SECTIONS)) == 13


def test_core_samples_run_verbatim(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {
        "__name__": "spec_samples",
        "username": "alice",
        "ip_address": "10.0.0.7",
        "req_id": "req-42",
        "user_id": 42,
        "duration": 0.25,
        "password": "example-value",
    }
    for section, code in samples(CORE_SECTIONS):
        exec(compile(code, f"<spec: {section}>", "exec"), namespace)

    # Quick Start: auto_configure() wrote the development files; the manual config ./logs.
    assert (tmp_path / "logs" / "dev" / "alonechat.log").exists()
    manual = read_lines(tmp_path / "logs" / "alonechat.log")
    # Best Practices ran under the manual DEBUG configuration.
    messages = [line.rsplit(" | ", 1)[-1] for line in manual]
    assert "Detailed information for debugging" in messages
    assert "User alice logged in from 10.0.0.7" in messages
    assert "Processing request" in messages
    assert "User authentication attempt for user_id: 42" in messages
    assert "Application cannot continue" in messages
    errors = read_lines(tmp_path / "logs" / "alonechat_errors.log")
    assert any(line.endswith("An error occurred") for line in errors)
    # Configuration Options: the presets say what their comments say.
    assert namespace["config"].file_output is False  # the last one was the testing preset
    # Migration Guide: the new-way logger is stdlib's own, configured for development.
    assert namespace["logger"] is logging.getLogger(namespace["logger"].name)
    assert type(namespace["logger"]) is logging.Logger
    namespace["logger"].info("after migration")
    dev_log = read_lines(tmp_path / "logs" / "dev" / "alonechat.log")
    assert dev_log[-1].endswith("| after migration")
    assert "spec_samples" in dev_log[-1]
    assert "after migration" in capsys.readouterr().err  # development logs to the console


class _Database:
    def execute(self, query: str) -> list[str]:
        return [query]


class _Api:
    def get_data(self) -> dict[str, int]:
        return {"users": 3}


def _risky_operation() -> None:
    raise ValueError("card declined")


def test_utility_samples_run_verbatim(tmp_path: Path) -> None:
    from alonechat.core.logging import LogConfig, configure_logging
    from tests.helpers import read_json

    configure_logging(LogConfig(log_dir="logs", console_output=False, json_output=True))
    namespace: dict[str, Any] = {
        "__name__": "spec_utilities",
        "db": _Database(),
        "query": "SELECT 1",
        "api": _Api(),
        "risky_operation": _risky_operation,
    }
    blocks = samples(("Logging Utilities",))
    assert len(blocks) == 4
    for section, code in blocks:
        exec(compile(code, f"<spec: {section}>", "exec"), namespace)
    assert namespace["result"] == ["SELECT 1"]
    assert namespace["fetch_data"]() == {"users": 3}

    got = read_json(tmp_path / "logs" / "alonechat.log")
    by_message = {r["message"].split(" ")[0]: r for r in got}
    assert by_message["database_query"]["operation"] == "database_query"
    assert by_message["GET"]["status_code"] == 200
    assert by_message["websocket"]["event_type"] == "connect"
    assert by_message["Processing"]["exc_type"] == "ValueError"
    assert by_message["metrics:"]["counters"] == {"requests.total": 1, "requests.errors": 1}
    assert by_message["api_call"]["operation"] == "api_call"

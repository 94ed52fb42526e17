"""Containers: JSON lines on stdout, nothing else (stdout_json / ALONECHAT_LOG_FORMAT=json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, auto_configure, configure_logging, get_logger


def test_stdout_json_writes_only_json_lines_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(LogConfig(log_dir=tmp_path / "logs", stdout_json=True, colorize=True))
    get_logger("svc").warning("hello %s", "containers", extra={"request_id": "r-1"})
    captured = capsys.readouterr()
    (line,) = captured.out.splitlines()
    record = json.loads(line)
    assert (record["level"], record["message"], record["request_id"]) == (
        "WARNING",
        "hello containers",
        "r-1",
    )
    assert captured.err == ""
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize("env", ["development", "production", "testing"])
def test_the_environment_variable_works_with_every_preset(
    env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("ALONECHAT_LOG_FORMAT", "JSON")
    config = auto_configure(env)
    assert config.stdout_json is True
    get_logger("svc").error("boom")
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["message"] for r in records] == ["boom"]
    assert not (tmp_path / "logs").exists()


def test_text_format_keeps_the_preset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALONECHAT_LOG_FORMAT", "text")
    assert auto_configure("testing").stdout_json is False


def test_an_unknown_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALONECHAT_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="ALONECHAT_LOG_FORMAT: unknown log format 'xml'"):
        auto_configure()

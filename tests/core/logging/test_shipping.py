"""Containers and shippers: JSON lines on stdout (ALONECHAT_LOG_FORMAT), ALONECHAT_SYSLOG."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, auto_configure, configure_logging, get_logger
from tests.helpers import start_python


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
    allowed = "allowed: text, json, ecs"
    with pytest.raises(ValueError, match=f"LOG_FORMAT: unknown log format 'xml'; {allowed}"):
        auto_configure()


def test_ecs_format_writes_ecs_json_to_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALONECHAT_LOG_FORMAT", "ecs")
    config = auto_configure("production")
    assert (config.stdout_json, config.json_schema) == (True, "ecs")
    get_logger("svc").info("to elastic")
    (line,) = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert (record["log.level"], record["message"], record["ecs.version"]) == (
        "info",
        "to elastic",
        "1.6.0",
    )


def test_the_syslog_variable_adds_a_syslog_destination(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALONECHAT_SYSLOG", "udp://127.0.0.1:5514")
    assert auto_configure("testing").syslog_address == "udp://127.0.0.1:5514"
    assert auto_configure("testing", syslog_address=None).syslog_address is None  # keyword wins


def test_a_bad_syslog_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALONECHAT_SYSLOG", "syslog.example.com")
    with pytest.raises(ValueError, match="ALONECHAT_SYSLOG: unknown scheme"):
        auto_configure()


def test_names_are_taken_in_any_case() -> None:
    config = LogConfig(json_schema=" ECS", syslog_facility="Local0")
    assert (config.json_schema, config.syslog_facility) == ("ecs", "local0")


def test_a_closed_stdout_gives_one_warning_and_logging_goes_on(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from alonechat.core.logging import LogConfig, configure_logging, get_logger\n"
        "configure_logging(LogConfig(stdout_json=True))\n"
        "log = get_logger('svc')\n"
        "log.info('first')\n"
        "sys.stdin.readline()  # the reader has gone\n"
        "for i in range(100):\n"
        "    log.info('into a closed pipe %d', i)\n"
        "sys.stderr.write('still running\\n')\n"
    )
    child = start_python(
        "-c",
        code,
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    assert child.stderr is not None
    assert json.loads(child.stdout.readline())["message"] == "first"
    child.stdout.close()
    child.stdin.write("go\n")
    child.stdin.close()
    err = child.stderr.read()
    child.wait(30)
    child.stderr.close()
    assert err.count("alonechat: cannot write to <stdout") == 1, err
    assert "Logging error" not in err
    assert "still running" in err

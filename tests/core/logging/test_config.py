"""LogConfig defaults and validation, the presets, and environment resolution."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from alonechat.core.logging import (
    DETAILED_FORMAT,
    QUIET_LIBRARIES,
    SIMPLE_FORMAT,
    LogConfig,
    auto_configure,
    create_development_config,
    create_production_config,
    create_testing_config,
)
from alonechat.core.logging._config import resolve_environment

MB = 1024 * 1024


def test_defaults_match_the_spec() -> None:
    """LogConfig() has the spec's attribute defaults."""
    config = LogConfig()
    assert config.level == "INFO"
    assert config.log_dir == "./logs"
    assert config.console_output is True
    assert config.file_output is True
    assert config.max_bytes == 10 * MB
    assert config.backup_count == 5
    assert config.format_string is None
    assert config.date_format == "%Y-%m-%d %H:%M:%S"
    assert config.component_levels == {}
    assert config.json_output is False
    assert config.enqueue is False
    assert config.diagnose is False


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("debug", "DEBUG"),
        ("Info", "INFO"),
        (" warning ", "WARNING"),
        ("WARN", "WARNING"),
        ("warn", "WARNING"),
        ("FATAL", "CRITICAL"),
        ("critical", "CRITICAL"),
        (40, "ERROR"),
        (25, 25),
        (0, 0),
    ],
)
def test_levels_are_normalised(given: str | int, expected: str | int) -> None:
    """Level names are case-insensitive, WARN/FATAL are aliases, ints are accepted."""
    assert LogConfig(level=given).level == expected
    assert LogConfig(component_levels={"a.b": given}).component_levels == {"a.b": expected}


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"level": "VERBOSE"}, "LogConfig.level: invalid level 'VERBOSE'"),
        ({"level": -1}, "LogConfig.level"),
        ({"level": True}, "LogConfig.level"),
        ({"level": None}, "LogConfig.level"),
        ({"max_bytes": 0}, "LogConfig.max_bytes: must be an int >= 1 (bytes), got 0"),
        ({"max_bytes": -5}, "LogConfig.max_bytes"),
        ({"max_bytes": 1.5}, "LogConfig.max_bytes"),
        ({"backup_count": -1}, "LogConfig.backup_count: must be an int >= 0 (files), got -1"),
        ({"component_levels": {"db": "LOUD"}}, "LogConfig.component_levels['db']"),
        ({"component_levels": {"": "INFO"}}, "LogConfig.component_levels: invalid logger name"),
        ({"component_levels": ["db"]}, "LogConfig.component_levels: must be a mapping"),
        ({"console_output": "yes"}, "LogConfig.console_output: must be True or False"),
        ({"colorize": "always"}, "LogConfig.colorize"),
        ({"log_dir": ""}, "LogConfig.log_dir"),
        ({"log_dir": 3}, "LogConfig.log_dir"),
        ({"file_mode": 0o1777}, "LogConfig.file_mode"),
        ({"date_format": "{%Y}"}, "LogConfig.date_format"),
        ({"format_string": "%(message)s at 100%"}, "LogConfig.format_string: stray '%'"),
        ({"format_string": "{nonsense} {message}"}, "LogConfig.format_string: unknown field"),
        ({"format_string": "{message"}, "LogConfig.format_string: cannot parse"),
        ({"format_string": ""}, "LogConfig.format_string"),
        ({"json_schema": "gelf"}, "LogConfig.json_schema: unknown schema 'gelf'; allowed:"),
        ({"syslog_address": "http://x:514"}, "unknown scheme in 'http://x:514'; allowed: udp"),
        ({"syslog_address": "localhost:514"}, "LogConfig.syslog_address: unknown scheme"),
        ({"syslog_address": "udp://host:99999"}, "is not host:port with a port 1..65535"),
        ({"syslog_address": "tcp://:514"}, "LogConfig.syslog_address"),
        ({"syslog_address": "tcp://host:514/path"}, "LogConfig.syslog_address"),
        ({"syslog_address": "unix://"}, "LogConfig.syslog_address: 'unix://' names no socket"),
        ({"syslog_address": 514}, "LogConfig.syslog_address: must be a string or None"),
        ({"syslog_facility": "kernel"}, "LogConfig.syslog_facility: unknown facility 'kernel'"),
        ({"syslog_app_name": "my app"}, "LogConfig.syslog_app_name: must be 1..48 letters"),
        ({"syslog_app_name": "app[1]:"}, "LogConfig.syslog_app_name"),
        ({"syslog_app_name": "x" * 49}, "LogConfig.syslog_app_name"),
        ({"syslog_buffer": 0}, "LogConfig.syslog_buffer: must be an int >= 1 (messages)"),
        ({"queue_size": 0}, "LogConfig.queue_size: must be an int >= 1 (records), got 0"),
        (
            {"queue_full": "wait"},
            "LogConfig.queue_full: unknown policy 'wait'; allowed: block, drop",
        ),
        ({"syslog_max_bytes": 100}, "LogConfig.syslog_max_bytes: must be an int >= 480 (bytes)"),
        ({"syslog_facility": ["user"]}, "LogConfig.syslog_facility: unknown facility ['user']"),
        ({"syslog_address": "udp://host:0"}, "is not host:port with a port 1..65535"),
        ({"syslog_address": "udp://host:514?x=1"}, "has parts a syslog address has not"),
        ({"syslog_address": "tcp://user:pw@host:514"}, "has parts a syslog address has not"),
        ({"syslog_address": "unix:///"}, "LogConfig.syslog_address: 'unix:///' names no socket"),
        ({"syslog_address": "udp://h_x!:5"}, "is not host:port"),
        ({"syslog_address": f"udp://{'a' * 64}.example:514"}, "is not host:port"),
    ],
)
def test_bad_values_name_the_field(fields: dict[str, Any], named: str) -> None:
    """A bad value raises ValueError naming the field, the value and what is allowed."""
    with pytest.raises(ValueError, match="LogConfig") as caught:
        LogConfig(**fields)
    assert named in str(caught.value)


def test_level_error_lists_the_allowed_levels() -> None:
    with pytest.raises(ValueError, match="allowed: DEBUG, INFO, WARNING.*CRITICAL"):
        LogConfig(level="loud")


def test_development_preset() -> None:
    """DEBUG, colored console, 5 MB x 3 files in ./logs/dev, detailed format."""
    config = create_development_config()
    assert (config.level, config.console_output, config.file_output) == ("DEBUG", True, True)
    assert (config.max_bytes, config.backup_count) == (5 * MB, 3)
    assert config.log_dir == "./logs/dev"
    assert config.format_string == DETAILED_FORMAT
    assert config.colorize is None  # colors whenever stderr is a terminal


def test_production_preset() -> None:
    """INFO, no console, 50 MB x 10 files in ./logs/prod, detailed format, no diagnose."""
    config = create_production_config()
    assert (config.level, config.console_output, config.file_output) == ("INFO", False, True)
    assert (config.max_bytes, config.backup_count) == (50 * MB, 10)
    assert config.log_dir == "./logs/prod"
    assert config.format_string == DETAILED_FORMAT
    assert config.diagnose is False


def test_testing_preset() -> None:
    """DEBUG, console with the simple format, no files."""
    config = create_testing_config()
    assert (config.level, config.console_output, config.file_output) == ("DEBUG", True, False)
    assert config.log_dir == "./logs/test"
    assert config.format_string == SIMPLE_FORMAT


def test_presets_take_overrides_and_validate_them() -> None:
    config = create_production_config(level="warn", backup_count=2)
    assert (config.level, config.backup_count, config.max_bytes) == ("WARNING", 2, 50 * MB)
    with pytest.raises(ValueError, match="LogConfig.backup_count"):
        create_development_config(backup_count=-3)


def test_presets_quiet_chatty_libraries_and_merge_overrides() -> None:
    """The presets put QUIET_LIBRARIES at WARNING, or at ``level`` when that is higher (they
    never make a library louder); component_levels are merged over the table."""
    assert create_development_config().component_levels == dict.fromkeys(QUIET_LIBRARIES, "WARNING")
    config = create_development_config(component_levels={"asyncio": "DEBUG", "app": "INFO"})
    assert (config.component_levels["asyncio"], config.component_levels["app"]) == (
        "DEBUG",
        "INFO",
    )
    assert config.component_levels["urllib3"] == "WARNING"
    assert set(create_production_config(level="ERROR").component_levels.values()) == {"ERROR"}
    assert LogConfig().component_levels == {}  # LogConfig itself adds nothing
    with pytest.raises(ValueError, match="LogConfig.level: invalid level 'LOUD'"):
        create_testing_config(level="LOUD")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("development", "development"),
        ("DEV", "development"),
        ("Production", "production"),
        ("prod", "production"),
        ("testing", "testing"),
        ("Test", "testing"),
    ],
)
def test_environment_names(given: str, expected: str) -> None:
    assert resolve_environment(given) == expected


def test_environment_from_variable_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """The argument wins, else ALONECHAT_ENV, else development."""
    assert resolve_environment() == "development"
    monkeypatch.setenv("ALONECHAT_ENV", "prod")
    assert resolve_environment() == "production"
    assert resolve_environment("test") == "testing"


@pytest.mark.parametrize("bad", ["staging", "", 3])
def test_unknown_environment_lists_the_allowed_ones(bad: Any) -> None:
    with pytest.raises(ValueError, match=r"allowed: development \(dev\), production \(prod\)"):
        resolve_environment(bad)


def test_unknown_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALONECHAT_ENV", "qa")
    with pytest.raises(ValueError, match="ALONECHAT_ENV: unknown environment 'qa'"):
        auto_configure()


def test_auto_configure_uses_the_preset_directory(tmp_path: Path) -> None:
    """auto_configure('production') writes ./logs/prod/alonechat.log, with overrides."""
    config = auto_configure("production", max_bytes=1000)
    assert config.max_bytes == 1000
    assert (tmp_path / "logs" / "prod" / "alonechat.log").exists()
    assert (tmp_path / "logs" / "prod" / "alonechat_errors.log").exists()


def test_a_level_name_registered_with_stdlib_is_accepted() -> None:
    """Names added with logging.addLevelName work as in stdlib's setLevel (exact case)."""
    logging.addLevelName(5, "TRACE")
    try:
        assert LogConfig(level="TRACE").level == 5
        assert LogConfig(component_levels={"x": "TRACE"}).component_levels == {"x": 5}
    finally:
        del logging._levelToName[5], logging._nameToLevel["TRACE"]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="LogConfig.level: invalid level 'TRACE'"):
        LogConfig(level="TRACE")


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"format_string": "{time} <green>{level}</green> {message}"},
        {"format_string": "%(asctime)s %(message)s", "json_output": True},
        {"syslog_address": "udp://127.0.0.1:514", "enqueue": True},
    ],
)
def test_building_a_config_leaves_loguru_alone(fields: dict[str, Any]) -> None:
    """A LogConfig is a value: making one adds no loguru handler (the next handler id is
    the one after the previous) and writes nothing."""
    from loguru import logger as loguru_logger

    written: list[str] = []
    before = loguru_logger.add(written.append, format="{message}")
    LogConfig(**fields)
    after = loguru_logger.add(written.append, format="{message}")
    loguru_logger.remove(before)
    loguru_logger.remove(after)
    assert after == before + 1
    assert written == []


def test_bad_loguru_markup_is_refused_without_touching_loguru() -> None:
    from loguru import logger as loguru_logger

    before = loguru_logger.add(lambda _: None)
    with pytest.raises(ValueError, match=r"LogConfig.format_string: .*<green>"):
        LogConfig(format_string="<green>{message}")
    after = loguru_logger.add(lambda _: None)
    loguru_logger.remove(before)
    loguru_logger.remove(after)
    assert after == before + 1

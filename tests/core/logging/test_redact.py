"""Redaction: secrets masked in messages, extra fields and exceptions before any sink."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, create_production_config, get_logger
from tests.helpers import read_json, read_lines

Configure = Callable[..., LogConfig]
SECRET = "s3cr3t-value"


def test_production_redacts_by_default() -> None:
    assert create_production_config().redact is True
    assert LogConfig().redact is False


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (f"login password={SECRET} user=bob", "login password=[REDACTED] user=bob"),
        (f"Authorization: Bearer {SECRET}", "Authorization: [REDACTED] [REDACTED]"),
        (f'body {{"api_key": "{SECRET}", "n": 1}}', 'body {"api_key": "[REDACTED]", "n": 1}'),
        (f"db_passwd='{SECRET}' ok", "db_passwd=[REDACTED] ok"),
        (f"cookie: {SECRET}; path=/", "cookie: [REDACTED]; path=/"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_messages_are_masked(
    configure: Configure, log_dir: Path, message: str, expected: str
) -> None:
    configure(redact=True, format_string="%(message)s")
    get_logger("r").info(message)
    assert read_lines(log_dir / "alonechat.log") == [expected]


def test_extra_fields_and_exceptions_are_masked(configure: Configure, log_dir: Path) -> None:
    configure(redact=True, json_output=True)
    try:
        raise RuntimeError(f"connect failed: password={SECRET}")
    except RuntimeError:
        get_logger("r").exception(
            "failed",
            extra={"user_password": SECRET, "note": f"token={SECRET}", "headers": {"Cookie": "x"}},
        )
    text = (log_dir / "alonechat.log").read_text()
    assert SECRET not in text
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["user_password"] == "[REDACTED]"
    assert record["note"] == "token=[REDACTED]"
    assert record["headers"] == {"Cookie": "[REDACTED]"}
    assert record["exc_message"] == "connect failed: password=[REDACTED]"
    assert "password=[REDACTED]" in record["exc_traceback"]


def test_text_tracebacks_are_masked(configure: Configure, log_dir: Path) -> None:
    configure(redact=True)
    try:
        raise ValueError(f"bad api_key={SECRET}")
    except ValueError:
        get_logger("r").exception("failed")
    text = (log_dir / "alonechat.log").read_text()
    assert SECRET not in text
    assert "ValueError: bad api_key=[REDACTED]" in text


def test_keys_and_patterns_are_configurable(configure: Configure, log_dir: Path) -> None:
    configure(
        redact=True,
        format_string="%(message)s %(pin)s",
        redact_keys=("pin",),
        redact_patterns=(r"\b\d{4}-\d{4}-\d{4}-\d{4}\b",),
    )
    get_logger("r").info("card 1234-5678-9012-3456 password=kept", extra={"pin": "0000"})
    assert read_lines(log_dir / "alonechat.log") == ["card [REDACTED] password=kept [REDACTED]"]


def test_stdlib_records_are_masked_too(configure: Configure, log_dir: Path) -> None:
    import logging

    configure(redact=True, format_string="%(message)s")
    logging.getLogger("lib").warning("secret=%s", SECRET)
    assert read_lines(log_dir / "alonechat.log") == ["secret=[REDACTED]"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"redact_patterns": ("(unclosed",)}, "LogConfig.redact_patterns: '(unclosed' is not"),
        ({"redact_keys": "password"}, "LogConfig.redact_keys: must be a list or tuple"),
        ({"redact": "yes"}, "LogConfig.redact: must be True or False"),
    ],
)
def test_bad_redaction_settings(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match="LogConfig.redact") as caught:
        LogConfig(**fields)  # type: ignore[arg-type]
    assert message in str(caught.value)

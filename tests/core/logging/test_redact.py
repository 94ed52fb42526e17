"""Redaction: secrets masked in messages, extra fields and exceptions before any sink."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, create_production_config, get_logger
from tests.helpers import read_json, read_lines, run_python

Configure = Callable[..., LogConfig]
SECRET = "s3cr3t-value"


def test_production_redacts_by_default() -> None:
    assert create_production_config().redact is True
    assert LogConfig().redact is False


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (f"login password={SECRET} user=bob", "login password=[REDACTED] user=bob"),
        (f"Authorization: Bearer {SECRET}", "Authorization: [REDACTED]"),
        (f"Authorization: Token {SECRET}", "Authorization: [REDACTED]"),
        (f'body {{"api_key": "{SECRET}", "n": 1}}', 'body {"api_key": "[REDACTED]", "n": 1}'),
        (f"db_passwd='{SECRET}' ok", "db_passwd='[REDACTED]' ok"),
        (f"cookie: {SECRET}; other=1", "cookie: [REDACTED]"),
        (f"db postgres://app:{SECRET}@db/chat", "db postgres://app:[REDACTED]@db/chat"),
        (f"config {{'db_password': '{SECRET}'}}", "config {'db_password': '[REDACTED]'}"),
        (
            "usage: prompt_tokens=12 session_timeout=30",
            "usage: prompt_tokens=12 session_timeout=30",
        ),
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


def test_ordinary_counters_are_not_redacted(configure: Configure, log_dir: Path) -> None:
    configure(redact=True, json_output=True)
    get_logger("r").info(
        "usage: prompt_tokens=12 tokenizer=3 sessions: 4 session_timeout=30",
        extra={"usage": {"total_tokens": 42}, "session_count": 3, "password_changed_at": "t"},
    )
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["message"] == "usage: prompt_tokens=12 tokenizer=3 sessions: 4 session_timeout=30"
    assert record["usage"] == {"total_tokens": 42}
    assert (record["session_count"], record["password_changed_at"]) == (3, "t")


def test_nested_lists_and_header_pairs_are_masked(configure: Configure, log_dir: Path) -> None:
    configure(redact=True, json_output=True)
    get_logger("r").info(
        "x",
        extra={"headers": [("authorization", f"Bearer {SECRET}")], "items": [{"token": SECRET}]},
    )
    assert SECRET not in (log_dir / "alonechat.log").read_text()
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["headers"] == [["authorization", "[REDACTED]"]]
    assert record["items"] == [{"token": "[REDACTED]"}]


def test_a_failing_redaction_withholds_instead_of_leaking(
    configure: Configure, log_dir: Path
) -> None:
    configure(redact=True, json_output=True)

    class Hostile(dict):  # type: ignore[type-arg]
        def items(self):  # type: ignore[no-untyped-def]
            raise RuntimeError("no")

    get_logger("r").info("x", extra={"password": SECRET, "cfg": Hostile(a=1)})
    text = (log_dir / "alonechat.log").read_text()
    assert SECRET not in text
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["alonechat_redaction_error"].startswith("fields withheld")


def test_redaction_is_linear_on_hostile_input(tmp_path: Path) -> None:
    """Inputs on which a backtracking pattern took minutes (ReDoS) are written, masked; the
    run has a generous timeout rather than a timing assertion."""
    script = (
        "from alonechat.core.logging import LogConfig, configure_logging, get_logger\n"
        "configure_logging(LogConfig(log_dir='logs', console_output=False, redact=True,\n"
        "                            format_string='%(message)s'))\n"
        "for hostile in ('/q?t=' + 'a-' * 8000, 'token-' * 4000, 'a=' * 20000):\n"
        "    get_logger('r').info('GET password=%s %s', 'pw', hostile)\n"
    )
    result = run_python(script, tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = read_lines(tmp_path / "logs" / "alonechat.log")
    assert len(lines) == 3
    assert all(line.startswith("GET password=[REDACTED] ") for line in lines)


SECRET_NAMES: list[str | bytes] = [
    *("password", "db_password", "accessToken", "X-Api-Key", "Set-Cookie", "authorization"),
    *(b"authorization", "bearer", "session", "client_secret"),
]
NOT_SECRET_NAMES: list[str | bytes] = [
    *("prompt_tokens", "session_timeout", "password_changed_at", "monkey", "tokenizer"),
    *("user", b"accept"),
]


@pytest.mark.parametrize("name", SECRET_NAMES + NOT_SECRET_NAMES)
def test_one_rule_for_secret_names(name: str | bytes) -> None:
    """RequestLogger's masking (safe_fields, no Redactor) and the production Redactor agree
    on every name: one rule, in one place."""
    from alonechat.core.logging._redact import DEFAULT_KEYS, REDACTED, Redactor, safe_fields

    secret = name in SECRET_NAMES
    assert (safe_fields({name: "v"})[name] == REDACTED) is secret  # type: ignore[index]
    assert (Redactor(DEFAULT_KEYS).fields({name: "v"})[name] == REDACTED) is secret  # type: ignore[index]

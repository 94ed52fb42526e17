"""Redaction: secrets masked in messages, extra fields and exceptions before any sink."""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from alonechat.core.logging import (
    LogConfig,
    configure_logging,
    create_production_config,
    get_logger,
    reset_logging,
)
from tests import secrets_corpus
from tests.conftest import detach_pytest_handlers
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

    class Hostile(str):
        def isascii(self) -> bool:
            raise RuntimeError("no")

    get_logger("r").info("x", extra={"password": SECRET, "cfg": Hostile(f"token={SECRET}")})
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
        "hostile = ['/q?t=' + 'a-' * 8000, 'token-' * 4000, 'a=' * 20000, '1 ' * 20000,\n"
        "           '-----BEGIN RSA PRIVATE KEY-----' * 2000, 'eyJ.eyJ.' * 5000, ':' * 50000,\n"
        "           'Bearer ' * 10000, 'x' * 100000 + '=', 'ghp_' * 10000, '%3D' * 20000,\n"
        "           '-u ' * 20000, '-u =' * 20000, 'sk-ant-api03-' * 5000, 'eyJ' * 20000,\n"
        "           'eyJabcdefghijklmnopq ' * 5000, 'DE89 ' * 20000, 'AB12' * 20000,\n"
        "           '123-45-' * 10000, 'PuTTY-User-Key-File-3:' * 3000, '--a' * 20000,\n"
        "           \"'--password', \" * 5000, 'ya29.' * 20000, 'redis://:' * 10000,\n"
        "           'password: -----BEGIN PRIVATE KEY-----' * 2000]\n"
        "for text in hostile:\n"
        "    get_logger('r').info('GET password=%s %s', 'pw', text)\n"
    )
    result = run_python(script, tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = read_lines(tmp_path / "logs" / "alonechat.log")
    assert len(lines) == 25
    assert all(line.startswith("GET password=[REDACTED] ") for line in lines)


SECRET_NAMES: list[str | bytes] = [
    *("password", "db_password", "accessToken", "X-Api-Key", "Set-Cookie", "authorization"),
    *(b"authorization", "bearer", "session", "client_secret", "pass", "passphrase"),
    *("password1", "aws_secret_access_key", "card_number", "CVV", "ssn", "key", "api-key"),
    *("X-Amz-Signature", "sig", "session_id", "private_key", "user%5Fpassword"),
    "a_very_long_field_name_that_goes_on_and_on_past_sixty_four_characters_password",
]
NOT_SECRET_NAMES: list[str | bytes] = [
    *("prompt_tokens", "session_timeout", "password_changed_at", "monkey", "tokenizer"),
    *("user", b"accept", "primary_key", "token_type", "auth_method", "author", "passenger"),
    *("total_tokens", "sessions", "card_type", "keyboard", "password_policy"),
]


@pytest.mark.parametrize("name", SECRET_NAMES + NOT_SECRET_NAMES)
def test_one_rule_for_secret_names(name: str | bytes) -> None:
    """RequestLogger's masking (safe_fields, no Redactor) and the production Redactor agree
    on every name: one rule, in one place."""
    from alonechat.core.logging._redact import DEFAULT_KEYS, REDACTED, Redactor, safe_fields

    secret = name in SECRET_NAMES
    assert (safe_fields({name: "v"})[name] == REDACTED) is secret  # type: ignore[index]
    assert (Redactor(DEFAULT_KEYS).fields({name: "v"})[name] == REDACTED) is secret  # type: ignore[index]


JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFubiJ9"
    ".Sfl1KxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
# (detector, text with a realistic fake secret, the secret, a look-alike that must survive)
DETECTED = [
    ("jwt", f"session {JWT} accepted", JWT, "eyJhbGciOiJIUzI1NiJ9 alone is only a header"),
    ("pem_private_key",
     "key -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAfakefake\n-----END RSA PRIVATE KEY-----",
     "MIIEowIBAAKCAQEAfakefake", "-----BEGIN CERTIFICATE----- is public"),
    ("aws_access_key_id", "using AKIAQ3EGVTXFAKEKEY77 now", "AKIAQ3EGVTXFAKEKEY77",
     "AKIA-not-a-key and AKIAQ3EGVTX short"),
    ("google_api_key", "maps AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW ok",
     "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW", "AIzaSy too short"),
    ("github_token", "push with ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 done",
     "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "ghp_short and ghp_ alone"),
    ("github_pat", "pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz used",
     "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_ is a prefix"),
    ("gitlab_token", "glpat-x1y2z3A4B5C6D7E8F9G0h1 for CI", "x1y2z3A4B5C6D7E8F9G0h1",
     "glpat-short"),
    ("slack_token", "bot xoxb-2048-4096-FaKeToKeNvAlUe ready", "2048-4096-FaKeToKeNvAlUe",
     "xoxb-abc too short"),
    ("slack_webhook", "post https://hooks.slack.com/services/T000/B000/XXXXfakeXXXX now",
     "T000/B000/XXXXfakeXXXX", "https://hooks.slack.com/ alone"),
    ("telegram_bot_token", "bot 123456789:AAFakeFakeFakeFakeFakeFakeFakeFa123 set",
     "FakeFakeFakeFakeFakeFakeFakeFa123", "at 12:34:56 AA meeting"),
    ("stripe_key", "charge sk_live_51FakeKeyFakeKey0000 ok", "51FakeKeyFakeKey0000",
     "pk_live_51FakeKeyFakeKey0000 is publishable"),
    ("card_number", "paid 4111 1111 1111 1111 on card", "4111 1111 1111 1111",
     "order 4111 1111 1111 1112 shipped (fails the Luhn check)"),
    ("card_number", "card=5500005555555559;", "5500005555555559", "id 5500005555555558"),
    ("http_credentials", "header Bearer abc.DEF-123_456~xyz sent", "abc.DEF-123_456~xyz",
     "Bearer arms; Basic ideas; Token gestures"),
    ("url_password", "db postgres://app:Pa55w0rd@db:5432/chat", "Pa55w0rd",
     "see https://example.org/a:b@c for docs"),
    ("password pair", "form password%3Dhunter2%26x", "hunter2", "passwords are long"),
    ("pass pair", "login pass=hunter2 user=ann", "hunter2", "pass the salt=yes"),
    ("fullwidth colon", "password\uff1ahunter2 ok", "hunter2", "price\uff1a3"),
    ("key query", "GET /maps?key=hunter2 200", "hunter2", "GET /maps?monkey=1 200"),
    ("aws secret", "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY ok",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY", "aws_region=eu-west-1"),
    ("signature", "url ?X-Amz-Signature=0123abcd4567ef&X-Amz-Date=20260101", "0123abcd4567ef",
     "X-Amz-Date=20260101"),
    ("google_oauth_token", "drive ya29.a0AfB_byC1d2E3f4G5h6I7j8K9l0 ok",
     "a0AfB_byC1d2E3f4G5h6I7j8K9l0", "ya29 is a version; ya29.short"),
    ("cli_password", "curl -u admin:Pa55w0rd https://x", "Pa55w0rd", "sort -u names.txt"),
    ("private key after a name",
     "private key:\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFakeFake\n-----END EC PRIVATE"
     " KEY-----", "MHcCAQEEIFakeFake", "the private key is in the vault"),
    ("putty_private_key",
     "PuTTY-User-Key-File-3: ssh-ed25519\nPrivate-Lines: 1\nAAAAFakeFake\nPrivate-MAC: ab12",
     "AAAAFakeFake", "PuTTY-User-Key-File is a format"),
    ("azure", "DefaultEndpointsProtocol=https;AccountKey=Fake+Key/Value==;EndpointSuffix=x",
     "Fake+Key/Value==", "AccountName=acme;EndpointSuffix=core.windows.net"),
    ("url_password", "redis://:Fak3Pass@cache:6379/0", "Fak3Pass", "redis://cache:6379/0"),
    ("openai_key", "key sk-proj-" + "Ab1_" * 12, "Ab1_" * 12, "sk-learn and task-queue"),
    ("anthropic_key", "key sk-ant-api03-" + "Zy9-" * 20 + "AA", "Zy9-" * 20, "sk-ant-api03-x"),
    ("gitlab_token", "runner glrt-Fa1keFa2keFa3keFa4ke", "Fa1keFa2keFa3keFa4ke", "glrt-short"),
    ("sendgrid_key", "SG." + "a1" * 11 + "." + "b2" * 21 + "c", "b2" * 21, "SG.abc is short"),
    ("pypi_token", "pypi-AgEIcHlwaS5vcmc" + "x9" * 40, "x9" * 40, "pypi-AgE alone"),
    ("shopify_token", "shpat_" + "0a" * 16, "0a" * 16, "shpat_0a"),
    ("session cookie", "JSESSIONID=FAKE1234SESSION5678 ok", "FAKE1234SESSION5678", "JSESSION"),
    ("iban", "pay DE89 3704 0044 0532 0130 00 now", "3704 0044 0532 0130 00",
     "DE89 3704 0044 0532 0130 02 fails mod 97"),
    ("iban", "to GB82WEST12345698765432.", "GB82WEST12345698765432", "GB82WEST12345698765433"),
    ("ssn", "ssn 078-05-1120 ok", "078-05-1120", "ssn 000-05-1120, 666-05-1120, 2026-05-11"),
    ("argv", "run ['prog', '--password', 'Fak3Pw0rd']", "Fak3Pw0rd", "run --password-file p"),
    ("base64_json", "s=eyJ1c2VyIjoiYW5uIiwicGFzc3dvcmQiOiJGYWszUHcwcmQifQ== ok",
     "eyJ1c2VyIjoiYW5uIiwicGFzc3dvcmQiOiJGYWszUHcwcmQifQ", "s=eyJ1c2VyIjoiYW5uIiwiYWdlIjozfQ=="),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "text", "secret", "look_alike"), DETECTED)
def test_each_detector_masks_its_secret_and_spares_its_look_alike(
    kind: str, text: str, secret: str, look_alike: str
) -> None:
    from alonechat.core.logging._redact import DEFAULT_KEYS, REDACTED, Redactor

    redactor = Redactor(DEFAULT_KEYS)
    masked = redactor.text(text)
    assert secret not in masked, kind
    assert REDACTED in masked
    assert redactor.text(look_alike) == look_alike


@pytest.mark.parametrize("json_output", [False, True])
def test_secrets_of_every_kind_stay_out_of_the_files(
    configure: Configure, log_dir: Path, json_output: bool
) -> None:
    """Each secret in a message, in %-args, in a nested extra value, in a non-string extra
    value and in exception text: none reaches either file."""
    configure(redact=True, json_output=json_output)
    logger = get_logger("secrets")
    for _, text, _, _ in DETECTED:
        logger.warning(text)
        logger.warning("args: %s", text)
        logger.warning("extra", extra={"data": {"items": [text]}, "error": ValueError(text)})
        try:
            raise RuntimeError(text)
        except RuntimeError:
            logger.exception("failed")
    written = (log_dir / "alonechat.log").read_text() + (
        log_dir / "alonechat_errors.log"
    ).read_text()
    assert written.count('"message":"failed"' if json_output else "| failed") == 2 * len(DETECTED)
    for kind, _, secret, _ in DETECTED:
        assert secret not in written, kind
        assert secret.replace("/", "\\/") not in written, kind


def test_values_are_masked_to_their_end_and_nested_strings_are_cut(
    configure: Configure, log_dir: Path
) -> None:
    configure(redact=True, json_output=True, max_field_length=1000)
    long_secret = "A" * 10_000 + "TAIL"
    get_logger("long").info("password=%s", long_secret, extra={"nested": {"blob": "x" * 5_000_000}})
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["message"] == "password=[REDACTED]"
    assert len(record["nested"]["blob"]) < 1100
    assert record["nested"]["blob"].endswith("more characters cut]")
    assert (log_dir / "alonechat.log").stat().st_size < 5000


def test_non_string_values_are_checked_as_their_text(configure: Configure, log_dir: Path) -> None:
    class Account:
        def __repr__(self) -> str:
            return "Account(user='ann', password='hunter2')"

        __str__ = __repr__

    configure(redact=True, json_output=True)
    fields = {"account": Account(), "error": KeyError("token=abc123xyz")}
    numbers = {"order": 4111111111111111, "count": 3, "ratio": 0.5, "ok": True}
    get_logger("objects").info("objects", extra={**fields, **numbers})
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["account"] == "Account(user='ann', password='[REDACTED]')"
    assert "abc123xyz" not in record["error"]
    assert record["order"] == "[REDACTED]"  # a Luhn-valid card number, whatever its name
    assert (record["count"], record["ratio"], record["ok"]) == (3, 0.5, True)


def _with_check_digit(body: str) -> str:
    """``body`` and the digit that makes it pass the Luhn check."""
    from alonechat.core.logging._redact import _luhn

    return next(body + d for d in "0123456789" if _luhn(body + d))


_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
_ALNUM = _B64URL[:62]


def _chars(alphabet: str, low: int, high: int) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=low, max_size=high)


def _card(body: str, separator: str) -> tuple[str, str]:
    number = _with_check_digit(body)
    return separator.join(number[i : i + 4] for i in range(0, 16, 4)), number


def _pem(body: str) -> tuple[str, str]:
    return f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----", body


_UPPER32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_KEYS = ["password", "pass", "db_password", "apiKey", "X-Api-Key", "token", "client_secret",
         "passphrase", "password1", "key", "sig"]  # fmt: skip
_SEPARATORS = ["=", ": ", "=", ":", "%3D", "\uff1a"]
# (text to embed, the part that must not be written)
SECRETS: st.SearchStrategy[tuple[str, str]] = st.one_of(
    st.builds(lambda a, b, c: (f"eyJ{a}.eyJ{b}.{c}", f"eyJ{b}.{c}"),
              _chars(_B64URL, 8, 40), _chars(_B64URL, 8, 80), _chars(_B64URL, 20, 60)),
    st.builds(lambda p, k: (p + k, p + k), st.sampled_from(["AKIA", "ASIA"]),
              _chars(_UPPER32, 16, 16)),
    st.builds(lambda k: ("AIza" + k, k), _chars(_B64URL, 35, 35)),
    st.builds(lambda k: ("ghp_" + k, k), _chars(_ALNUM, 36, 40)),
    st.builds(lambda k: ("sk_live_" + k, k), _chars(_ALNUM, 16, 40)),
    st.builds(lambda k: ("xoxb-" + k, k), _chars(_ALNUM, 1, 1).flatmap(
        lambda first: _chars(_ALNUM + "-", 11, 39).map(lambda rest: first + rest))),
    st.builds(_card, st.builds(str.__add__, st.sampled_from("23456"),  # card networks' IINs
                               _chars("0123456789", 14, 14)), st.sampled_from(["", " ", "-"])),
    st.builds(lambda key, sep, value: (f"{key}{sep}{value}", value), st.sampled_from(_KEYS),
              st.sampled_from(_SEPARATORS), _chars(_ALNUM + "!$*+/", 6, 200)),
    st.builds(lambda pw: (f"postgres://app:{pw}@db.local/app", pw),
              _chars(_ALNUM + "!$*+", 6, 40)),
    st.builds(_pem, _chars(_ALNUM + "+/", 20, 200)),
)  # fmt: skip
ORDINARY_WORDS = st.text("abcdefghijklmnopqrstuvwxyz ,;()", max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SECRETS, ORDINARY_WORDS, ORDINARY_WORDS, st.booleans())
def test_generated_secrets_never_reach_the_files(
    secret: tuple[str, str], before: str, after: str, json_output: bool
) -> None:
    """A secret of any kind, anywhere (message, %-args, nested extra, non-string extra,
    exception text, long value), in text or JSON output: never in any file."""
    text, sensitive = secret
    # a secret the surrounding text or the line's own fields (names, paths, times: letters
    # or digits, not both) could also show proves nothing
    mixed = any(c.isdigit() for c in sensitive) and any(c.isalpha() for c in sensitive)
    assume(sensitive not in before + after and (mixed or len(sensitive) >= 13))
    embedded = f"{before} {text} {after}"
    with tempfile.TemporaryDirectory() as directory:
        config = LogConfig(log_dir=directory, console_output=False, redact=True,
                           json_output=json_output, max_message_length=100_000)  # fmt: skip
        configure_logging(config)
        detach_pytest_handlers()
        logger = get_logger("generated")
        logger.warning(embedded)
        logger.warning("in %s args", embedded)
        logger.warning("nested", extra={"deep": {"list": [embedded, {"more": embedded}]}})
        logger.warning("objects", extra={"error": ValueError(embedded), "long": embedded * 50})
        try:
            raise RuntimeError(embedded)
        except RuntimeError:
            logger.exception("failed")
        reset_logging()
        written = "".join(path.read_text() for path in Path(directory).iterdir() if path.is_file())
    assert written.count("failed") >= 2
    assert sensitive not in written
    assert json.dumps(sensitive)[1:-1] not in written  # as JSON escapes it


def _address(parts: tuple[int, ...]) -> str:
    return "from {}.{}.{}.{} GET /api/v1/x 200".format(*parts)


ORDINARY_LINES = st.one_of(
    st.uuids().map(lambda u: f"request {u} done"),
    st.integers(10**12, 10**19 - 1).filter(lambda n: not _luhn_int(n)).map(
        lambda n: f"order {n} paid"),
    st.datetimes().map(lambda t: f"at {t.isoformat()} started"),
    st.binary(min_size=20, max_size=20).map(lambda b: f"commit {b.hex()} merged: fix #42"),
    st.tuples(*[st.integers(0, 255)] * 4).map(_address),
    st.integers(0, 10**6).map(lambda n: f"prompt_tokens={n} total_tokens={n} session_timeout=30"),
    st.sampled_from(["user=alice id=42 status: ok", "version 1.2.3 on Python 3.11",
                     "Token refreshed for Bearer arms", "token_type=Bearer expires_in=3600"]),
)  # fmt: skip


def _luhn_int(number: int) -> bool:
    from alonechat.core.logging._redact import _luhn

    return _luhn(str(number))


@settings(max_examples=300, deadline=None)
@given(ORDINARY_LINES)
def test_ordinary_lines_are_left_unchanged(line: str) -> None:
    from alonechat.core.logging._redact import DEFAULT_KEYS, Redactor

    assert Redactor(DEFAULT_KEYS).text(line) == line


def _written(directory: Path) -> str:
    """Everything under ``directory``: log files, numbered backups and gzipped ones."""
    texts = []
    for path in sorted(directory.rglob("*")):
        if path.is_file() and ".lock" not in path.name:
            data = path.read_bytes()
            texts.append((gzip.decompress(data) if path.suffix == ".gz" else data).decode())
    return "".join(texts)


@pytest.mark.parametrize("layout", ["text", "json", "ecs"])
def test_the_corpus_leaks_nothing_and_keeps_ordinary_values(tmp_path: Path, layout: str) -> None:
    """Every fake secret of the corpus (tests/secrets_corpus.py: each category, logged through
    each channel), with the production preset in a fresh interpreter (alonechat's handler
    alone on the root), into small rotated and gzipped files: none written, in any file; and
    at most 2 % of the ordinary values changed."""
    schema = "ecs" if layout == "ecs" else "alonechat"
    script = (
        "from alonechat.core.logging import configure_logging, create_production_config\n"
        "from tests.secrets_corpus import log_everything\n"
        "configure_logging(create_production_config(log_dir='logs', max_bytes=20_000,\n"
        f"    json_output={layout != 'text'}, json_schema={schema!r},\n"
        "    backup_count=1000, compress='gz'))\n"
        "import time\n"
        "log_everything()\n"
        "time.sleep(2.5)  # backups older than _backups.SETTLE are gzipped at the next rotation\n"
        "log_everything()\n"
    )
    result = run_python(script, tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    logs = tmp_path / "logs"
    assert list(logs.glob("*.gz"))  # rotated and compressed backups were read too
    written = _written(logs)
    corpus = secrets_corpus.secrets()
    # every record is there: 6 channels per secret (exceptions also in the error log)
    assert written.count("third party said") == 2 * len(corpus)
    leaked = [
        (secret.category, part)
        for secret in corpus
        for part in secret.sensitive
        if part in written
        or json.dumps(part)[1:-1] in written
        or part.replace("\n", "\\n") in written
    ]
    assert {s.category for s in corpus} >= CORPUS_CATEGORIES
    assert leaked == [], f"{len(leaked)} of {len(corpus)} leaked"
    ordinary = secrets_corpus.ordinary_values()
    changed = [
        value
        for value in ordinary
        if (json.dumps(value)[1:-1] if layout != "text" else value) not in written
    ]
    assert len(changed) <= 0.02 * len(ordinary), changed


CORPUS_CATEGORIES = {
    *("google_oauth", "curl_user", "private_key_after_name", "private_key", "putty_key"),
    *("azure_connection_string", "url_empty_user", "openai_key", "openai_project_key"),
    *("anthropic_key", "gitlab_runner_token", "sendgrid_key", "pypi_token", "shopify_token"),
    *("session_cookie", "cookie_dict", "iban", "us_ssn", "argv", "base64_json", "card_number"),
}

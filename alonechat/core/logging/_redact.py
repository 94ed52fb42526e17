"""Keeping credentials out of records: query strings, URL passwords, secret fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

#: What replaces a credential in logged fields.
REDACTED = "[REDACTED]"
_CREDENTIAL_WORDS = (
    "authorization", "cookie", "password", "passwd", "secret", "token", "credential", "bearer"
)  # fmt: skip
_CREDENTIAL_KEYS = frozenset({"auth", "api-key", "apikey", "x-api-key", "session", "sessionid"})


def is_credential(key: object) -> bool:
    """Whether a field or header name usually holds a credential (Authorization, api_key...)."""
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    lowered = str(key).lower().replace("_", "-")
    return lowered in _CREDENTIAL_KEYS or any(word in lowered for word in _CREDENTIAL_WORDS)


def safe_fields(fields: Mapping[str, object]) -> dict[str, object]:
    """``fields`` with credentials masked: keys such as Authorization, Cookie, password,
    token, auth or api_key, at the top level, inside a mapping (``headers={...}``) or in a
    list of pairs (ASGI's ``headers=[(b"authorization", b"...")]``)."""
    return {
        key: REDACTED if is_credential(key) else _masked(value) for key, value in fields.items()
    }


def _masked(value: object) -> object:
    if isinstance(value, Mapping):
        return {k: REDACTED if is_credential(k) else v for k, v in value.items()}
    if isinstance(value, (list, tuple)) and all(
        isinstance(pair, (list, tuple)) and len(pair) == 2 for pair in value
    ):
        return [(k, REDACTED) if is_credential(k) else (k, v) for k, v in value]
    return value


def safe_path(path: str) -> str:
    """A request path or URL without its query string, fragment or user:password part."""
    parts = urlsplit(path)
    netloc = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=netloc, query="", fragment="").geturl()


#: Keys whose values are masked by default (``LogConfig.redact_keys``).
DEFAULT_KEYS = (
    "password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "cookie",
    "session", "credential",
)  # fmt: skip


class Redactor:
    """Masks secrets in a record before any of alonechat's sinks sees it.

    ``extra`` fields whose name contains one of ``keys`` (any case, ``_`` or ``-``), and in
    message and exception text: ``key=value``, ``key: value``, ``"key": "value"`` and
    ``Bearer``/``Basic`` credentials, plus every match of ``patterns`` (regular expressions).
    """

    def __init__(self, keys: tuple[str, ...], patterns: tuple[str, ...] = ()) -> None:
        self.keys = tuple(key.lower().replace("_", "-") for key in keys)
        words = "|".join(re.escape(key).replace("\\-", "[-_]?") for key in self.keys)
        self._rules: list[tuple[re.Pattern[str], str]] = [
            (re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
            (re.compile(rf'(?i)("[\w-]*(?:{words})[\w-]*"\s*:\s*)"(?:[^"\\]|\\.)*"'),
             rf'\1"{REDACTED}"'),
            (re.compile(rf"(?i)(\b[\w-]*(?:{words})[\w-]*\s*[=:]\s*)(?!\[REDACTED\])"
                        rf"(\"[^\"]*\"|'[^']*'|[^\s,;&\"']+)"), rf"\1{REDACTED}"),
        ]  # fmt: skip
        self._rules += [(re.compile(pattern), REDACTED) for pattern in patterns]

    def text(self, text: str) -> str:
        """``text`` with every secret pattern masked."""
        for pattern, replacement in self._rules:
            text = pattern.sub(replacement, text)
        return text

    def is_secret(self, key: object) -> bool:
        """Whether a field name holds a secret."""
        if isinstance(key, bytes):
            key = key.decode("latin-1")
        lowered = str(key).lower().replace("_", "-")
        return any(word in lowered for word in self.keys)

    def fields(self, fields: Mapping[str, object]) -> dict[str, object]:
        """``fields`` with secret keys masked and secrets in string values masked."""
        return {key: self._value(key, value) for key, value in fields.items()}

    def _value(self, key: object, value: object) -> object:
        if self.is_secret(key):
            return REDACTED
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self._value(k, v) for k, v in value.items()}
        return value

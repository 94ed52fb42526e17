"""Keeping credentials out of records: query strings, URL passwords, secret fields."""

from __future__ import annotations

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

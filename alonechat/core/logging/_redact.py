"""Keeping credentials out of records: query strings, URL passwords, secret fields."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

#: What replaces a credential in logged fields.
REDACTED = "[REDACTED]"
_CREDENTIAL_WORDS = ("authorization", "cookie", "password", "passwd", "secret", "token")
_CREDENTIAL_KEYS = frozenset({"api-key", "apikey", "x-api-key", "session", "sessionid"})


def is_credential(key: object) -> bool:
    """Whether a field or header name usually holds a credential (Authorization, api_key...)."""
    lowered = str(key).lower().replace("_", "-")
    return lowered in _CREDENTIAL_KEYS or any(word in lowered for word in _CREDENTIAL_WORDS)


def safe_fields(fields: Mapping[str, object]) -> dict[str, object]:
    """``fields`` with credentials masked: keys such as Authorization, Cookie, password,
    token or api_key, at the top level or inside a mapping (``headers={...}``)."""
    safe: dict[str, object] = {}
    for key, value in fields.items():
        if is_credential(key):
            safe[key] = REDACTED
        elif isinstance(value, Mapping):
            safe[key] = {k: REDACTED if is_credential(k) else v for k, v in value.items()}
        else:
            safe[key] = value
    return safe


def safe_path(path: str) -> str:
    """A request path or URL without its query string, fragment or user:password part."""
    parts = urlsplit(path)
    netloc = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=netloc, query="", fragment="").geturl()

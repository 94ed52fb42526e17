"""Keeping credentials out of records: query strings, URL passwords, secret fields."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

#: What replaces a credential in logged fields.
REDACTED = "[REDACTED]"


def safe_fields(fields: Mapping[str, object]) -> dict[str, object]:
    """``fields`` with the values of secret keys (see :func:`is_secret`) masked: at the top
    level, inside a mapping (``headers={...}``) or in a list of pairs (ASGI's
    ``headers=[(b"authorization", b"...")]``). Used where there is no Redactor (the request
    fields ``RequestLogger`` puts in the log context)."""
    return {key: REDACTED if is_secret(key) else _masked(value) for key, value in fields.items()}


def _masked(value: object) -> object:
    if isinstance(value, Mapping):
        return {k: REDACTED if is_secret(k) else v for k, v in value.items()}
    if isinstance(value, (list, tuple)) and all(
        isinstance(pair, (list, tuple)) and len(pair) == 2 for pair in value
    ):
        return [(k, REDACTED) if is_secret(k) else (k, v) for k, v in value]
    return value


def safe_path(path: str) -> str:
    """A request path or URL without its query string, fragment or user:password part."""
    parts = urlsplit(path)
    netloc = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=netloc, query="", fragment="").geturl()


#: Keys whose values are masked by default (``LogConfig.redact_keys``). A field or ``key=``
#: name is secret when its last words are one of these: ``db_password``, ``access_token``,
#: ``X-Api-Key`` are; ``prompt_tokens``, ``session_timeout``, ``password_changed_at`` are not.
DEFAULT_KEYS = (
    "password", "passwd", "pwd", "secret", "secret_key", "private_key", "token", "api_key",
    "apikey", "authorization", "auth", "bearer", "cookie", "session", "sessionid", "credential",
    "credentials",
)  # fmt: skip

_WORDS = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_RULES_FIXED: list[tuple[re.Pattern[str], str]] = [
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,20}://[^\s:/@]{1,256}:)[^\s@/]{1,256}@"),
     rf"\1{REDACTED}@"),
    # Authorization / Cookie headers: the whole value, to the end of the line or quote
    (re.compile(r"(?i)\b((?:proxy-)?authorization|(?:set-)?cookie)(['\"]?\s*[:=]\s*)"
                r"[^\s'\"][^\r\n'\"]{0,4095}"), rf"\1\2{REDACTED}"),
    (re.compile(r"(?i)\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]{8,4096}"),
     rf"\1 {REDACTED}"),
]  # fmt: skip
# key=value, key: value, "key": "value", 'key': 'value'; whether the key is secret is decided
# in Python, and the value is only consumed when it is.
_KEY = re.compile(r"""(?<![\w-])(['"]?)([A-Za-z][\w.-]{0,63})\1\s*[=:]\s*""")
_VALUE = re.compile(
    r""""(?:[^"\\\n]|\\.){0,4096}"|'(?:[^'\\\n]|\\.){0,4096}'|[^\s,;&)\]}'"]{1,4096}"""
)
_MAX_DEPTH = 8


def _words(name: str) -> tuple[str, ...]:
    return tuple(_WORDS.findall(_CAMEL.sub("_", name).lower()))


_DEFAULT_WORDS = tuple(_words(key) for key in DEFAULT_KEYS)


def is_secret(key: object, keys: Sequence[tuple[str, ...]] = _DEFAULT_WORDS) -> bool:
    """The one rule for "this field name holds a secret": its last words are one of
    ``keys`` (as word tuples; default: ``DEFAULT_KEYS``). Words are split at
    non-alphanumerics and camelCase, in any case: ``db_password``, ``accessToken``,
    ``X-Api-Key``, ``Set-Cookie`` are secret; ``prompt_tokens``, ``session_timeout``,
    ``password_changed_at`` are not. ``bytes`` keys (ASGI headers) are read as latin-1."""
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    words = _words(str(key))
    return any(words[-len(k) :] == k for k in keys if len(k) <= len(words))


class Redactor:
    """Masks secrets in a record before any of alonechat's sinks sees it.

    ``extra`` fields (nested mappings and lists included) whose name ends with one of
    ``keys``; and in message and exception text: ``key=value``, ``key: value``, ``"key":
    "value"``, ``'key': 'value'`` for such keys, Authorization and Cookie header values,
    ``Bearer``/``Basic``/``Token`` credentials, passwords in URLs, plus every match of
    ``patterns`` (regular expressions). Matching is linear in the text's length.
    """

    def __init__(self, keys: tuple[str, ...], patterns: tuple[str, ...] = ()) -> None:
        self._keys = [_words(key) for key in keys if _words(key)]
        self._rules = [*_RULES_FIXED, *((re.compile(p), REDACTED) for p in patterns)]

    def is_secret(self, key: object) -> bool:
        """Whether a field name holds a secret: :func:`is_secret` with this Redactor's keys."""
        return is_secret(key, self._keys)

    def text(self, text: str) -> str:
        """``text`` with every secret pattern masked."""
        for pattern, replacement in self._rules:
            text = pattern.sub(replacement, text)
        parts, done = [], 0
        for key in _KEY.finditer(text):
            if key.start() < done or not self.is_secret(key.group(2)):
                continue
            value = _VALUE.match(text, key.end())
            if value is None or value.group().lstrip("'\"").startswith(REDACTED[:-1]):
                continue
            quote = value.group()[0] if value.group()[0] in "'\"" else ""
            parts += [text[done : key.end()], quote, REDACTED, quote]
            done = value.end()
        return "".join(parts) + text[done:] if parts else text

    def fields(self, fields: Mapping[str, object]) -> dict[str, object]:
        """``fields`` with secret keys masked and secrets in values masked, at any depth."""
        return {key: self._value(key, value, 0) for key, value in fields.items()}

    def _value(self, key: object, value: object, depth: int) -> object:
        if key is not None and self.is_secret(key):
            return REDACTED
        if isinstance(value, str):
            return self.text(value)
        if depth >= _MAX_DEPTH:
            return f"<{type(value).__name__} nested too deep to check for secrets>"
        if isinstance(value, Mapping):
            return {k: self._value(k, v, depth + 1) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            if all(isinstance(p, (list, tuple)) and len(p) == 2 for p in value):  # header pairs
                return [(k, self._value(k, v, depth + 1)) for k, v in value]
            return [self._value(None, item, depth + 1) for item in value]
        return value

"""Keeping secrets out of records: secret field names, well-known secret formats in any text,
query strings and passwords in URLs.

Two kinds of rule, applied in one pass over each string:

* **names** (:func:`is_secret`): a field, header or ``key=value`` key holds a secret when one
  of its words is a secret word (``password``, ``token``, ``api_key``...), however it is
  written: any case, ``_``/``-``/``.``/camelCase separators, URL-encoded, digits appended
  (``password1``), any length; unless its last word says it is about the secret, not the
  secret (``password_changed_at``, ``session_timeout``, ``token_type``).
* **values** (:data:`DETECTORS`): formats a secret has whatever its name: JWTs, PEM and
  PuTTY private keys, cloud, AI, source-hosting, chat, mail, package-registry, shop and
  payment-API keys (known prefixes with their real lengths), card numbers (Luhn-checked),
  IBANs (mod 97 and the country's length), US SSNs, ``Bearer``/``Basic`` credentials,
  ``Authorization``/``Cookie`` header values, passwords in URLs and in ``curl -u``, base64
  JSON holding a secret.

A name rule never hides a secret from the value rule that knows its format: a name's value
that a private key's armor starts in is masked only up to the armor, and one that a format's
match runs past is left to that format (see :meth:`Redactor._value_span`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from urllib.parse import unquote, urlsplit

from ._text import PRINTABLE_ASCII, known_printable

#: What replaces a secret.
REDACTED = "[REDACTED]"

#: Secret words (``LogConfig.redact_keys``): a name containing one of them (as whole words,
#: in order) holds a secret. ``key`` alone counts only as the whole name (``?key=``), so
#: ``primary_key`` and ``monkey`` are not secret, while ``api_key`` and ``private_key`` are.
DEFAULT_KEYS = (
    "password", "passwd", "pwd", "pass", "passphrase", "passcode", "secret", "token",
    "api_key", "apikey", "access_key", "private_key", "privatekey", "secret_key", "signing_key",
    "client_key", "encryption_key", "master_key", "key", "credential", "credentials", "auth",
    "authorization", "bearer", "signature", "sig", "session", "sessionid", "cookie", "jwt",
    "otp", "card_number", "cardnumber", "credit_card", "creditcard", "cc_number", "pan", "cvv",
    "cvc", "ssn", "dsn", "account_key", "cookies", "jsessionid", "phpsessid", "sid", "csrf",
    "csrftoken", "xsrf", "iban",
)  # fmt: skip

# A name whose last word is one of these describes a secret rather than holding one
# (``password_changed_at``, ``token_type``, ``session_timeout``, ``auth_method``).
_ABOUT = frozenset(
    [
        "at",
        "time",
        "date",
        "timeout",
        "ttl",
        "expiry",
        "expires",
        "expiration",
        "changed",
        "updated",
        "created",
        "count",
        "length",
        "len",
        "size",
        "type",
        "kind",
        "policy",
        "hint",
        "name",
        "required",
        "enabled",
        "disabled",
        "valid",
        "age",
        "last",
        "brand",
        "method",
        "version",
        "strength",
        "reset",
        "url",
        "uri",
        "endpoint",
        "path",
        "file",
        "field",
        "format",
        "mode",
        "scheme",
        "provider",
        "status",
        "level",
        "limit",
        "max",
        "min",
        "used",
        "usage",
        "remaining",
        "rate",
        "index",
        "enforced",
    ]
)
_WORDS = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_MAX_DEPTH = 8
_CACHE_SIZE = 4096


def _words(name: str) -> tuple[str, ...]:
    """The words of a name: URL-decoded, split at non-alphanumerics and camelCase, lower
    case, trailing digits dropped (``password1`` is ``password``)."""
    if "%" in name:
        name = unquote(name)
    words = _WORDS.findall(_CAMEL.sub("_", name).lower())
    return tuple(word.rstrip("0123456789") or word for word in words)


class SecretNames:
    """The rule for secret names with a given set of secret words (see :func:`is_secret`).
    Answers are cached (names repeat: the keys of ``extra`` fields)."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._keys = [words for words in map(_words, keys) if words]
        self._cache: dict[object, bool] = {}

    def __call__(self, name: object) -> bool:
        found = self._cache.get(name)
        if found is None:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            text = name.decode("latin-1") if isinstance(name, bytes) else str(name)
            found = self._cache[name] = self._match(_words(text))
        return found

    def _match(self, words: tuple[str, ...]) -> bool:
        for key in self._keys:
            if key == ("key",):
                if words == key:
                    return True
                continue
            size = len(key)
            for start in range(len(words) - size + 1):
                if words[start : start + size] == key:
                    end = start + size
                    if end == len(words) or words[-1] not in _ABOUT:
                        return True
        return False


_DEFAULT_NAMES = SecretNames(DEFAULT_KEYS)


def is_secret(name: object) -> bool:
    """The one rule for "this field name holds a secret", with ``DEFAULT_KEYS``: a secret
    word among its words, and a last word that does not make it about the secret.
    ``db_password``, ``accessToken``, ``X-Api-Key``, ``Set-Cookie``, ``password1``,
    ``aws_secret_access_key``, ``key`` are secret; ``prompt_tokens``, ``session_timeout``,
    ``password_changed_at``, ``monkey``, ``primary_key`` are not. ``bytes`` names (ASGI
    headers) are read as latin-1."""
    return _DEFAULT_NAMES(name)


def _luhn(digits: str) -> bool:
    """Whether a card number's check digit is right (ISO/IEC 7812): order numbers and other
    long digit runs survive."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


# ISO 13616 IBAN lengths by country (SWIFT's IBAN registry).
_IBAN_LENGTHS = {
    country: int(length)
    for country, length in re.findall(
        r"([A-Z]{2})(\d\d)",
        "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 "
        "CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 "
        "GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 "
        "LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 "
        "QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 "
        "UA29 VA22 VG24 XK20",
    )
}


def _mask_ibans(text: str) -> str:
    """``text`` with every IBAN (see :func:`_iban`) masked."""
    parts: list[str] = []
    done = 0
    for match in _IBAN.finditer(text):
        span = _iban(text, match.start(), match.end())
        if span is not None:
            parts += [text[done : span[0]], REDACTED]
            done = span[1]
    return "".join(parts) + text[done:] if parts else text


def _iban(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of the IBAN at ``start`` (country code) in ``text[start:end]`` (which may run
    on into following words), when it stands alone, and its country's length and mod-97
    check digits are right."""
    length = _IBAN_LENGTHS.get(text[start : start + 2])
    if length is None or (start and text[start - 1].isalnum()):
        return None
    chars: list[str] = []
    stop = start
    for stop in range(start, end):
        if text[stop] != " ":
            chars.append(text[stop])
            if len(chars) == length:
                break
    stop += 1
    if len(chars) != length or (stop < len(text) and text[stop].isalnum()):
        return None
    compact = "".join(chars)
    digits = "".join(str(int(char, 36)) for char in compact[4:] + compact[:4])
    return (start, stop) if int(digits) % 97 == 1 else None


# RFC 6750's b64token: these characters, then "=" padding only at the end.
_TOKEN = r"(?=[A-Za-z]*[0-9._~+/-])[A-Za-z0-9._~+/-]{8,}=*(?![\w.~+/=-])"
_CARD = r"(?<![\w-]\d)(?:[ -]?\d){12,18}(?![\w-])"
# Every format found in any text, whatever name it has, and the separators of key=value
# pairs, in ONE expression that Python's regular expression engine runs as one pass: every
# alternative starts with a plain character (=, :, -, _, ., A, B, T, D, a digit...), so the
# engine skips the characters that cannot start one in C, and prose costs little. Lookbehinds
# check the rest of a prefix once the rare character is found (ghp_ is found at its "_").
# Each named group is the part masked; "sep" marks a key=value separator. Every unbounded
# quantifier is followed by something its characters cannot match, so giving a character
# back never lets the rest match: a failed attempt costs one scan, and no input makes it
# backtrack further (the hostile-input tests check it on every supported Python; possessive
# quantifiers, which would say so in the syntax, are new in 3.11).
_ALTERNATIVES = [
            r"=(?P<sep>)",
            r":(?://(?:hooks\.slack\.com/services/(?P<slack_webhook>[A-Za-z0-9/_-]+)"
            r"|[^\s:/@]*:(?P<url_password>[^\s@/]+)(?=@))"
            r"|(?<=\d:)AA(?P<telegram_bot_token>[A-Za-z0-9_-]{33})(?![\w-])"
            r"|(?P<sep_colon>))",
            "\uff1a(?P<sep_wide>)",
            r"%(?P<sep_encoded>3[DdAa])",
            r"-(?:----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?P<pem_private_key>(?s:.*?"
            r"-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|.*))"
            r"|(?<=\bPuTTY-)User-Key-File-\d+:(?P<putty_private_key>(?s:.*?Private-MAC: *"
            r"[0-9a-fA-F]+|.*))"
            r"|(?<![\w-]-)(?:u|-user)(?:=|[ '\"]+)[^\s:'\"]+:(?P<cli_password>[^\s'\"]+)"
            r"|(?<![\w-]-)-?(?P<sep_flag>[A-Za-z][A-Za-z0-9_-]{0,40})(?:=|['\"]?, ?['\"]?| +)"
            r"|(?<=(?<![\w-])\d{3}-)(?P<ssn>\d\d-\d{4})(?![\w-])"
            r"|(?<=\bsk-)(?:ant-(?:api|admin)\d\d-(?P<anthropic_key>[A-Za-z0-9_-]{32,})"
            r"|(?:proj|svcacct|admin)-(?P<openai_key>[A-Za-z0-9_-]{32,})"
            r"|(?P<openai_legacy_key>[A-Za-z0-9]{32,}))"
            r"|(?:(?<=\bglpat-)|(?<=\bglrt-)|(?<=\bgldt-)|(?<=\bglptt-)|(?<=\bglrtr-))"
            r"(?P<gitlab_token>[A-Za-z0-9_-]{20,})"
            r"|(?<=\bpypi-)(?P<pypi_token>AgE[A-Za-z0-9_-]{50,})"
            r"|(?<=\bxox[abposr]-)(?P<slack_token>[A-Za-z0-9-]{10,}))",
            r"_(?:(?<=\bgh[pousr]_)(?P<github_token>[A-Za-z0-9]{36,})"
            r"|(?<=\bgithub_pat_)(?P<github_pat>[A-Za-z0-9_]{22,})"
            r"|(?<=\b[sr]k_)(?:live|test)_(?P<stripe_key>[A-Za-z0-9]{10,})"
            r"|(?<=\bwhsec_)(?P<stripe_webhook_secret>[A-Za-z0-9]{20,})"
            r"|(?<=\bshp[a-z]{2}_)(?P<shopify_token>[a-fA-F0-9]{32})(?![\w-])"
            r"|(?<=\bnpm_)(?P<npm_token>[A-Za-z0-9]{36})(?![\w-])"
            r"|(?<=\bhf_)(?P<huggingface_token>[A-Za-z]{34})(?![\w-]))",
            r"\.(?:eyJ(?P<jwt>[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)"
            r"|(?=[A-Za-z0-9_-]{22}\.)(?<=\bSG\.)"  # the cheap check first: most dots fail it
            r"(?P<sendgrid_key>[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![\w-]))",
            # ya29. starts at its rarer "9": a lookbehind tried at every "." (IP addresses,
            # versions, sentences) would cost every line
            r"9(?<=\bya29)\.(?P<google_oauth_token>[A-Za-z0-9_-]{20,})",
            r"A(?:(?<![A-Z0-9]A)(?P<aws_access_key_id>(?:KIA|SIA|GPA|IDA|ROA|NPA|NVA|IPA)"
            r"[A-Z0-9]{16})(?![A-Z0-9])"
            r"|(?<![\w-]A)Iza(?P<google_api_key>[0-9A-Za-z_-]{35})(?![\w-]))",
            rf"B(?<!\wB)(?:earer|asic)\s+(?P<http_credentials>{_TOKEN})",
            rf"T(?<!\wT)oken\s+(?P<token_credentials>{_TOKEN})",
            r"J(?<=\beyJ)(?P<base64_json>[A-Za-z0-9+/_-]{16,}={0,2})",
]  # fmt: skip
# Card numbers, Luhn-checked in Python.
# Card numbers start with 2 to 6 (Mastercard, Amex/Diners/JCB, Visa, Maestro, Discover/
# UnionPay): a millisecond epoch (1...) is never one.
_CARDS = [f"{digit}(?P<card_number_{digit}>{_CARD})" for digit in "23456"]
_SCAN = re.compile("|".join(_ALTERNATIVES + _CARDS))
# The same without card numbers, for text with fewer than 13 digits (a time, an address):
# digits are common, and each one would be a place to try.
_SCAN_NO_CARDS = re.compile("|".join(_ALTERNATIVES))
# IBANs (ISO 13616: country, check digits, up to 30 letters and digits, compact or in groups
# of four), in text with 12 digits or more (NL91ABNA0417164300 has 12): a second pass, over
# what the first left (a rule there can only have masked one), as two capitals and two
# digits are a cheap start to look for but an expensive lookbehind at every digit of _SCAN.
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}")
_DIGITS = b"0123456789"
# Printable ASCII characters none of _SCAN's alternatives starts with: text made of them
# only has no secret (and needs no escaping); and the ASCII control characters.
_STARTS = b"=:%-_.ABJT0123456789"
_PLAIN = bytes(c for c in PRINTABLE_ASCII if c not in _STARTS)
_CONTROLS = bytes(c for c in range(128) if c not in PRINTABLE_ASCII)
#: What is recognised in any text whatever its name: the names of ``_SCAN``'s groups
#: (but the key=value separators; ``card_number_2``..``_6`` are one detector).
DETECTORS = (
    *dict.fromkeys(
        re.sub(r"_[0-9]$", "", name) for name in _SCAN.groupindex if not name.startswith("sep")
    ),
    "iban",
)
# Where a private key's armor starts: a rule for its format masks it whole.
_ARMOR = re.compile(r"-----BEGIN|PuTTY-User-Key-File-")
_URLSAFE = str.maketrans("-_", "+/")
# Formats masked whole (others keep the prefix that names their kind: "sk_live_[REDACTED]").
_WHOLE = frozenset({"aws_access_key_id", "google_api_key"})
# Backwards from a separator, in the reversed text: the key of a key=value pair.
_KEY_BACK = re.compile(r"""\s*(?P<quote>["']?)(?P<key>[\w.%-]+)""")
_VALUE = re.compile(r"""\s*(?P<value>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[^\s,;&)\]}'"]+)""")
_JWT_HEAD = re.compile(r"[A-Za-z0-9_-]*")
# Authorization and Cookie header values: to the end of the line (or quote).
_HEADER_VALUE = re.compile(r"""\s*(?P<value>[^\s'"][^\r\n'"]*)""")
_HEADERS = SecretNames(("authorization", "cookie"))


def safe_fields(fields: Mapping[str, object]) -> dict[str, object]:
    """``fields`` with the values of secret names (see :func:`is_secret`) masked: at the top
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


class Redactor:
    """Masks secrets in a record before any of alonechat's sinks sees it.

    ``extra`` fields whose name is secret (:class:`SecretNames` with ``keys``), at any depth
    (mappings, lists, header pairs); in every string (messages, string fields, exception
    text): ``key=value``-like pairs whose key is secret, every :data:`DETECTORS` format and
    every match of ``patterns`` (regular expressions). Values that are neither strings nor
    numbers are checked as their text (``str()``), and written as that text when it had a
    secret. A value is masked to its end, whatever its length. One pass over each string;
    no input makes a rule backtrack.
    """

    def __init__(self, keys: Sequence[str], patterns: Sequence[str] = ()) -> None:
        self.is_secret = SecretNames(keys)
        self._patterns = [re.compile(pattern) for pattern in patterns]

    def text(self, text: str) -> str:
        """``text`` with every secret masked: one pass of one expression over it (and one
        per ``patterns`` entry)."""
        search, ibans = _SCAN.search, True
        if text.isascii():  # most text: one pass in C says whether anything can start here
            left = text.encode("ascii").translate(None, _PLAIN)
            if not left:  # printable, and no character a secret or a separator starts with
                known_printable(text)
                return self._user_patterns(text)
            if not left.translate(None, _CONTROLS):  # control characters only
                return self._user_patterns(text)
            digits = len(left) - len(left.translate(None, _DIGITS))
            if digits < 13:
                search = _SCAN_NO_CARDS.search
            ibans = digits >= 12
        parts: list[str] = []
        done = 0
        reverse = ""  # the text backwards, made at the first key=value separator
        match = search(text)
        while match is not None:
            kind = match.lastgroup or ""
            resume = match.end()
            span: tuple[int, int] | None = None
            if kind == "sep_flag":  # --password VALUE, '--password', 'VALUE'
                if self.is_secret(match.group(kind)):
                    span = self._value_span(text, "", resume)
            elif kind.startswith("sep"):
                reverse = reverse or text[::-1]
                span = self._secret_value(text, reverse, match.start(), resume)
            else:
                start, end = match.span(kind)
                found = self._check(kind, text, start, end)
                if found is not None:
                    start, end = found
                    if kind == "jwt":  # the header part, before the ".eyJ" found
                        reverse = reverse or text[::-1]
                        head = _JWT_HEAD.match(reverse, len(text) - match.start())
                        start = match.start() - (head.end() - head.start() if head else 0)
                    span = start, end
            if span is not None:
                start, end = span
                quote = text[start] if text[start] in "'\"" and kind.startswith("sep") else ""
                parts += [text[done : max(start, done)], quote, REDACTED, quote]
                done = resume = max(end, done)
            match = search(text, resume)
        if parts:
            text = "".join(parts) + text[done:]
        return self._user_patterns(_mask_ibans(text) if ibans else text)

    def _check(self, kind: str, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The span to mask for a detector's match (group ``kind`` at ``start:end``), or None
        when its structure says it is not a secret (a checksum fails)."""
        if kind.startswith("card_number"):
            start -= 1  # the first digit is outside the group
            digits = text[start:end].replace(" ", "").replace("-", "")
            return (start, end) if _luhn(digits) else None
        if kind == "ssn":
            area, group, serial = (
                text[start - 4 : start - 1],
                text[start : start + 2],
                text[end - 4 :],
            )
            valid = area not in ("000", "666") and area < "900" and group != "00"
            return (start - 4, end) if valid and serial[:4] != "0000" else None
        if kind == "base64_json":
            return (start - 3, end) if self._holds_secret("eyJ" + text[start:end]) else None
        if kind in _WHOLE:
            return start - 1, end  # the "A" of AKIA.../AIza... is outside the group
        return start, end

    def _holds_secret(self, encoded: str) -> bool:
        """Whether base64 text decodes to text with a secret in it (a JSON object with a
        ``password`` key...)."""
        try:
            data = base64.b64decode(encoded.rstrip("=").translate(_URLSAFE) + "==", validate=False)
        except ValueError:
            return False
        decoded = data.decode("utf-8", "replace")
        return self.text(decoded) != decoded

    def _user_patterns(self, text: str) -> str:
        for pattern in self._patterns:
            text = pattern.sub(REDACTED, text)
        return text

    def _secret_value(
        self, text: str, reverse: str, separator: int, after: int
    ) -> tuple[int, int] | None:
        """The span of the value after the separator at ``separator`` (ending at
        ``after``) when the key before it is secret and the value not masked already."""
        key = _KEY_BACK.match(reverse, len(text) - separator)
        name = key.group("key")[::-1] if key is not None else ""
        if not (name[:1].isalpha() or name[:1] == "_") or not self.is_secret(name):
            return None
        return self._value_span(text, name, after)

    def _value_span(self, text: str, name: str, after: int) -> tuple[int, int] | None:
        """The span of the value of secret ``name`` starting at ``after``; None when it is
        masked already, or when a format starts there that runs on past the value (a
        private key's armor and body): the scan goes on to find it and mask it whole, so a
        name rule never hides a secret from the rule that knows its format."""
        value = (_HEADER_VALUE if _HEADERS(name) else _VALUE).match(text, after)
        if value is None or value.group("value").lstrip("'\"").startswith(REDACTED[:-1]):
            return None
        start, end = value.span("value")
        first = start + (text[start] in "'\"")
        armor = _ARMOR.search(text, first, end)  # "\\n-----BEGIN...": mask up to the armor
        if armor is not None:
            return (start, armor.start()) if armor.start() > first else None
        found = _SCAN.match(text, first)
        if found is not None and found.end() > end and (found.lastgroup or "sep")[:3] != "sep":
            return None
        return start, end

    def fields(self, fields: Mapping[str, object]) -> dict[str, object]:
        """``fields`` with secret names masked and secrets in values masked, at any depth."""
        return {key: self._value(key, value, 0) for key, value in fields.items()}

    def _value(self, key: object, value: object, depth: int) -> object:
        if key is not None and self.is_secret(key):
            return REDACTED
        if isinstance(value, str):
            return self.text(value)
        if value is None or isinstance(value, (bool, float)):
            return value
        if isinstance(value, int) and -(10**12) < value < 10**12:  # too short for a card
            return value
        if depth >= _MAX_DEPTH:
            return f"<{type(value).__name__} nested too deep to check for secrets>"
        if isinstance(value, Mapping):
            return {k: self._value(k, v, depth + 1) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            if all(isinstance(p, (list, tuple)) and len(p) == 2 for p in value):  # header pairs
                return [(k, self._value(k, v, depth + 1)) for k, v in value]
            items = [self._value(None, item, depth + 1) for item in value]
            for index, item in enumerate(value[:-1]):  # argv: ["--password", VALUE]
                if isinstance(item, str) and item[:1] == "-" and self.is_secret(item):
                    items[index + 1] = REDACTED
            return items
        try:
            text = str(value)  # an int (a card number?), an exception, any object
        except Exception:
            return f"<unprintable {type(value).__name__}: withheld, it could not be checked>"
        masked = self.text(text)
        return value if masked == text else masked

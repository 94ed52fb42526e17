"""A corpus of fake secrets, one or more per format redaction recognises, and of ordinary values
it must leave alone; generated from a fixed seed, so every run logs the same values.

Nothing here is a real credential: every value is random, and the vendor prefixes are put
together at run time so that no line of this file looks like a committed key to a scanner.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from dataclasses import dataclass

SEED = 25
ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "_-"
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"


@dataclass(frozen=True)
class Secret:
    """One fake secret: its category, what is logged (text, or a structure for the extra
    channels) and the parts that must never be written."""

    category: str
    value: object
    sensitive: tuple[str, ...]

    @property
    def text(self) -> str:
        """How the message channels write it."""
        return self.value if isinstance(self.value, str) else str(self.value)


def _s(rng: random.Random, alphabet: str, size: int) -> str:
    """Random text that mixes letters and digits (so no other field of a line can show it)."""
    while True:
        text = "".join(rng.choice(alphabet) for _ in range(size))
        if any(c.isdigit() for c in text) and any(c.isalpha() for c in text):
            return text


def _luhn_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body + "0")):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def iban(country: str, bban: str) -> str:
    """A valid IBAN (ISO 13616 check digits) for a country and account part."""
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def _pem(rng: random.Random, kind: str) -> tuple[str, str]:
    lines = [_s(rng, B64, 64) for _ in range(3)]
    label = f"{kind} PRIVATE KEY".strip()
    armor = "-" * 5
    body = "\n".join(lines)
    return f"{armor}BEGIN {label}{armor}\n{body}\n{armor}END {label}{armor}", lines[1]


def secrets(seed: int = SEED) -> list[Secret]:
    """The corpus: every category at least once (several for some), from ``seed``."""
    rng = random.Random(seed)
    out: list[Secret] = []

    def add(category: str, value: object, *sensitive: str) -> None:
        out.append(Secret(category, value, sensitive))

    for _ in range(2):
        token = _s(rng, B64URL, 140)
        add("google_oauth", f"token {'ya' + '29'}.{token} for drive", token)
        pw = _s(rng, ALNUM + "!%^*", 14)
        add("curl_user", f"curl -u admin:{pw} https://api.example.com/v1/items", pw)
        pw = _s(rng, ALNUM, 16)
        add("curl_user", f"curl --user 'deploy:{pw}' -X POST https://ci.example.com", pw)
    for kind in ("", "RSA", "EC", "OPENSSH", "ENCRYPTED"):
        pem, body = _pem(rng, kind)
        add("private_key_after_name", f"private key:\n{pem}", body)
        pem, body = _pem(rng, kind)
        add("private_key", f"loaded {pem} from vault", body)
    private = _s(rng, B64, 64)
    mac = _s(rng, HEX, 64)
    putty = (
        f"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\n"
        f"Public-Lines: 2\n{_s(rng, B64, 64)}\n{_s(rng, B64, 20)}\n"
        f"Private-Lines: 1\n{private}\nPrivate-MAC: {mac}"
    )
    add("putty_key", putty, private, mac)
    account_key = _s(rng, B64, 86) + "=="
    add(
        "azure_connection_string",
        "DefaultEndpointsProtocol=https;AccountName=acme;"
        f"AccountKey={account_key};EndpointSuffix=core.windows.net",
        account_key,
    )
    key = _s(rng, B64, 43) + "="
    add(
        "azure_service_bus",
        f"Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=root;"
        f"SharedAccessKey={key}",
        key,
    )
    pw = _s(rng, ALNUM, 20)
    add("url_empty_user", f"cache at redis://:{pw}@cache.internal:6379/0", pw)
    pw = _s(rng, ALNUM, 18)
    add("url_password", f"db postgres://app:{pw}@db.internal:5432/chat", pw)
    sk = "s" + "k-"
    for _ in range(2):
        key = _s(rng, ALNUM, 48)
        add("openai_key", f"openai key {sk}{key} loaded", key)
        key = _s(rng, B64URL, 156)
        add("openai_project_key", f"using {sk}proj-{key}", key)
        key = _s(rng, B64URL, 93) + "AA"
        add("anthropic_key", f"x-api {sk}ant-api03-{key} ok", key)
        key = _s(rng, B64URL, 20)
        add("gitlab_runner_token", f"registered runner {'gl' + 'rt'}-{key}", key)
        key = _s(rng, B64URL, 22) + "." + _s(rng, B64URL, 43)
        add("sendgrid_key", f"mail via {'S' + 'G'}.{key}", key)
        key = _s(rng, B64URL, 120)
        add("pypi_token", f"twine password {'py' + 'pi'}-AgEIcHlwaS5vcmc{key}", key)
        key = _s(rng, HEX, 32)
        add("shopify_token", f"shop token {'shp' + 'at'}_{key}", key)
        key = _s(rng, ALNUM, 36)
        add("github_token", f"push {'gh' + 'p'}_{key}", key)
        key = _s(rng, ALNUM, 24)
        add("stripe_key", f"charge with {sk[0]}k_live_{key}", key)
        key = _s(rng, string.ascii_uppercase + "234567", 16)
        add("aws_access_key_id", f"aws {'AK' + 'IA'}{key} in use", key)
    session = _s(rng, HEX.upper(), 32)
    add("session_cookie", f"JSESSIONID={session}; Path=/; HttpOnly", session)
    session = _s(rng, "abcdefghijklmnopqrstuvwxyz0123456789", 26)
    add("session_cookie", f"set PHPSESSID={session} for user", session)
    session = _s(rng, ALNUM, 32)
    add("session_cookie", f"cookie connect.sid=s%3A{session} seen", session)
    csrf = _s(rng, ALNUM, 64)
    add("cookie_dict", {"cookies": {"csrftoken": csrf, "theme": "dark"}}, csrf)
    session = _s(rng, ALNUM, 32)
    add("cookie_dict", {"request": {"cookies": {"sessionid": session}}}, session)
    for _ in range(3):
        spaced = iban("DE", "".join(rng.choice(string.digits) for _ in range(18)))
        add("iban", "pay to " + " ".join(spaced[i : i + 4] for i in range(0, 22, 4)), spaced[4:])
        compact = iban("GB", "WEST" + "".join(rng.choice(string.digits) for _ in range(14)))
        add("iban", f"refund {compact}.", compact)
        ssn = f"{rng.randint(1, 665):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
        add("us_ssn", f"kyc ssn {ssn} verified", ssn)
        card = "4" + "".join(rng.choice(string.digits) for _ in range(14))
        card += _luhn_digit(card)
        add("card_number", f"paid with {card}", card)
    pw = _s(rng, ALNUM, 16)
    add("argv", ["manage.py", "createuser", "--password", pw], pw)
    pw = _s(rng, ALNUM, 16)
    add("argv", f"exec ['mysqldump', '--password={pw}', 'chat']", pw)
    pw = _s(rng, ALNUM, 16)
    blob = base64.b64encode(json.dumps({"user": "ann", "password": pw}).encode()).decode()
    add("base64_json", f"state={'ey' + blob[2:]} returned", blob[4:], pw)
    pw = _s(rng, ALNUM, 16)
    add("password_pair", f"login password={pw} user=bob", pw)
    header, payload = (_s(rng, B64URL, 30) for _ in range(2))
    signature = _s(rng, B64URL, 43)
    add("jwt", f"auth eyJ{header}.eyJ{payload}.{signature} ok", signature)
    token = _s(rng, B64URL, 40)
    add("bearer", f"Authorization: Bearer {token}", token)
    return out


def _ordinary(rng: random.Random) -> list[str]:
    """Values that look like data but hold no secret: they must come out unchanged."""
    values: list[str] = []
    for _ in range(10):
        values.append(f"request {uuid.UUID(int=rng.getrandbits(128))} done")
        values.append(f"commit {''.join(rng.choice(HEX) for _ in range(40))} merged")
        values.append(f"request_id={''.join(rng.choice(HEX) for _ in range(32))}")
        values.append(f"at 2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00Z")
        values.append(f"epoch {rng.randint(10**9, 2 * 10**9)} ms {rng.randint(10**12, 2 * 10**12)}")
        values.append(f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:role/deploy")
        values.append(f"prompt_tokens={rng.randint(1, 9999)} total_tokens=12")
        values.append(f"author=alice reviewer=bob id={rng.randint(1, 10**6)}")
        order = "".join(rng.choice(string.digits) for _ in range(15))
        bad_check = str((int(_luhn_digit(order)) + 1) % 10)
        values.append(f"order {order}{bad_check} shipped")
        values.append(f"phone +1-{rng.randint(200, 999)}-{rng.randint(200, 999)}-1234")
        values.append(f"version {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}")
        values.append(f"ip 10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7 port 8443")
        values.append(f"sha256:{''.join(rng.choice(HEX) for _ in range(64))}")
        values.append(
            f"date 2026-{rng.randint(1, 12):02d}-{rng.randint(10, 28):02d} 10:{rng.randint(10, 59)}"
        )
    values += [
        "user=alice id=42 status: ok",
        "Token refreshed for Bearer arms",
        "token_type=Bearer expires_in=3600",
        "session_timeout=30 password_changed_at=2026-01-01",
        "task-queue-worker-processing-items-for-the-sk-learn-pipeline",
        "see https://example.org/docs:intro for the guide",
        "GB is a country code; DE89 is not a full IBAN",
        "ticket JIRA-1234-56 closed",
        "run with --verbose --log-level debug",
        "ranges 100-200-3000 are not numbers of people",
        "pages 1000-2000-3000 and 12-34-5678",
    ]
    return values


def ordinary_values(seed: int = SEED) -> list[str]:
    """The ordinary values, from ``seed``."""
    return _ordinary(random.Random(seed))


def log_everything(seed: int = SEED) -> int:
    """Log every secret through every channel (message, %-args, a neutral extra field, a
    nested extra value, exception text, a third-party stdlib logger) and every ordinary value
    as a message; returns how many records were logged."""
    import logging

    ours = logging.getLogger("corpus")
    third_party = logging.getLogger("thirdparty.client")
    count = 0
    for secret in secrets(seed):
        ours.warning(secret.text)
        ours.warning("value: %s", secret.value)
        ours.warning("neutral", extra={"note": secret.value})
        ours.warning("nested", extra={"data": {"items": [secret.value, {"more": secret.value}]}})
        try:
            raise RuntimeError(secret.text)
        except RuntimeError:
            ours.exception("failed")
        third_party.warning("third party said %s", secret.value)
        count += 6
    for value in ordinary_values(seed):
        ours.warning("ordinary %s", value)
        count += 1
    return count

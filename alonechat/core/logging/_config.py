"""LogConfig, the environment presets and environment resolution."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ._backups import PERIODS
from ._levels import level_no, parse_level
from ._redact import DEFAULT_KEYS
from ._syslog_format import DEFAULT_MAX_BYTES, FACILITIES
from ._templates import DETAILED_FORMAT, SIMPLE_FORMAT, check_date_format, text_template

MiB = 1024 * 1024

#: Environment variable read by :func:`resolve_environment` when no env is given.
ENV_VAR = "ALONECHAT_ENV"
#: Environment variable: ``json`` (or ``ecs``) makes ``auto_configure`` write JSON lines to
#: stdout only.
FORMAT_VAR = "ALONECHAT_LOG_FORMAT"
#: Environment variable: a syslog address ``auto_configure`` also sends every record to.
SYSLOG_VAR = "ALONECHAT_SYSLOG"
#: The JSON layouts: alonechat's flat one, and Elastic Common Schema field names.
JSON_SCHEMAS = ("alonechat", "ecs")
#: What an ``enqueue`` logging call does when the queue is full (see ``LogConfig.queue_full``).
QUEUE_FULL = ("block", "drop")


#: Syslog address schemes (see ``LogConfig.syslog_address``).
SYSLOG_SCHEMES = ("udp", "tcp", "unix")
_SYSLOG_PORT = 514
_APP_NAME = re.compile(r"[A-Za-z0-9._-]{1,48}")
_HOST = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")  # name, IPv4, IPv6


def parse_address(address: object, field: str) -> tuple[str, str | tuple[str, int]]:
    """``udp://host[:port]``, ``tcp://host[:port]`` (port 514 by default) or
    ``unix:///path`` -> (scheme, address for ``socket.connect``).

    Raises:
        ValueError: naming ``field`` when the address cannot be used.
    """
    usage = "use udp://host:port, tcp://host:port or unix:///path/to/socket"
    if not isinstance(address, str):
        raise ValueError(f"{field}: must be a string or None ({usage}), got {address!r}")
    parts = urlsplit(address)
    if parts.scheme not in SYSLOG_SCHEMES:
        raise ValueError(
            f"{field}: unknown scheme in {address!r}; "
            f"allowed: {', '.join(SYSLOG_SCHEMES)} ({usage})"
        )
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"{field}: {address!r} has parts a syslog address has not ({usage})")
    if parts.scheme == "unix":
        if parts.netloc or not parts.path.strip("/"):
            raise ValueError(f"{field}: {address!r} names no socket path ({usage})")
        return "unix", parts.path
    try:
        port = _SYSLOG_PORT if parts.port is None else parts.port
        host = parts.hostname or ""
        host.encode("idna")  # a name DNS can take
    except (ValueError, UnicodeError):
        host, port = "", 0
    if not (_HOST.fullmatch(host) or not host.isascii()) or not 0 < port < 65536:
        raise ValueError(f"{field}: {address!r} is not host:port with a port 1..65535 ({usage})")
    if parts.path not in ("", "/"):
        raise ValueError(f"{field}: {address!r} has a path; only unix:// takes one ({usage})")
    return parts.scheme, (host, port)


def app_name(value: object, field: str) -> str:
    """A syslog APP-NAME (and tag): 1..48 letters, digits, ``.``, ``_`` or ``-``.

    Raises:
        ValueError: naming ``field`` otherwise.
    """
    if not isinstance(value, str) or not _APP_NAME.fullmatch(value):
        raise ValueError(f"{field}: must be 1..48 letters, digits, '.', '_' or '-', got {value!r}")
    return value


def _positive_int(value: object, field: str, minimum: int, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{field}: must be an int >= {minimum} ({unit}), got {value!r}")
    return value


def _mode(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0o777:
        raise ValueError(f"{field}: must be a permission mode 0o000..0o777, got {value!r}")
    return value


@dataclass
class LogConfig:
    """How the unified logging system writes records.

    Values are validated (and levels normalised) at construction; a bad value raises
    ``ValueError`` naming the field, the value and what is allowed.

    Attributes:
        level: Minimum level: DEBUG, INFO, WARNING (WARN), ERROR, CRITICAL (FATAL), any case,
            a name registered with ``logging.addLevelName``, or an int >= 0.
        log_dir: Directory for ``alonechat.log`` and ``alonechat_errors.log``.
        console_output: Write to stderr (colored when it is a terminal, see ``colorize``).
        file_output: Write the two rotating log files.
        max_bytes: Size in bytes at which a log file rotates (``alonechat.log.1`` is the
            newest backup).
        backup_count: Backups kept per file; 0 keeps none (a full file is discarded).
        rotate_at: Also rotate by time: ``"hourly"``, ``"midnight"`` (daily) or a weekday
            (``"monday"``: weekly, at the midnight that starts it); whichever of size and
            time comes first rotates. ``None`` (default): by size only.
        rotate_utc: Periods in UTC rather than local time (which follows daylight saving).
        compress: ``"gz"``: backups are compressed with gzip (``alonechat.log.2.gz``) on a
            background thread; ``None`` (default): plain.
        retention_days: Remove backups last written more than this many days ago.
        max_total_bytes: Remove the oldest backups while all of a file's backups together
            exceed this many bytes. The three cleanup limits (with ``backup_count``) apply
            together: whichever is hit first removes the oldest.
        format_string: Text layout, in stdlib notation (``"%(asctime)s %(levelname)s
            %(message)s"``) or loguru notation (``"{time} {level} {message}"``). ``None``
            means the detailed built-in format.
        date_format: strftime notation for ``%(asctime)s``.
        component_levels: Level per logger name, e.g. ``{"AloneChat.server": "DEBUG"}``: the
            stdlib level of that logger (its children inherit it). ``level`` is the root
            logger's level. Both are set each time the config is applied, over what
            ``setLevel`` or ``dictConfig`` set before (the last one wins).
        json_output: Write the log files as JSON lines (one flat object per record).
        enqueue: The caller only queues each record; a background thread writes it.
        queue_size: With ``enqueue``, the most records waiting to be written (a record
            takes about 0.5 KB while queued, so 10,000 hold about 5 MB).
        queue_full: With ``enqueue``, what a logging call does when ``queue_size`` records
            wait: ``"block"`` (default) waits until the writer has made room (dropping the
            record, counted, only if the writer makes no progress for 5 seconds);
            ``"drop"`` drops the record at once. Dropped records are counted in
            ``stats()`` and reported on stderr.
        colorize: Force console colors on or off; ``None`` colors only a terminal, and
            honours ``$NO_COLOR`` (off) and ``$FORCE_COLOR`` (on).
        diagnose: Show variable values in tracebacks (loguru's ``diagnose``). It can print
            secrets, so it is off unless asked for (the development preset asks).
        file_mode: Permissions of log files (umask-independent).
        dir_mode: Permissions of directories the system creates.
        max_message_length: Longer messages (in characters; stack info, which stdlib adds
            to the message, included) are cut, with a marker saying how much.
        max_field_length: Most characters of any one ``extra`` field, nested values
            included (a longer string is cut, with a marker saying how many characters;
            a mapping or list keeps the items that fit, then a marker saying how many
            more), and of an exception's message and of its traceback. An object's
            ``str()`` is called once per record, whatever the sinks. At least 64.
        max_record_length: Most characters of one JSON record (a line of the JSON and ECS
            layouts, and the JSON a syslog message carries), whatever its fields: the
            ``extra`` fields share this budget (fields past it are replaced by an
            ``alonechat_cut`` field saying how many), then a longer line has its longest
            strings cut, with markers, to fit; it stays valid JSON. At least 1024. (A text
            record is bounded by its parts: the message, each ``{extra[...]}`` template
            field at 4096 and the traceback at ``max_field_length``.)
        redact: Mask secrets before any sink sees a record (on in the production preset).
        redact_keys: Secret words: a field name or ``key=value`` key with one of them among
            its words holds a secret (``key`` only as the whole name), unless its last word
            describes the secret (``password_changed_at``); see ``_redact.SecretNames``.
        redact_patterns: More regular expressions whose matches are masked (besides the
            built-in formats: JWTs, PEM keys, cloud, source-hosting and payment keys, card
            numbers...).
        stdout_json: Write JSON lines to stdout instead of stderr text and files (it
            overrides ``console_output`` and ``file_output``), as container log collectors
            expect; syslog still gets records if configured. ``$ALONECHAT_LOG_FORMAT=json``
            turns it on.
        json_schema: Field names of every JSON output: ``"alonechat"`` (flat: ``time``,
            ``level``, ``logger``...) or ``"ecs"`` (Elastic Common Schema: ``@timestamp``,
            ``log.level``, ``log.logger``, ``error.stack_trace``...).
        syslog_address: Also send every record to a syslog server, as RFC 5424 messages
            carrying the JSON record: ``udp://host:514``, ``tcp://host:514`` or
            ``unix:///dev/log``. ``None`` (default): no syslog.
        syslog_facility: Syslog facility name: ``user``, ``daemon``, ``local0``..``local7``...
        syslog_app_name: The APP-NAME of the syslog messages: 1..48 letters, digits, ``.``,
            ``_`` or ``-``.
        syslog_buffer: TCP messages held while the syslog server is unreachable (or slower
            than the application); beyond, they are dropped, with one warning.
        syslog_max_bytes: Longest syslog message; a longer one has its longest JSON strings
            cut (with a marker) to fit. 8096 is rsyslog's default ``maxMessageSize``.
    """

    level: str | int = "INFO"
    log_dir: str | os.PathLike[str] = "./logs"
    console_output: bool = True
    file_output: bool = True
    max_bytes: int = 10 * MiB
    backup_count: int = 5
    rotate_at: str | None = None
    rotate_utc: bool = False
    compress: str | None = None
    retention_days: float | None = None
    max_total_bytes: int | None = None
    format_string: str | None = None
    date_format: str = "%Y-%m-%d %H:%M:%S"
    component_levels: dict[str, str | int] = field(default_factory=dict)
    json_output: bool = False
    enqueue: bool = False
    queue_size: int = 10_000
    queue_full: str = "block"
    colorize: bool | None = None
    diagnose: bool = False
    file_mode: int = 0o640
    dir_mode: int = 0o750
    max_message_length: int = 32_768
    max_field_length: int = 32_768
    max_record_length: int = 262_144
    redact: bool = False
    stdout_json: bool = False
    redact_keys: tuple[str, ...] = DEFAULT_KEYS
    redact_patterns: tuple[str, ...] = ()
    json_schema: str = "alonechat"
    syslog_address: str | None = None
    syslog_facility: str = "user"
    syslog_app_name: str = "alonechat"
    syslog_buffer: int = 10_000
    syslog_max_bytes: int = DEFAULT_MAX_BYTES
    #: The text layout as a loguru template, derived from format_string and date_format.
    template: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.level = parse_level(self.level, "LogConfig.level")
        if not isinstance(self.log_dir, (str, os.PathLike)) or not os.fspath(self.log_dir):
            raise ValueError(f"LogConfig.log_dir: must be a non-empty path, got {self.log_dir!r}")
        for name in (
            "console_output",
            "file_output",
            "json_output",
            "enqueue",
            "diagnose",
            "redact",
            "stdout_json",
            "rotate_utc",
        ):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(
                    f"LogConfig.{name}: must be True or False, got {getattr(self, name)!r}"
                )
        if self.colorize is not None and not isinstance(self.colorize, bool):
            raise ValueError(
                f"LogConfig.colorize: must be True, False or None, got {self.colorize!r}"
            )
        self.max_bytes = _positive_int(self.max_bytes, "LogConfig.max_bytes", 1, "bytes")
        self.backup_count = _positive_int(self.backup_count, "LogConfig.backup_count", 0, "files")
        self.rotate_at = _lower(self.rotate_at)
        if self.rotate_at is not None and self.rotate_at not in PERIODS:
            raise ValueError(
                f"LogConfig.rotate_at: unknown period {self.rotate_at!r}; "
                f"allowed: None, {', '.join(PERIODS)}"
            )
        self.compress = _lower(self.compress)
        if self.compress not in (None, "gz"):
            raise ValueError(f"LogConfig.compress: must be None or 'gz', got {self.compress!r}")
        if self.retention_days is not None and (
            isinstance(self.retention_days, bool)
            or not isinstance(self.retention_days, (int, float))
            or not self.retention_days > 0
        ):
            raise ValueError(
                "LogConfig.retention_days: must be a number of days > 0 or None, "
                f"got {self.retention_days!r}"
            )
        if self.max_total_bytes is not None:
            self.max_total_bytes = _positive_int(
                self.max_total_bytes, "LogConfig.max_total_bytes", 1, "bytes"
            )
        self.file_mode = _mode(self.file_mode, "LogConfig.file_mode")
        self.max_message_length = _positive_int(
            self.max_message_length, "LogConfig.max_message_length", 1, "characters"
        )
        self.max_field_length = _positive_int(
            self.max_field_length, "LogConfig.max_field_length", 64, "characters"
        )
        self.max_record_length = _positive_int(
            self.max_record_length, "LogConfig.max_record_length", 1024, "characters"
        )
        self.dir_mode = _mode(self.dir_mode, "LogConfig.dir_mode")
        check_date_format(self.date_format, "LogConfig.date_format")
        layout = DETAILED_FORMAT if self.format_string is None else self.format_string
        self.template = text_template(layout, self.date_format, "LogConfig.format_string")
        self.component_levels = _components(self.component_levels)
        self.redact_keys = _strings(self.redact_keys, "LogConfig.redact_keys")
        self.redact_patterns = _strings(self.redact_patterns, "LogConfig.redact_patterns")
        self.json_schema = _lower(self.json_schema)
        self.syslog_facility = _lower(self.syslog_facility)
        if not isinstance(self.json_schema, str) or self.json_schema not in JSON_SCHEMAS:
            raise ValueError(
                f"LogConfig.json_schema: unknown schema {self.json_schema!r}; "
                f"allowed: {', '.join(JSON_SCHEMAS)}"
            )
        if self.syslog_address is not None:
            parse_address(self.syslog_address, "LogConfig.syslog_address")
        if not isinstance(self.syslog_facility, str) or self.syslog_facility not in FACILITIES:
            raise ValueError(
                f"LogConfig.syslog_facility: unknown facility {self.syslog_facility!r}; "
                f"allowed: {', '.join(FACILITIES)}"
            )
        app_name(self.syslog_app_name, "LogConfig.syslog_app_name")
        self.syslog_buffer = _positive_int(
            self.syslog_buffer, "LogConfig.syslog_buffer", 1, "messages"
        )
        self.queue_size = _positive_int(self.queue_size, "LogConfig.queue_size", 1, "records")
        self.queue_full = _lower(self.queue_full)
        if not isinstance(self.queue_full, str) or self.queue_full not in QUEUE_FULL:
            raise ValueError(
                f"LogConfig.queue_full: unknown policy {self.queue_full!r}; "
                f"allowed: {', '.join(QUEUE_FULL)}"
            )
        self.syslog_max_bytes = _positive_int(  # RFC 5424: every receiver takes 480 bytes
            self.syslog_max_bytes, "LogConfig.syslog_max_bytes", 480, "bytes"
        )
        for pattern in self.redact_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"LogConfig.redact_patterns: {pattern!r} is not a regular expression ({exc})"
                ) from None


def _lower(value: Any) -> Any:
    """A name in any case (names are compared in lower case); other values unchanged."""
    return value.strip().lower() if isinstance(value, str) else value


def _strings(value: object, field: str) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) and item for item in value):
        return tuple(value)
    raise ValueError(f"{field}: must be a list or tuple of non-empty strings, got {value!r}")


def _components(value: object) -> dict[str, str | int]:
    if not isinstance(value, Mapping):
        raise ValueError(
            f"LogConfig.component_levels: must be a mapping of logger name to level, got {value!r}"
        )
    result: dict[str, str | int] = {}
    for name, level in value.items():
        if not isinstance(name, str) or not name.strip(".") or name != name.strip():
            raise ValueError(
                f"LogConfig.component_levels: invalid logger name {name!r}; "
                "use a dotted name such as 'AloneChat.server'"
            )
        result[name] = parse_level(level, f"LogConfig.component_levels[{name!r}]")
    return result


#: Levels the presets give libraries that are chatty at DEBUG (asyncio's "Using selector",
#: HTTP clients' and websockets' wire dumps, multipart parsers, ...): their warnings still
#: show. A preset's ``component_levels`` override is merged over this table, so
#: ``component_levels={"asyncio": "DEBUG"}`` brings one back; ``setLevel`` works too.
QUIET_LIBRARIES: dict[str, str | int] = dict.fromkeys(
    (
        "asyncio",
        "charset_normalizer",
        "hpack",
        "httpcore",
        "multipart",
        "python_multipart",
        "urllib3",
        "websockets",
    ),
    "WARNING",
)


def _preset(settings: dict[str, Any], overrides: dict[str, Any]) -> LogConfig:
    """A preset's settings with ``overrides``; ``component_levels`` add to QUIET_LIBRARIES,
    whose levels are raised to ``level`` when it is higher (they quiet, never make louder)."""
    merged = {**settings, **overrides}
    levels = merged.get("component_levels", {})
    if isinstance(levels, Mapping):
        floor = level_no(parse_level(merged["level"], "LogConfig.level"))
        quiet = {name: max(level_no(parse_level(level, name)), floor)
                 for name, level in QUIET_LIBRARIES.items()}  # fmt: skip
        merged["component_levels"] = {**quiet, **levels}
    return LogConfig(**merged)


def create_development_config(**overrides: Any) -> LogConfig:
    """DEBUG, colored console, files in ``./logs/dev`` (5 MiB x 3), detailed format;
    :data:`QUIET_LIBRARIES` at WARNING.

    Raises:
        TypeError: for a keyword that is not a ``LogConfig`` field.
        ValueError: for a bad value (naming the field).
    """
    settings: dict[str, Any] = {
        "level": "DEBUG",
        "log_dir": "./logs/dev",
        "console_output": True,
        "file_output": True,
        "max_bytes": 5 * MiB,
        "backup_count": 3,
        "format_string": DETAILED_FORMAT,
        "diagnose": True,
    }
    return _preset(settings, overrides)


def create_production_config(**overrides: Any) -> LogConfig:
    """INFO, no console, files in ``./logs/prod`` (50 MiB x 10), detailed format, redaction;
    :data:`QUIET_LIBRARIES` at WARNING.

    Raises:
        TypeError: for a keyword that is not a ``LogConfig`` field.
        ValueError: for a bad value (naming the field).
    """
    settings: dict[str, Any] = {
        "level": "INFO",
        "log_dir": "./logs/prod",
        "console_output": False,
        "file_output": True,
        "max_bytes": 50 * MiB,
        "backup_count": 10,
        "format_string": DETAILED_FORMAT,
        "diagnose": False,
        "redact": True,
    }
    return _preset(settings, overrides)


def create_testing_config(**overrides: Any) -> LogConfig:
    """DEBUG, console with the simple format, no files (``./logs/test`` if turned on);
    :data:`QUIET_LIBRARIES` at WARNING.

    Raises:
        TypeError: for a keyword that is not a ``LogConfig`` field.
        ValueError: for a bad value (naming the field).
    """
    settings: dict[str, Any] = {
        "level": "DEBUG",
        "log_dir": "./logs/test",
        "console_output": True,
        "file_output": False,
        "format_string": SIMPLE_FORMAT,
    }
    return _preset(settings, overrides)


PRESETS: dict[str, Callable[..., LogConfig]] = {
    "development": create_development_config,
    "production": create_production_config,
    "testing": create_testing_config,
}
_ENV_ALIASES = {"dev": "development", "prod": "production", "test": "testing"}
ALLOWED_ENVS = "development (dev), production (prod), testing (test)"


def resolve_environment(env: str | None = None) -> str:
    """The canonical environment name: ``env``, else ``$ALONECHAT_ENV``, else development.

    Raises:
        ValueError: for a name that is not one of the allowed environments.
    """
    source = "env"
    if env is None:
        env, source = os.environ.get(ENV_VAR) or "development", ENV_VAR
    name = env.strip().lower() if isinstance(env, str) else env
    name = _ENV_ALIASES.get(name, name)
    if name not in PRESETS:
        raise ValueError(f"{source}: unknown environment {env!r}; allowed: {ALLOWED_ENVS}")
    return str(name)

"""Syslog messages, the pure part: facility and severity numbers, the headers of RFC 5424
and of the local ``/dev/log`` format, and fitting a JSON record into ``max_bytes``. No
sockets here (see ``_syslog``)."""

from __future__ import annotations

import json
import socket
from datetime import datetime
from logging.handlers import SysLogHandler
from typing import Any

from ._text import cut_chars, isoformat

#: Syslog facility names (``user``, ``daemon``, ``local0``..``local7``, ...) -> code.
FACILITIES: dict[str, int] = dict(SysLogHandler.facility_names)
#: rsyslog's default ``maxMessageSize``: longer messages arrive cut (broken JSON).
DEFAULT_MAX_BYTES = 8096
_PRINTUSASCII = frozenset(range(33, 127))
# Month names of the unix-socket header (English whatever the locale, as syslogd expects).
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def severity(level_no: int) -> int:
    """The syslog severity of a level: CRITICAL 2, ERROR 3, WARNING 4, SUCCESS 5 (notice),
    INFO 6, DEBUG and TRACE 7; custom levels take the severity of the level below them."""
    for floor, code in ((50, 2), (40, 3), (30, 4), (25, 5), (20, 6)):
        if level_no >= floor:
            return code
    return 7


def priority(facility: str, level_no: int) -> int:
    """The PRI of a message: facility code * 8 + severity (RFC 5424 section 6.2.1)."""
    return FACILITIES[facility] * 8 + severity(level_no)


def hostname() -> str:
    """This host's name for the HOSTNAME field ("-" when it has characters RFC 5424 does not
    allow)."""
    name = socket.gethostname()[:255]
    return name if name and set(name.encode("utf-8")) <= _PRINTUSASCII else "-"


def rfc5424_header(pri: int, time: datetime, host: str, app: str, pid: int) -> str:
    """``<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - -`` and a space (no MSGID, no
    structured data): the message body follows."""
    return f"<{pri}>1 {isoformat(time)} {host} {app} {pid} - - "


def local_header(pri: int, time: datetime, app: str, pid: int) -> str:
    """``<PRI>Mmm dd hh:mm:ss APP-NAME[PROCID]:`` and a space: what local daemons
    (rsyslog's and journald's ``/dev/log``) parse, as glibc's ``syslog()`` writes it."""
    return f"<{pri}>{_MONTHS[time.month]} {time.day:2d} {time:%H:%M:%S} {app}[{pid}]: "


def fit_bytes(body: str, limit: int) -> str | None:
    """``body`` within ``limit`` bytes (UTF-8): a JSON object has its long strings (message,
    traceback, fields) cut to a common length, with a marker, and stays valid JSON; None if
    that cannot be done."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            return None
        best, low, high = None, 0, len(body)
        while low <= high:  # the longest cap at which everything fits
            cap = (low + high) // 2
            text = _compact_json(_capped(data, cap))
            if len(text) <= limit:
                best, low = text, cap + 1
            else:
                high = cap - 1
        return best
    except Exception:  # deep nesting, odd values: not worth more than a dropped message
        return None


def _compact_json(data: object) -> str:
    return json.dumps(data, separators=(",", ":"))  # ASCII: one byte per character


def _capped(data: Any, cap: int) -> Any:
    """``data`` with every string longer than ``cap`` (and its marker) cut to ``cap``."""
    if isinstance(data, str):
        return cut_chars(data, cap) if len(data) > cap + 60 else data
    if isinstance(data, dict):
        return {key: _capped(value, cap) for key, value in data.items()}
    if isinstance(data, list):
        return [_capped(value, cap) for value in data]
    return data

"""Syslog sink: RFC 5424 messages over UDP, TCP (RFC 6587 octet counting) or a unix socket.

The caller only builds the message and appends it to a bounded buffer; one daemon thread
connects, sends and reconnects, so a slow or stopped syslog server never blocks or breaks
the application. While the server is unreachable, up to ``buffer`` messages are held and
sent once it is back; beyond that, messages are dropped, with one warning per outage.
"""

from __future__ import annotations

import atexit
import collections
import errno
import os
import select
import socket
import threading
import time
import weakref
from logging.handlers import SysLogHandler
from typing import Any
from urllib.parse import urlsplit

from ._report import warn

#: Syslog facility names (``user``, ``daemon``, ``local0``..``local7``, ...) -> code.
FACILITIES: dict[str, int] = dict(SysLogHandler.facility_names)
SCHEMES = ("udp", "tcp", "unix")
DEFAULT_PORT = 514
_PRINTUSASCII = frozenset(range(33, 127))
# Seconds between reconnection attempts: doubles from the first to the last.
_BACKOFF = (0.1, 5.0)
_CONNECT_TIMEOUT = 2.0
_INSTANCES: weakref.WeakSet[SyslogSink] = weakref.WeakSet()


def severity(level_no: int) -> int:
    """The RFC 5424 severity of a level: CRITICAL 2, ERROR 3, WARNING 4, SUCCESS 5 (notice),
    INFO 6, DEBUG and TRACE 7; custom levels take the severity of the level below them."""
    for floor, code in ((50, 2), (40, 3), (30, 4), (25, 5), (20, 6)):
        if level_no >= floor:
            return code
    return 7


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
    if parts.scheme not in SCHEMES:
        raise ValueError(
            f"{field}: unknown scheme in {address!r}; allowed: {', '.join(SCHEMES)} ({usage})"
        )
    if parts.scheme == "unix":
        if not parts.path or parts.netloc:
            raise ValueError(f"{field}: {address!r} names no socket path ({usage})")
        return "unix", parts.path
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        port = 0
    if not parts.hostname or not 0 < port < 65536 or parts.path not in ("", "/"):
        raise ValueError(f"{field}: {address!r} is not host:port with a port 1..65535 ({usage})")
    return parts.scheme, (parts.hostname, port)


def header_name(value: object, field: str, limit: int) -> str:
    """A header field of printable ASCII without spaces, 1..``limit`` characters.

    Raises:
        ValueError: naming ``field`` otherwise.
    """
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= limit
        or not set(value.encode("utf-8")) <= _PRINTUSASCII
    ):
        raise ValueError(
            f"{field}: must be 1..{limit} printable ASCII characters without spaces, got {value!r}"
        )
    return value


def _hostname() -> str:
    name = socket.gethostname()[:255]
    return name if name and set(name.encode("utf-8")) <= _PRINTUSASCII else "-"


class SyslogSink:
    """Sends each record as one RFC 5424 message to a syslog server.

    A message is ``<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - - MSG`` where MSG is the
    record as written by the layout (alonechat's JSON line: ASCII, so no BOM is needed).
    Over TCP each message is framed by its length (RFC 6587 octet counting), so a message
    may hold any character; over UDP and unix datagram sockets it is one datagram.

    Delivery is at most once: messages the kernel accepted just before a connection broke
    can be lost; a message too large for one datagram is dropped with a warning.
    """

    def __init__(self, address: str, *, facility: str, app_name: str, buffer: int) -> None:
        self.address = address
        self.scheme, self._target = parse_address(address, "syslog address")
        self._facility = FACILITIES[facility] * 8
        self._prefix = f" {_hostname()} {header_name(app_name, 'app_name', 48)} "
        self.buffer = buffer
        self._pending: collections.deque[bytes] = collections.deque()
        self._wake = threading.Event()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one sender at a time (the thread, or a caller at exit)
        self._retry_at = 0.0
        self._backoff = _BACKOFF[0]
        self._dropped = 0
        self._outage: str | None = None  # why the server is unreachable, while it is
        self._warned = False  # one warning per outage (or per overflow without one)
        self._closed = False
        _INSTANCES.add(self)
        atexit.register(self.stop)

    def write(self, message: Any) -> None:
        """Queue ``message`` (a loguru message, with its ``record``) for sending."""
        record = message.record
        pri = self._facility + severity(record["level"].no)
        header = f"<{pri}>1 {record['time'].isoformat()}{self._prefix}{record['process'].id} - - "
        frame = (header + message.rstrip("\n")).encode("utf-8", "backslashreplace")
        if len(self._pending) >= self.buffer:
            self._drop(f"more than {self.buffer} messages wait")
            return
        self._pending.append(frame)
        if self._closed:  # at exit: no thread any more, the caller sends
            self._drain()
        elif self._thread is None:
            self._start()
        elif not self._wake.is_set():
            self._wake.set()

    def wait(self, timeout: float = 2.0) -> bool:
        """Wait until every queued message is sent; give up after ``timeout`` seconds or at
        once while the server is unreachable. Returns whether all were sent."""
        deadline = time.monotonic() + timeout
        while self._pending or self._lock.locked():
            if self._outage is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def stop(self) -> None:
        """Send what is queued (within 2 s), then close the connection; idempotent. Later
        messages are sent by their callers."""
        atexit.unregister(self.stop)
        if self._closed:
            return
        self.wait()
        self._closed = True
        self._wake.set()
        with self._lock:
            self._disconnect()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="alonechat-syslog", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        delay: float | None = 0.0  # the first message is already queued
        while not self._closed:
            self._wake.wait(delay)
            self._wake.clear()
            delay = self._drain()

    def _drain(self) -> float | None:
        """Send pending messages; returns how long to wait before retrying (None: all sent)."""
        with self._lock:
            if self._socket is not None and self._peer_closed():
                self._disconnect()  # the server went away: do not send into the void
            while self._pending:
                now = time.monotonic()
                if self._socket is None:
                    if now < self._retry_at:
                        return self._retry_at - now
                    self._connect()
                    continue
                frame = self._pending[0]
                try:
                    if self._socket.type == socket.SOCK_STREAM:
                        self._socket.sendall(b"%d %s" % (len(frame), frame))
                    else:
                        self._socket.send(frame)
                except OSError as exc:
                    if exc.errno == errno.EMSGSIZE:
                        self._pending.popleft()
                        warn(f"syslog: a {len(frame)}-byte message is too large; dropped")
                        continue
                    self._disconnect()
                    self._unreachable(exc)
                    continue
                self._pending.popleft()
                if self._outage is not None:
                    self._recovered()
            return None

    def _connect(self) -> None:
        try:
            if isinstance(self._target, str):
                self._socket = self._connect_unix(self._target)
            else:
                host, port = self._target
                kind = socket.SOCK_STREAM if self.scheme == "tcp" else socket.SOCK_DGRAM
                family, _, _, _, address = socket.getaddrinfo(host, port, type=kind)[0]
                sock = socket.socket(family, kind)
                sock.settimeout(_CONNECT_TIMEOUT)
                try:
                    sock.connect(address)
                except OSError:
                    sock.close()
                    raise
                self._socket = sock
        except OSError as exc:
            self._unreachable(exc)

    @staticmethod
    def _connect_unix(path: str) -> socket.socket:
        """A datagram socket (like ``/dev/log``), else a stream socket."""
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            sock = socket.socket(socket.AF_UNIX, kind)
            sock.settimeout(_CONNECT_TIMEOUT)
            try:
                sock.connect(path)
            except OSError as exc:
                sock.close()
                if exc.errno != errno.EPROTOTYPE or kind == socket.SOCK_STREAM:
                    raise
                continue
            return sock
        raise AssertionError("unreachable")  # pragma: no cover

    def _peer_closed(self) -> bool:
        """Whether a stream's server closed it (syslog servers never send: any data or EOF
        waiting to be read means the connection is over)."""
        sock = self._socket
        assert sock is not None
        return sock.type == socket.SOCK_STREAM and bool(select.select([sock], [], [], 0)[0])

    def _disconnect(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _unreachable(self, exc: OSError) -> None:
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, _BACKOFF[1])
        if self._outage is None:
            self._outage = str(exc)
            self._warn(
                f"syslog server {self.address} unreachable ({exc}); holding up to "
                f"{self.buffer} messages until it is back, dropping beyond"
            )

    def _recovered(self) -> None:
        dropped, self._dropped = self._dropped, 0
        self._outage, self._backoff, self._warned = None, _BACKOFF[0], False
        warn(f"syslog server {self.address} reachable again; {dropped} messages were dropped")

    def _drop(self, reason: str) -> None:
        self._dropped += 1
        self._warn(f"syslog: dropping messages for {self.address}: {reason}")

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            warn(message)

    def _after_fork_in_child(self) -> None:
        self._pending = collections.deque()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self._disconnect()  # the parent's connection stays open in the parent


def _reinit_after_fork() -> None:
    for sink in list(_INSTANCES):
        sink._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_after_fork)

"""Syslog sink: RFC 5424 messages over UDP, a unix datagram socket, or TCP (RFC 6587 octet
counting), without ever blocking or breaking the application.

* Datagrams (``udp://``, ``unix://``) are sent by the caller, as stdlib's ``SysLogHandler``
  does, but never wait long: over UDP not at all, on a full unix socket 0.1 s at most.
  When the server is unreachable or not keeping up, messages are dropped, with one warning
  per minute at most.
* TCP (``tcp://``) is sent by one daemon thread, in batches of everything queued (one
  system call per batch), so connecting and reconnecting never stall a caller. While the
  server is unreachable, up to ``buffer`` messages are held and sent once it is back;
  beyond, messages are dropped, with one warning per outage.
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
_UNIX_WAIT = 0.1  # seconds a caller waits for room in a full unix socket
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
    record as the layout wrote it (alonechat's JSON line: ASCII, so no BOM is needed).

    TCP delivery: a batch interrupted by a broken connection is sent again on the next
    one, so a server that dies mid-batch may get a message twice; messages the kernel
    accepted just before the server went away can be lost. A message too large for one
    datagram is dropped with a warning.
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
        self._lock = threading.Lock()  # guards the socket: connecting, sending a batch
        self._retry_at = 0.0
        self._backoff = _BACKOFF[0]
        self._dropped = 0
        self._outage: str | None = None  # why the server is unreachable, while it is
        self._warned_at: float | None = None  # when the current trouble was reported
        self._closed = False
        _INSTANCES.add(self)
        atexit.register(self.stop)

    def write(self, message: Any) -> None:
        """Send ``message`` (a loguru message, with its ``record``), or queue it (TCP)."""
        record = message.record
        pri = self._facility + severity(record["level"].no)
        header = f"<{pri}>1 {record['time'].isoformat()}{self._prefix}{record['process'].id} - - "
        frame = (header + message.rstrip("\n")).encode("utf-8", "backslashreplace")
        if self.scheme != "tcp":
            self._send_datagram(frame)
            return
        if len(self._pending) >= self.buffer:
            self._drop(f"more than {self.buffer} messages wait")
            return
        self._pending.append(b"%d %s" % (len(frame), frame))
        if self._closed:  # at exit: no thread any more, the caller sends
            self._send_stream()
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
            time.sleep(0.001)
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

    def _send_datagram(self, frame: bytes) -> None:
        sock = self._socket
        if sock is None:
            if time.monotonic() < self._retry_at:
                self._dropped += 1
                return
            with self._lock:
                if self._socket is None:
                    self._connect()
                sock = self._socket
            if sock is None:
                self._dropped += 1
                return
        try:
            sock.send(frame)
        except (BlockingIOError, TimeoutError):
            self._drop("the server is not keeping up")
        except OSError as exc:
            if exc.errno == errno.EMSGSIZE:
                self._drop(f"a {len(frame)}-byte message is too large for a datagram")
                return
            with self._lock:
                if self._socket is sock:
                    self._disconnect()
                self._unreachable(exc)
            self._dropped += 1
        else:
            self._outage = None

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
            delay = self._send_stream()

    def _send_stream(self) -> float | None:
        """Send the queued frames; returns how long to wait before retrying (None: sent)."""
        with self._lock:
            if self._socket is not None and self._peer_closed():
                self._disconnect()  # the server went away: do not send into the void
            while self._pending:
                if self._socket is None:
                    now = time.monotonic()
                    if now < self._retry_at:
                        return self._retry_at - now
                    self._connect()
                    continue
                batch = [self._pending.popleft() for _ in range(len(self._pending))]
                try:
                    self._socket.sendall(b"".join(batch))
                except OSError as exc:
                    self._pending.extendleft(reversed(batch))  # sent again when connected
                    self._disconnect()
                    self._unreachable(exc)
                    continue
                if self._outage is not None:
                    self._recovered()
            return None

    def _connect(self) -> None:
        try:
            if isinstance(self._target, str):
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                address: Any = self._target
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
            if sock.type == socket.SOCK_DGRAM:  # a receiver that is not keeping up:
                # over UDP the message is dropped at once, a unix socket waits a moment
                sock.settimeout(_UNIX_WAIT if sock.family == socket.AF_UNIX else 0.0)
            self._socket = sock
        except OSError as exc:
            self._unreachable(exc)

    def _peer_closed(self) -> bool:
        """Whether the server closed the connection (syslog servers never send: anything
        to read, EOF included, means the connection is over)."""
        assert self._socket is not None
        return bool(select.select([self._socket], [], [], 0)[0])

    def _disconnect(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _unreachable(self, exc: OSError) -> None:
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, _BACKOFF[1])
        if self._outage is None:
            self._outage = str(exc)
            held = (
                f"holding up to {self.buffer} messages until it is back, dropping beyond"
                if self.scheme == "tcp"
                else "dropping messages until it is back"
            )
            self._warn(f"syslog server {self.address} unreachable ({exc}); {held}")

    def _recovered(self) -> None:
        dropped, self._dropped = self._dropped, 0
        self._outage, self._backoff, self._warned_at = None, _BACKOFF[0], None
        warn(f"syslog server {self.address} reachable again; {dropped} messages were dropped")

    def _drop(self, reason: str) -> None:
        self._dropped += 1
        self._warn(f"syslog: dropping messages for {self.address}: {reason}")

    def _warn(self, message: str) -> None:
        """Report trouble once: again only after a recovery (TCP) or a minute (datagrams,
        whose recovery cannot be seen)."""
        now = time.monotonic()
        if self._warned_at is None or (self.scheme != "tcp" and now - self._warned_at > 60):
            self._warned_at = now
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

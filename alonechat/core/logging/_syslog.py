"""Syslog sink: records as syslog messages over UDP, a unix socket or TCP, without ever
blocking or breaking the application.

* UDP (``udp://``, RFC 5424) and unix sockets (``unix:///dev/log``, the local format of
  glibc's ``syslog()``) carry one message per datagram, sent by the caller as stdlib's
  ``SysLogHandler`` does, but never waiting long: over UDP not at all; on a full unix
  socket 0.1 s, and after such a wait not at all for the next second. Connecting (and a
  DNS lookup) happens when configuring, and reconnecting on a daemon thread. While the
  server is unreachable or not keeping up, messages are dropped, with one warning a minute
  at most.
* TCP (``tcp://``, RFC 5424 with RFC 6587 octet counting) is sent by a daemon thread, in
  batches (one system call each), so connecting and reconnecting never stall a caller.
  While the server is unreachable, up to ``buffer`` messages are held and sent, in order,
  once it is back; beyond, messages are dropped; one warning when the outage starts, one
  when it ends (with the count dropped).
"""

from __future__ import annotations

import collections
import contextlib
import errno
import multiprocessing.util
import os
import select
import socket
import threading
import time
import weakref
from typing import Any

from ._config import app_name, parse_address
from ._report import Losses, plural, warn
from ._syslog_format import fit_bytes, hostname, local_header, priority, rfc5424_header

_BACKOFF = (0.1, 5.0)  # seconds between reconnection attempts: doubling from, up to
_CONNECT_TIMEOUT = 2.0
_SEND_TIMEOUT = 10.0  # a TCP server that reads nothing for this long is dropped
_UNIX_WAIT = 0.1  # seconds a caller waits for room in a full unix socket
_UNIX_REST = 1.0  # after such a wait in vain, seconds during which callers do not wait
_STOP_TIMEOUT = 2.0
_BATCH_BYTES = 256 * 1024
_WARN_EVERY = 60.0
_INSTANCES: weakref.WeakSet[SyslogSink] = weakref.WeakSet()


class SyslogSink:
    """Sends each record as one syslog message (see the module for how, and what happens
    when the server is slow or gone).

    Over UDP and TCP a message is RFC 5424, ``<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - -
    MSG``; on a unix socket it is what local daemons (rsyslog's and journald's ``/dev/log``)
    parse, ``<PRI>Mmm dd hh:mm:ss APP-NAME[PROCID]: MSG``. MSG is the record as the layout
    wrote it (alonechat's JSON: ASCII, so no BOM is needed). A message longer than
    ``max_bytes`` has its long JSON strings cut to one length (``fit_bytes``), so that it
    stays valid JSON.

    TCP delivery: a batch interrupted by a broken connection is sent again on the next
    one, so a server that dies mid-batch may get a message twice, and messages the kernel
    accepted just before the server went away can be lost; messages still held when the
    sink stops (the server unreachable) are reported on stderr.
    """

    def __init__(
        self, address: str, *, facility: str, app: str, buffer: int, max_bytes: int
    ) -> None:
        self.address = address
        self.scheme, self._target = parse_address(address, "syslog address")
        self._stream = self.scheme == "tcp"
        self._facility = facility
        self._app = app_name(app, "app")
        self._host = hostname()
        self.buffer, self.max_bytes = buffer, max_bytes
        self._pending: collections.deque[bytes] = collections.deque()
        self._wake = threading.Event()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # guards the socket: connecting, sending a batch
        self._reset()
        self._closed = False
        self._finalizer: multiprocessing.util.Finalize | None = None
        _INSTANCES.add(self)
        if not self._stream:  # now, while configuring: the first records are not dropped
            self._connect()

    def _reset(self) -> None:
        self._retry_at = 0.0
        self._backoff = _BACKOFF[0]
        #: Messages that could not be sent (in this process).
        self.losses = Losses("message")
        self._outage: str | None = None  # why the server is unreachable, while it is
        self._warned: dict[str, float] = {}  # kind of trouble -> when it was reported
        self._rest_until = 0.0  # unix: callers do not wait for room until then

    def write(self, message: Any) -> None:
        """Send ``message`` (a loguru message, with its ``record``), or queue it (TCP);
        never raises: a message that cannot be sent is dropped, with a warning."""
        try:
            self._write(message)
        except Exception as exc:
            self._drop("error", f"{exc!r}")

    def _write(self, message: Any) -> None:
        frame = self._frame(message.record, message.rstrip("\n"))
        if frame is None:
            return
        if not self._stream:
            self._send_datagram(frame)
            return
        if self._closed:
            self._drop("stopped", "the sink is stopped (reconfigured, or at exit)")
            return
        if len(self._pending) >= self.buffer:
            self._drop("overflow", f"more than {self.buffer} messages wait to be sent")
            return
        self._pending.append(b"%d %s" % (len(frame), frame))
        self._kick()

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
        """Send what is queued and close, within about 3 s; idempotent. Messages still
        queued then are reported on stderr; later messages are dropped (with one warning)."""
        if self._closed:
            return
        if self._finalizer is not None:  # it holds this sink: let it go
            self._finalizer.cancel()
        deadline = time.monotonic() + _STOP_TIMEOUT
        self.wait(_STOP_TIMEOUT)
        self._closed = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
            sock = self._socket
            if thread.is_alive() and sock is not None:  # stuck in sendall: break it
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                thread.join(0.5)
        locked = self._lock.acquire(timeout=0.5)
        try:
            if self._pending:
                unsent = plural(len(self._pending), "message")
                warn(
                    f"syslog: {unsent} for {self.address} never sent "
                    f"({self._outage or 'out of time'})"
                )
                self.losses.lost(len(self._pending), None)
                self._pending.clear()
            if locked:
                self._disconnect()
        finally:
            if locked:
                self._lock.release()

    def _frame(self, record: Any, body: str) -> bytes | None:
        pri, pid = priority(self._facility, record["level"].no), record["process"].id
        if self.scheme == "unix":
            header = local_header(pri, record["time"], self._app, pid)
        else:
            header = rfc5424_header(pri, record["time"], self._host, self._app, pid)
        frame = (header + body).encode("utf-8", "backslashreplace")
        if len(frame) > self.max_bytes:
            fitted = fit_bytes(body, self.max_bytes - len(header.encode()))
            if fitted is None:
                self._drop("size", f"a {len(frame)}-byte message does not fit max_bytes")
                return None
            frame = (header + fitted).encode("utf-8", "backslashreplace")
        return frame

    def _send_datagram(self, frame: bytes) -> None:
        sock = self._socket
        if sock is None:
            if self._closed:
                self._drop("stopped", "the sink is stopped (reconfigured, or at exit)")
                return
            self._lost()
            self._kick()  # the thread reconnects
            return
        try:
            try:
                sock.send(frame)
            except BlockingIOError:
                if not (sock.family == socket.AF_UNIX and self._room(sock)):
                    raise
                sock.send(frame)  # a unix socket made room in time
        except BlockingIOError:
            self._drop("slow", "the server is not keeping up")
        except OSError as exc:
            if exc.errno == errno.EMSGSIZE:
                self._drop("size", f"a {len(frame)}-byte message is too large for a datagram")
                return
            self._lost()
            if self.scheme == "udp" and exc.errno == errno.ECONNREFUSED:  # an ICMP reply:
                self._warn(
                    "outage",
                    f"syslog server {self.address} unreachable ({exc}); "
                    "dropping messages until it is back",
                )  # the socket stays good
                return
            with self._lock:
                if self._socket is sock:
                    self._disconnect()
                    self._unreachable(exc)
            self._kick()

    def _room(self, sock: socket.socket) -> bool:
        """Wait (0.1 s at most) until a full unix socket takes a message; after a wait in
        vain, callers do not wait for a second, so a stuck reader costs little."""
        if time.monotonic() < self._rest_until or not hasattr(select, "poll"):
            return False
        poller = select.poll()
        poller.register(sock, select.POLLOUT)
        if poller.poll(_UNIX_WAIT * 1000):
            return True
        self._rest_until = time.monotonic() + _UNIX_REST
        return False

    def _kick(self) -> None:
        """Get the thread to connect and send (none once the sink is stopped)."""
        if self._closed:
            return
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="alonechat-syslog", daemon=True
                    )
                    self._thread.start()
                    # a multiprocessing child ends with os._exit (no atexit): send the rest
                    # there too, after the enqueue writer's queue (its exitpriority is 10)
                    self._finalizer = multiprocessing.util.Finalize(self, self.stop, exitpriority=5)
        elif not self._wake.is_set():
            self._wake.set()

    def _run(self) -> None:
        delay: float | None = 0.0  # there is work already
        while not self._closed:
            self._wake.wait(delay)
            self._wake.clear()
            if self._closed:
                return
            try:
                with self._lock:
                    delay = self._work()
            except Exception as exc:  # the sender must outlive any one failure
                if not self._closed:
                    warn(f"syslog: sending to {self.address} failed: {exc!r}")
                delay = _BACKOFF[1]

    def _work(self) -> float | None:
        """(Re)connect and send the queued frames (the lock is held); returns how long to
        wait before trying again, None when all is done."""
        if self._socket is not None and self._stream and self._peer_closed():
            self._disconnect()  # the server went away: do not send into the void
        while self._socket is None:
            now = time.monotonic()
            if now < self._retry_at:
                return self._retry_at - now
            self._connect()
        while self._pending and self._socket is not None:
            batch, size = [], 0
            while self._pending and size < _BATCH_BYTES:
                batch.append(self._pending.popleft())
                size += len(batch[-1])
            try:
                self._socket.sendall(b"".join(batch))
            except OSError as exc:
                self._pending.extendleft(reversed(batch))  # sent again when connected
                self._disconnect()
                self._unreachable(exc)
                return self._retry_at - time.monotonic()
            if self._outage is not None:
                self._recovered()
        return None

    def _connect(self) -> None:
        try:
            if isinstance(self._target, str):
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                sock.settimeout(_CONNECT_TIMEOUT)
                try:
                    sock.connect(self._target)
                except OSError:
                    sock.close()
                    raise
            elif self._stream:
                sock = socket.create_connection(self._target, _CONNECT_TIMEOUT)  # every address
            else:
                sock = self._udp(*self._target)
        except (OSError, UnicodeError) as exc:
            self._unreachable(exc)
            return
        if self._closed:  # stopped while connecting
            sock.close()
            return
        if self._stream:
            sock.settimeout(_SEND_TIMEOUT)
        else:  # a receiver that is not keeping up drops the message (unix: after a wait)
            sock.setblocking(False)
            self._outage, self._backoff = None, _BACKOFF[0]
        self._socket = sock

    @staticmethod
    def _udp(host: str, port: int) -> socket.socket:
        """A UDP socket connected to the first address of ``host`` that takes it."""
        error: OSError = OSError(f"no address for {host}")
        for family, kind, proto, _, address in socket.getaddrinfo(
            host, port, type=socket.SOCK_DGRAM
        ):
            sock = socket.socket(family, kind, proto)
            try:
                sock.connect(address)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            return sock
        raise error

    def _peer_closed(self) -> bool:
        """Whether the server closed the connection (syslog servers never send: anything
        to read, EOF included, means the connection is over)."""
        sock = self._socket
        assert sock is not None
        sock.setblocking(False)
        try:
            sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return False
        except OSError:
            return True
        finally:
            sock.settimeout(_SEND_TIMEOUT)
        return True

    def _disconnect(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _unreachable(self, exc: Exception) -> None:
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, _BACKOFF[1])
        if self._outage is None:
            self._outage = str(exc)
            if self._closed:
                return
            held = (
                f"holding up to {self.buffer} messages until it is back, dropping beyond"
                if self._stream
                else "dropping messages until it is back"
            )
            self._warn("outage", f"syslog server {self.address} unreachable ({exc}); {held}")

    def _lost(self) -> None:
        """Count a message that could not be sent (the warnings are ``_warn``'s)."""
        self.losses.lost(1, None)

    def _recovered(self) -> None:
        self._outage, self._backoff = None, _BACKOFF[0]
        self._warned.pop("outage", None)
        if self.losses.ongoing:
            self.losses.ended(f"syslog server {self.address} reachable again")
        else:
            warn(f"syslog server {self.address} reachable again; no message dropped")

    def _drop(self, kind: str, reason: str) -> None:
        self._lost()
        if not (kind == "overflow" and self._outage is not None):  # the outage was reported
            self._warn(kind, f"syslog: dropping messages for {self.address}: {reason}")

    def _warn(self, kind: str, message: str) -> None:
        """Report a kind of trouble once a minute at most; a TCP outage once, until it ends
        (a datagram cannot tell when the server is back)."""
        now, last = time.monotonic(), self._warned.get(kind)
        if last is None or (now - last > _WARN_EVERY and (kind != "outage" or not self._stream)):
            self._warned[kind] = now
            warn(message)

    def _after_fork_in_child(self) -> None:
        self._pending = collections.deque()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self._reset()
        if self._stream:  # a datagram socket can be shared; a stream would interleave
            self._disconnect()


def _reinit_after_fork() -> None:
    for sink in list(_INSTANCES):
        sink._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_after_fork)

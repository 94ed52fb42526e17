"""Syslog over datagrams: UDP (``udp://``, RFC 5424) and unix sockets (``unix:///dev/log``,
the local format of glibc's ``syslog()``) carry one message per datagram, sent by the caller
as stdlib's ``SysLogHandler`` does, but never waiting long: over UDP not at all; on a full
unix socket 0.1 s, and after such a wait not at all for the next second. Connecting (and a
DNS lookup) happens when configuring, and reconnecting on a daemon thread. While the server
is unreachable or not keeping up, messages are dropped, with one warning a minute at most.
"""

from __future__ import annotations

import errno
import select
import socket
import time

from ._syslog_transport import CONNECT_TIMEOUT, STOPPED, Transport

_UNIX_WAIT = 0.1  # seconds a caller waits for room in a full unix socket
_UNIX_REST = 1.0  # after such a wait in vain, seconds during which callers do not wait


class DatagramTransport(Transport):
    """Sends each frame from the caller's thread on a non-blocking socket, connected to
    ``target`` (a unix socket's path, or ``(host, port)`` for UDP) at once; a datagram the
    server cannot take now is dropped."""

    _outage_policy = "dropping messages until it is back"

    def __init__(self, address: str, target: str | tuple[str, int]) -> None:
        super().__init__(address)
        self._target = target
        self._connect()  # now, while configuring: the first records are not dropped

    def _reset(self) -> None:
        super()._reset()
        self._rest_until = 0.0  # unix: callers do not wait for room until then

    def send(self, frame: bytes) -> None:
        """Send ``frame`` as one datagram, or drop it: while not connected (the thread
        reconnects), when the server is not keeping up, or when it is too large."""
        sock = self._socket
        if sock is None:
            if self._closed:
                self.drop("stopped", STOPPED)
                return
            self._lost()
            self._kick()  # the thread reconnects
            return
        unix = isinstance(self._target, str)
        try:
            try:
                sock.send(frame)
            except BlockingIOError:
                if not (unix and self._room(sock)):
                    raise
                sock.send(frame)  # a unix socket made room in time
        except BlockingIOError:
            self.drop("slow", "the server is not keeping up")
        except OSError as exc:
            if exc.errno == errno.EMSGSIZE:
                self.drop("size", f"a {len(frame)}-byte message is too large for a datagram")
                return
            self._lost()
            if not unix and exc.errno == errno.ECONNREFUSED:  # an ICMP reply:
                self._warn_outage(exc)  # the socket stays good
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

    def _open(self) -> socket.socket:
        """A non-blocking socket: a receiver that is not keeping up drops the message (a
        unix socket after a wait, see ``_room``)."""
        if isinstance(self._target, str):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.settimeout(CONNECT_TIMEOUT)
            try:
                sock.connect(self._target)
            except OSError:
                sock.close()
                raise
        else:
            sock = _udp(*self._target)
        sock.setblocking(False)
        return sock

    def _connected(self) -> None:
        """A datagram cannot tell when the server is back: a new connection ends the outage
        (silently; another failure is reported again, a minute after the last report)."""
        self._reachable()


def _udp(host: str, port: int) -> socket.socket:
    """A UDP socket connected to the first address of ``host`` that takes it.

    Raises:
        OSError: the last address's error, or none found.
    """
    error: OSError = OSError(f"no address for {host}")
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM):
        sock = socket.socket(family, kind, proto)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error

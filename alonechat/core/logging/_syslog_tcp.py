"""Syslog over TCP (``tcp://``, RFC 5424 with RFC 6587 octet counting): messages are sent by
a daemon thread, in batches (one system call each), so connecting and reconnecting never
stall a caller. While the server is unreachable, up to ``buffer`` messages are held and
sent, in order, once it is back; beyond, messages are dropped; one warning when the outage
starts, one when it ends (with the count dropped).
"""

from __future__ import annotations

import collections
import socket
import time

from ._report import plural, warn
from ._syslog_transport import CONNECT_TIMEOUT, STOPPED, Transport

_SEND_TIMEOUT = 10.0  # seconds: a server that reads nothing for this long is dropped
_BATCH_BYTES = 256 * 1024  # a batch takes frames until it holds this many bytes


class TcpTransport(Transport):
    """Queues frames (``buffer`` at most) for the thread, which sends them to ``host_port``.

    Delivery: a batch interrupted by a broken connection is sent again on the next one, so a
    server that dies mid-batch may get a message twice, and messages the kernel accepted
    just before the server went away can be lost; messages still held when the transport
    stops (the server unreachable) are reported on stderr.
    """

    def __init__(self, address: str, host_port: tuple[str, int], buffer: int) -> None:
        super().__init__(address)
        self._host_port = host_port
        self.buffer = buffer
        self._outage_policy = f"holding up to {buffer} messages until it is back, dropping beyond"
        self._pending: collections.deque[bytes] = collections.deque()  # octet-counted frames

    def send(self, frame: bytes) -> None:
        """Queue ``frame``, length-prefixed (RFC 6587 octet counting), for the thread; drop it
        once stopped or while ``buffer`` frames wait already."""
        if self._closed:
            self.drop("stopped", STOPPED)
            return
        if len(self._pending) >= self.buffer:
            if self._outage is None:
                self.drop("overflow", f"more than {self.buffer} messages wait to be sent")
            else:  # the outage warning said messages beyond the buffer are dropped
                self._lost()
            return
        self._pending.append(b"%d %s" % (len(frame), frame))
        self._kick()

    def _busy(self) -> bool:
        return bool(self._pending) or super()._busy()

    def _give_up(self) -> None:
        """Report the frames never sent, and count them lost."""
        if self._pending:
            unsent = plural(len(self._pending), "message")
            warn(
                f"syslog: {unsent} for {self.address} never sent ({self._outage or 'out of time'})"
            )
            self.losses.lost(len(self._pending), None)
            self._pending.clear()

    def _work(self) -> float | None:
        """(Re)connect and send the pending frames (the lock is held); returns the seconds
        to wait before trying again, None when all is sent."""
        if self._socket is not None and self._peer_closed():
            self._disconnect()  # the server went away: do not send into the void
        delay = self._reconnect()
        return self._send_pending() if delay is None else delay

    def _send_pending(self) -> float | None:
        """Send the pending frames in batches (connected, the lock held). A batch the
        connection broke in is put back, to go first on the next connection: returns the
        seconds until that attempt; None when all is sent."""
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

    def _open(self) -> socket.socket:
        sock = socket.create_connection(self._host_port, CONNECT_TIMEOUT)  # every address
        sock.settimeout(_SEND_TIMEOUT)
        return sock

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

    def _recovered(self) -> None:
        """A batch went through after an outage: its end is reported, with the count
        dropped (the next outage is reported again)."""
        self._reachable()
        self._warned.pop("outage", None)
        if self.losses.ongoing:
            self.losses.ended(f"syslog server {self.address} reachable again")
        else:
            warn(f"syslog server {self.address} reachable again; no message dropped")

    def _after_fork_in_child(self) -> None:
        super()._after_fork_in_child()
        self._pending = collections.deque()  # the parent's to send
        self._disconnect()  # a datagram socket can be shared; a stream would interleave

"""What one client address may use of the chat server: a token bucket of messages and joins
that outlives its connections, and a cap on its connections at once."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict

from alonechat.core.logging import RepeatFilter

#: Addresses whose buckets are kept; past it, the one unused the longest (and not connected)
#: is forgotten, so that clients with many addresses cannot grow the table without bound.
MAX_ADDRESSES = 10_000


class TokenBucket:
    """``rate`` frames a second on average, ``burst`` at once (a token bucket)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.when = float(burst), time.monotonic()
        #: Frames refused since the last one taken: the client keeps on.
        self.refused = 0

    def take(self) -> bool:
        """Take a token if there is one (True); else count the refusal (False)."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.when) * self.rate)
        self.when = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refused = 0
            return True
        self.refused += 1
        return False


class AddressLimits:
    """Per client address (the peer's IP address as the server sees it): one
    :class:`TokenBucket` shared by all its connections, and kept when they close (a client
    that reconnects finds its bucket as it left it), and a count of its connections.

    Args:
        rate: Messages and joins an address may make a second, on average.
        burst: Messages and joins an address may make at once.
        max_connections: Connections an address may have at once.
    """

    def __init__(self, rate: float, burst: int, max_connections: int) -> None:
        self.rate, self.burst, self.max_connections = rate, burst, max_connections
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._connections: dict[str, int] = {}

    def bucket(self, address: str) -> TokenBucket:
        """The bucket of ``address`` (a full one for an address not seen lately)."""
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = TokenBucket(self.rate, self.burst)
            if len(self._buckets) > MAX_ADDRESSES:
                self._forget_one()
        self._buckets.move_to_end(address)
        return bucket

    def admit(self, address: str) -> str | None:
        """Count a new connection from ``address`` and take a token for it; returns why it
        is refused instead (``"rate limit: ..."`` or ``"too many connections ..."``), or
        None. An admitted connection is :meth:`release` d when it closes."""
        if self._connections.get(address, 0) >= self.max_connections:
            return f"too many connections from your address (at most {self.max_connections})"
        if not self.bucket(address).take():
            return f"rate limit: at most {self.rate:g} messages and joins a second per address"
        self._connections[address] = self._connections.get(address, 0) + 1
        return None

    def release(self, address: str) -> None:
        """A connection :meth:`admit` ted from ``address`` closed."""
        left = self._connections.get(address, 0) - 1
        if left > 0:
            self._connections[address] = left
        else:
            self._connections.pop(address, None)

    def _forget_one(self) -> None:
        for address in self._buckets:  # least recently used first
            if address not in self._connections:
                del self._buckets[address]
                return


def record_address(record: logging.LogRecord) -> str | None:
    """The client address a log record is about, as a ``RepeatFilter`` ``key``: the
    record's ``address`` field, or the host of the ``host:port`` that starts uvicorn's line
    about a WebSocket handshake (``'%s - "WebSocket %s" 403'``); None for other records."""
    address = getattr(record, "address", None)
    if isinstance(address, str):
        return address
    args = record.args
    if str(record.msg).startswith('%s - "WebSocket') and isinstance(args, tuple) and args:
        return str(args[0]).rpartition(":")[0]
    return None


class RefusedHandshakes(logging.Filter):
    """For ``uvicorn.error``: its INFO lines about a refused WebSocket handshake
    (``'<host>:<port> - "WebSocket /ws" 403'`` and ``connection rejected (403 Forbidden)``,
    or 429) are collapsed as :class:`~alonechat.core.logging.RepeatFilter` does, per client
    address: a client refused over and over costs a few lines, with counts. Other records
    pass untouched (an accepted handshake costs its address a token: those are bounded by
    the rate already). :meth:`flush` logs the counts still held."""

    def __init__(self, window: float = 60.0) -> None:
        super().__init__()
        self._repeats = RepeatFilter(window, logging.INFO, key=record_address)

    def filter(self, record: logging.LogRecord) -> bool:
        template = str(record.msg)
        refused = template == "connection rejected (%d %s)" or (
            template.startswith('%s - "WebSocket') and not template.endswith("[accepted]")
        )
        return self._repeats.filter(record) if refused else True

    def flush(self) -> None:
        """Log the counts still held back (at shutdown)."""
        self._repeats.flush()

"""UnifiedWebSocketManager: chat connections, hooks, broadcasting, and their logging."""

from __future__ import annotations

import asyncio
import contextlib
import json
import unicodedata
from typing import Any, Protocol

from alonechat.core.logging import get_logger
from alonechat.core.logging.utils import MetricsCollector, RequestLogger

from ._hooks import Hook, HookContext, HookPhase, HookRegistry
from ._limits import AddressLimits, TokenBucket

#: Close codes sent to clients (RFC 6455; 1013 "Try Again Later" from IANA's registry).
NORMAL, POLICY_VIOLATION, MESSAGE_TOO_BIG, INTERNAL_ERROR, TRY_AGAIN_LATER = (
    1000,
    1008,
    1009,
    1011,
    1013,
)
#: Why a join is refused when ``max_connections`` users are connected (closed with 1013).
SERVER_FULL = "server full"
_ZERO_WIDTH_JOINER = "\u200d"  # joins emoji (👨‍👩‍👧): allowed in names
_GONE = ("WebSocketDisconnect", "ClientDisconnected", "ConnectionClosed", "ConnectionClosedOK")


class Connection(Protocol):
    """What the manager needs of a WebSocket (Starlette's ``WebSocket`` is one)."""

    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


class MessageTooBigError(Exception):
    """A frame larger than ``max_message_bytes``: the connection is closed with 1009."""


class RateLimitError(Exception):
    """A client that kept sending over its rate limit: the connection is closed with 1008
    and this message (which starts with ``rate limit``) as the reason."""


def close_reason(reason: str) -> str:
    """``reason`` cut to the 123 UTF-8 bytes a close frame can carry, whole characters only."""
    return reason.encode("utf-8")[:123].decode("utf-8", "ignore")


def name_key(user_id: str) -> str:
    """The form in which two names are the same user: NFKC, case-folded, stripped."""
    return unicodedata.normalize("NFKC", user_id).casefold().strip()


class _Client:
    """One connected user: its connection, the frames waiting for it, and their writer.

    A client that does not keep up (more than ``limit`` bytes waiting, or one send taking
    longer than ``timeout`` seconds) is dropped instead of slowing everybody down.
    """

    def __init__(
        self,
        user: str,
        connection: Connection,
        metadata: dict[str, Any],
        limit: int,
        bucket: TokenBucket,
    ) -> None:
        self.user, self.connection, self.metadata = user, connection, metadata
        self.limit, self.waiting, self.closed = limit, 0, False
        self.bucket = bucket
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.writer: asyncio.Task[None] | None = None

    def offer(self, frame: str) -> bool:
        """Queue ``frame``; False when the client is closed or too far behind."""
        if self.closed or self.waiting + len(frame) > self.limit:
            return False
        self.waiting += len(frame)
        self.queue.put_nowait(frame)
        return True


class UnifiedWebSocketManager:
    """Keeps the connected users, runs the hooks, broadcasts chat messages, and logs it all.

    Every connect, disconnect, message and error is logged through the unified logging
    system: messages at INFO with their size only (the text is logged at DEBUG), WebSocket
    events through :class:`~alonechat.core.logging.utils.RequestLogger`, counts and sizes in
    :attr:`metrics`. Frames to clients are JSON objects with a ``type``: ``join``, ``leave``
    and ``message`` (with ``user`` and ``text``), or ``error`` (with ``error``).

    Broadcasting never waits for a client: each has its own queue and writer task, and one
    that falls behind (``max_queued_bytes`` waiting, or a send slower than ``send_timeout``)
    is closed with 1008 and a ``too slow: ...`` reason, with one WARNING.

    Each client address may send ``max_messages_per_second`` frames a second on average and
    ``message_burst`` at once (a token bucket shared by the address's connections and kept
    when they close, so reconnecting under another name buys nothing; each join, see
    :meth:`admit`, takes a token too): a frame over that gets an ``error`` frame back and is
    dropped, and a client that sends ``message_burst`` more while over the limit is closed
    with 1008 and a ``rate limit: ...`` reason (:class:`RateLimitError`). An address has at
    most ``max_connections_per_address`` connections at once. At most ``max_connections``
    users are connected; a join beyond is refused with :data:`SERVER_FULL` (the page closes
    it with 1013, "try again later").

    Counters in :attr:`metrics`: ``websocket.connections``, ``websocket.rejected``,
    ``websocket.address_limited``, ``websocket.errors``, ``websocket.too_slow``,
    ``websocket.rate_limited``,
    ``messages.total``, ``messages.bytes`` (of message text, UTF-8), ``messages.refused``,
    ``messages.too_big``, ``messages.over_rate``.

    Args:
        max_message_bytes: Largest accepted frame, in UTF-8 bytes.
        max_name_length: Longest accepted user name, in characters.
        max_queued_bytes: Bytes of frames (JSON text, ASCII) that may wait for one client
            before it is dropped.
        send_timeout: Seconds one send to a client may take before it is dropped.
        hook_timeout: Seconds an ``async`` hook may take before it counts as failed.
        max_messages_per_second: Frames (and joins) a client address may send a second,
            on average.
        message_burst: Frames (and joins) a client address may send at once (and how many
            more, while over the limit, before the connection is closed).
        max_connections: Users connected at once.
        max_connections_per_address: Connections one client address may have at once.
        metrics: Where counters and timings go (a new collector by default).
    """

    def __init__(
        self,
        *,
        max_message_bytes: int = 64 * 1024,
        max_name_length: int = 32,
        max_queued_bytes: int = 1024 * 1024,
        send_timeout: float = 10.0,
        hook_timeout: float = 10.0,
        max_messages_per_second: float = 10.0,
        message_burst: int = 20,
        max_connections: int = 500,
        max_connections_per_address: int = 20,
        metrics: MetricsCollector | None = None,
    ) -> None:
        if (
            not max_messages_per_second > 0
            or message_burst < 1
            or max_connections < 1
            or max_connections_per_address < 1
        ):
            raise ValueError(
                "max_messages_per_second must be > 0, message_burst, max_connections and "
                f"max_connections_per_address >= 1; got {max_messages_per_second!r}, "
                f"{message_burst!r}, {max_connections!r}, {max_connections_per_address!r}"
            )
        self.max_messages_per_second = max_messages_per_second
        self.message_burst = message_burst
        self.max_connections = max_connections
        self.limits = AddressLimits(
            max_messages_per_second, message_burst, max_connections_per_address
        )
        self.max_message_bytes = max_message_bytes
        self.max_name_length = max_name_length
        self.max_queued_bytes = max_queued_bytes
        self.send_timeout = send_timeout
        self.metrics = metrics if metrics is not None else MetricsCollector()
        self._logger = get_logger("alonechat.server")
        self._events = RequestLogger("alonechat.server.websocket")
        self._hooks = HookRegistry(get_logger("alonechat.server.hooks"), hook_timeout)
        self._clients: dict[str, _Client] = {}
        self._joining: set[str] = set()  # name keys reserved while PRE_CONNECT hooks run

    @property
    def users(self) -> list[str]:
        """The connected users, in the order they joined."""
        return [client.user for client in self._clients.values()]

    def register_hook(self, phase: HookPhase, hook: Hook) -> None:
        """Run ``hook(context)`` in ``phase``, after the hooks registered before it; see
        :class:`HookContext` for rejecting.

        Raises:
            ValueError: for a ``phase`` that is not a :class:`HookPhase` or a ``hook`` that
                is not callable.
        """
        self._hooks.register(phase, hook)

    def check_name(self, user_id: str) -> str | None:
        """Why ``user_id`` cannot join (empty, longer than ``max_name_length`` characters,
        control characters, taken), as a sentence, or None.

        Names are compared as :func:`name_key`: ``Alice``, ``alice `` and ``alice`` in fullwidth
        letters are the same user.
        """
        if not user_id.strip():
            return "user name is empty"
        if len(user_id) > self.max_name_length:
            return f"user name is longer than {self.max_name_length} characters"
        if any(
            unicodedata.category(char).startswith("C") and char != _ZERO_WIDTH_JOINER
            for char in user_id
        ):
            return "user name contains control characters"
        key = name_key(user_id)
        if key in self._clients or key in self._joining:
            return "user name is already connected"
        return None

    def admit(self, address: str) -> str | None:
        """Before a connection from ``address`` (an IP address) is accepted: count it and
        take a token from the address's bucket; returns why it is refused instead (over
        the rate, or ``max_connections_per_address`` open), with a WARNING (whose repeats
        the server collapses per address), or None. Call :meth:`release` once an admitted
        connection closes."""
        problem = self.limits.admit(address)
        if problem is not None:
            self.metrics.increment("websocket.address_limited")
            self._logger.warning(
                "websocket refused from %s: %s", address, problem,
                extra={"address": address, "reason": problem},
            )  # fmt: skip
        return problem

    def release(self, address: str) -> None:
        """An admitted connection from ``address`` closed (see :meth:`admit`)."""
        self.limits.release(address)

    async def connect(
        self,
        user_id: str,
        connection: Connection,
        metadata: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> str | None:
        """Admit ``user_id``; returns why it was refused (bad name, a hook), or None.

        ``connection`` is where the user's frames are sent (a Starlette ``WebSocket``, or
        anything with its ``send_text`` and ``close``). ``metadata`` (``client``,
        ``request_id``, ...) is copied, then shared by every hook of this connection, in
        every phase. The name stays reserved while the PRE_CONNECT hooks run. ``address``
        (the client's IP address) makes the user's frames count against that address's
        rate; without it, against this connection's own.
        """
        problem = self.check_name(user_id)
        if problem is None and len(self._clients) + len(self._joining) >= self.max_connections:
            problem = SERVER_FULL
        shared = dict(metadata or {})
        if problem is None:
            key = name_key(user_id)
            self._joining.add(key)
            try:
                context = await self._hook(HookPhase.PRE_CONNECT, user_id, None, shared)
            finally:
                self._joining.discard(key)
            problem = context.rejected
        if problem is not None:
            self.metrics.increment("websocket.rejected")
            self._events.log_websocket_event("rejected", user=user_id, reason=problem)
            return problem
        if address is not None:
            bucket = self.limits.bucket(address)
        else:
            bucket = TokenBucket(self.max_messages_per_second, self.message_burst)
        client = _Client(user_id, connection, context.metadata, self.max_queued_bytes, bucket)
        client.writer = asyncio.create_task(self._write(client), name=f"send to {user_id}")
        self._clients[key] = client
        self.metrics.increment("websocket.connections")
        self._events.log_websocket_event("connect", user=user_id, users=len(self._clients))
        await self._hook(HookPhase.POST_CONNECT, user_id, None, context.metadata)
        self.broadcast({"type": "join", "user": user_id, "users": self.users})
        return None

    async def receive(self, user_id: str, frame: str | bytes) -> None:
        """Handle one frame from ``user_id``: a JSON text frame ``{"text": "..."}``.

        A binary frame, invalid JSON, a frame without a ``text`` string, an empty text, or a
        message that a PRE_MESSAGE hook refused or made other than non-empty text gets an
        ``error`` frame back (``{"type": "error", "error": why}``); the connection stays
        open.

        A frame over the client's rate gets an ``error`` frame back (the first of a run)
        and is dropped.

        Raises:
            MessageTooBigError: when the frame exceeds ``max_message_bytes``.
            RateLimitError: when the client sent ``message_burst`` frames more while over
                its rate.
        """
        raw = frame if isinstance(frame, bytes) else frame.encode("utf-8", "surrogatepass")
        if len(raw) > self.max_message_bytes:
            self.metrics.increment("messages.too_big")
            self._logger.warning(
                "message from %s too big: %d bytes (limit %d)",
                user_id, len(raw), self.max_message_bytes,
                extra={"user": user_id, "size": len(raw)},
            )  # fmt: skip
            raise MessageTooBigError(f"message larger than {self.max_message_bytes} bytes")
        client = self._clients.get(name_key(user_id))
        if client is not None and not client.bucket.take():
            self._over_rate(client)
            return
        metadata = client.metadata if client is not None else {}
        text, problem = _parse(frame)
        if text is not None:
            context = await self._hook(HookPhase.PRE_MESSAGE, user_id, text, metadata)
            text, problem = _checked(context.message, context.rejected, self.max_message_bytes)
        if problem is not None or text is None:
            self.metrics.increment("messages.refused")
            self._logger.warning(
                "message from %s refused: %s", user_id, problem, extra={"user": user_id}
            )
            self.send(user_id, {"type": "error", "error": problem})
            return
        size = len(text.encode("utf-8", "surrogatepass"))  # the text's, not the frame's
        self.metrics.increment("messages.total")
        self.metrics.increment("messages.bytes", size)
        self._logger.info(
            "message from %s (%d bytes)", user_id, size, extra={"user": user_id, "size": size}
        )
        self._logger.debug("message from %s: %r", user_id, text, extra={"user": user_id})
        self.broadcast({"type": "message", "user": user_id, "text": text})
        await self._hook(HookPhase.POST_MESSAGE, user_id, text, metadata)

    async def disconnect(
        self, user_id: str, code: int = NORMAL, connection: Connection | None = None
    ) -> None:
        """Forget ``user_id`` (once) and tell the others; ``code`` is the WebSocket close
        code, logged with the event.

        With ``connection``, only if that is still the user's connection (a reconnect with
        the same name may have replaced it).
        """
        key = name_key(user_id)
        client = self._clients.get(key)
        if client is None or (connection is not None and client.connection is not connection):
            return
        await self._hooks.run(
            HookContext(HookPhase.PRE_DISCONNECT, user_id, metadata=client.metadata)
        )
        del self._clients[key]
        self._stop(client)
        self._events.log_websocket_event("disconnect", user=user_id, code=code)
        self.broadcast({"type": "leave", "user": user_id, "users": self.users})
        await self._hooks.run(
            HookContext(HookPhase.POST_DISCONNECT, user_id, metadata=client.metadata)
        )

    async def _hook(
        self, phase: HookPhase, user_id: str, message: str | None, metadata: dict[str, Any]
    ) -> HookContext:
        return await self._hooks.run(HookContext(phase, user_id, message, metadata))

    def send(self, user_id: str, payload: dict[str, Any]) -> bool:
        """Queue ``payload`` (a JSON-serialisable dict) as one frame for ``user_id``; False if
        the user is gone or dropped as too slow."""
        client = self._clients.get(name_key(user_id))
        return client is not None and self._offer(client, json.dumps(payload))

    def broadcast(self, payload: dict[str, Any]) -> None:
        """Queue ``payload`` (a JSON-serialisable dict) as one frame for every user (never
        waits for one)."""
        frame = json.dumps(payload)
        for client in list(self._clients.values()):
            self._offer(client, frame)

    def report_error(self, user_id: str, error: BaseException) -> None:
        """Log an unexpected error on ``user_id``'s connection: an ``error`` WebSocket event
        at ERROR, with ``reason`` ``"<Type>: <message>"``. Not for a client already dropped
        (too slow, rate limit): what fails on its closed connection is no news."""
        client = self._clients.get(name_key(user_id))
        if client is not None and client.closed:
            return
        self.metrics.increment("websocket.errors")
        self._events.log_websocket_event(
            "error", user=user_id, reason=f"{type(error).__name__}: {error}"
        )

    def _offer(self, client: _Client, frame: str) -> bool:
        if client.offer(frame):
            return True
        if not client.closed:
            self._drop(client, f"more than {self.max_queued_bytes} bytes waiting to be sent")
        return False

    async def _write(self, client: _Client) -> None:
        """The client's writer task: send its frames in order, drop it if it stalls."""
        while (frame := await client.queue.get()) is not None:
            client.waiting -= len(frame)
            try:
                await asyncio.wait_for(client.connection.send_text(frame), self.send_timeout)
            except (asyncio.TimeoutError, TimeoutError):
                self._drop(client, f"a send took longer than {self.send_timeout:g}s")
                return
            except Exception as exc:
                if not client.closed and type(exc).__name__ not in _GONE:  # gone: ordinary
                    self.report_error(client.user, exc)
                client.closed = True
                return

    def _over_rate(self, client: _Client) -> None:
        """A frame over the client's rate: tell it once per run; close it if it keeps on."""
        self.metrics.increment("messages.over_rate")
        limit = f"{self.max_messages_per_second:g} messages a second"
        if client.bucket.refused > self.message_burst:
            self.metrics.increment("websocket.rate_limited")
            self._logger.warning(
                "closing %s: rate limit, still sending over %s",
                client.user, limit, extra={"user": client.user, "reason": "rate limit"},
            )  # fmt: skip
            raise RateLimitError(f"rate limit: more than {limit}")
        if client.bucket.refused == 1:
            self.send(client.user, {"type": "error", "error": f"rate limit: at most {limit}"})

    def _drop(self, client: _Client, why: str) -> None:
        """Close a client that cannot keep up (1008); its receive loop then disconnects it."""
        self.metrics.increment("websocket.too_slow")
        self._logger.warning(
            "dropping %s: %s", client.user, why, extra={"user": client.user, "reason": why}
        )
        self._stop(client)

        async def close() -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    client.connection.close(POLICY_VIOLATION, close_reason("too slow: " + why)),
                    self.send_timeout,
                )

        asyncio.get_running_loop().create_task(close())

    @staticmethod
    def _stop(client: _Client) -> None:
        if not client.closed:
            client.closed = True
            client.queue.put_nowait(None)


def _parse(frame: str | bytes) -> tuple[str | None, str | None]:
    """(text, None) for a frame ``{"text": "..."}``, else (None, why not)."""
    if isinstance(frame, bytes):
        return None, "send text frames (JSON)"
    try:
        data = json.loads(frame)
    except ValueError:
        return None, 'invalid JSON: send an object such as {"text": "hello"}'
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return None, 'a message is a JSON object with a "text" string'
    return _checked(data["text"], None, None)


def _checked(text: object, problem: str | None, limit: int | None) -> tuple[str | None, str | None]:
    """The message as hooks left it: a non-empty string within the limit, or why not."""
    if problem is not None:
        return None, problem
    if text is None:
        return None, "message dropped by a hook"
    if not isinstance(text, str):
        return None, f"a hook made the message a {type(text).__name__}, not text"
    if not text.strip():
        return None, "message is empty"
    if limit is not None and len(text.encode("utf-8", "surrogatepass")) > limit:
        return None, f"message larger than {limit} bytes"
    return text, None

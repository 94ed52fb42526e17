"""UnifiedWebSocketManager: chat connections, hooks, broadcasting, and their logging."""

from __future__ import annotations

import json
import unicodedata
from typing import Any, Protocol

from alonechat.core.logging import get_logger
from alonechat.core.logging.utils import MetricsCollector, RequestLogger

from ._hooks import Hook, HookContext, HookPhase, HookRegistry

#: Close codes sent to clients (RFC 6455).
POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009
INTERNAL_ERROR = 1011


class Connection(Protocol):
    """What the manager needs of a WebSocket (Starlette's ``WebSocket`` is one)."""

    async def send_text(self, data: str) -> None: ...


class MessageTooBigError(Exception):
    """A frame larger than ``max_message_bytes``: the connection is closed with 1009."""


class UnifiedWebSocketManager:
    """Keeps the connected users, runs the hooks, broadcasts chat messages, and logs it all.

    Every connect, disconnect, message and error is logged through the unified logging
    system: messages at INFO with their size only (the text is logged at DEBUG), WebSocket
    events through :class:`~alonechat.core.logging.utils.RequestLogger`, counts and sizes in
    :attr:`metrics`. Frames to clients are JSON objects with a ``type``: ``join``, ``leave``
    and ``message`` (with ``user`` and ``text``), or ``error`` (with ``error``).

    Args:
        max_message_bytes: Largest accepted frame, in UTF-8 bytes.
        max_name_length: Longest accepted user name, in characters.
        metrics: Where counters and timings go (a new collector by default).
    """

    def __init__(
        self,
        *,
        max_message_bytes: int = 64 * 1024,
        max_name_length: int = 32,
        metrics: MetricsCollector | None = None,
    ) -> None:
        self.max_message_bytes = max_message_bytes
        self.max_name_length = max_name_length
        self.metrics = metrics if metrics is not None else MetricsCollector()
        self._logger = get_logger("alonechat.server")
        self._events = RequestLogger("alonechat.server.websocket")
        self._hooks = HookRegistry(get_logger("alonechat.server.hooks"))
        self._connections: dict[str, Connection] = {}

    @property
    def users(self) -> list[str]:
        """The connected users, in the order they joined."""
        return list(self._connections)

    def register_hook(self, phase: HookPhase, hook: Hook) -> None:
        """Run ``hook(context)`` in ``phase``; see :class:`HookContext` for rejecting."""
        self._hooks.register(phase, hook)

    def check_name(self, user_id: str) -> str | None:
        """Why ``user_id`` cannot join (empty, too long, control characters, taken), or None."""
        if not user_id.strip():
            return "user name is empty"
        if len(user_id) > self.max_name_length:
            return f"user name is longer than {self.max_name_length} characters"
        if any(unicodedata.category(char).startswith("C") for char in user_id):
            return "user name contains control characters"
        if user_id in self._connections:
            return "user name is already connected"
        return None

    async def connect(
        self, user_id: str, connection: Connection, metadata: dict[str, Any] | None = None
    ) -> str | None:
        """Admit ``user_id``; returns why it was refused (bad name, a hook), or None."""
        problem = self.check_name(user_id)
        metadata = dict(metadata or {})
        if problem is None:
            context = await self._hooks.run(
                HookContext(HookPhase.PRE_CONNECT, user_id, metadata=metadata)
            )
            problem, metadata = context.rejected, context.metadata
        if problem is not None:
            self.metrics.increment("websocket.rejected")
            self._events.log_websocket_event("rejected", user=user_id, reason=problem)
            return problem
        self._connections[user_id] = connection
        self.metrics.increment("websocket.connections")
        self._events.log_websocket_event("connect", user=user_id, users=len(self._connections))
        await self._hooks.run(HookContext(HookPhase.POST_CONNECT, user_id, metadata=metadata))
        await self.broadcast({"type": "join", "user": user_id, "users": self.users})
        return None

    async def receive(self, user_id: str, frame: str) -> None:
        """Handle one text frame from ``user_id``: a JSON object with a ``text`` string.

        An invalid frame gets an ``error`` frame back; the connection stays open.

        Raises:
            MessageTooBigError: when the frame exceeds ``max_message_bytes``.
        """
        size = len(frame.encode("utf-8", "surrogatepass"))
        if size > self.max_message_bytes:
            self.metrics.increment("messages.too_big")
            self._logger.warning(
                "message from %s too big: %d bytes (limit %d)",
                user_id, size, self.max_message_bytes,
                extra={"user": user_id, "size": size},
            )  # fmt: skip
            raise MessageTooBigError(f"message larger than {self.max_message_bytes} bytes")
        text, problem = _parse(frame)
        if text is not None:
            context = await self._hooks.run(HookContext(HookPhase.PRE_MESSAGE, user_id, text))
            text, problem = context.message, context.rejected
            if text is None and problem is None:
                problem = "message dropped by a hook"
        if problem is not None or text is None:
            self.metrics.increment("messages.refused")
            self._logger.warning(
                "message from %s refused: %s", user_id, problem, extra={"user": user_id}
            )
            await self.send(user_id, {"type": "error", "error": problem})
            return
        self.metrics.increment("messages.total")
        self.metrics.increment("messages.bytes", size)
        self._logger.info(
            "message from %s (%d bytes)", user_id, size, extra={"user": user_id, "size": size}
        )
        self._logger.debug("message from %s: %r", user_id, text, extra={"user": user_id})
        await self.broadcast({"type": "message", "user": user_id, "text": text})
        await self._hooks.run(HookContext(HookPhase.POST_MESSAGE, user_id, text))

    async def disconnect(self, user_id: str, code: int = 1000) -> None:
        """Forget ``user_id`` (once) and tell the others."""
        if user_id not in self._connections:
            return
        await self._hooks.run(HookContext(HookPhase.PRE_DISCONNECT, user_id))
        self._connections.pop(user_id, None)
        self._events.log_websocket_event("disconnect", user=user_id, code=code)
        await self.broadcast({"type": "leave", "user": user_id, "users": self.users})
        await self._hooks.run(HookContext(HookPhase.POST_DISCONNECT, user_id))

    async def send(self, user_id: str, payload: dict[str, Any]) -> bool:
        """Send one JSON frame to ``user_id``; False (and logged) if it could not be sent."""
        connection = self._connections.get(user_id)
        if connection is None:
            return False
        try:
            await connection.send_text(json.dumps(payload))
        except Exception as exc:
            self.metrics.increment("websocket.send_errors")
            self._events.log_websocket_event(
                "error", user=user_id, reason=f"send failed: {type(exc).__name__}: {exc}"
            )
            return False
        return True

    async def broadcast(self, payload: dict[str, Any]) -> None:
        """Send ``payload`` to every user; users that cannot be reached are disconnected."""
        gone = [user for user in self.users if not await self.send(user, payload)]
        for user in gone:
            await self.disconnect(user, code=INTERNAL_ERROR)


def _parse(frame: str) -> tuple[str | None, str | None]:
    """(text, None) for a frame ``{"text": "..."}``, else (None, why not)."""
    try:
        data = json.loads(frame)
    except ValueError:
        return None, 'invalid JSON: send an object such as {"text": "hello"}'
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return None, 'a message is a JSON object with a "text" string'
    if not data["text"].strip():
        return None, "message is empty"
    return data["text"], None

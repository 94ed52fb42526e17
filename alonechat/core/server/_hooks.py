"""Hook phases, the context a hook receives, and running hooks safely in order."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeAlias


class HookPhase(str, Enum):
    """When a hook runs, around a connection's life and each of its messages (a ``str``
    enum: ``HookPhase.PRE_CONNECT == "pre_connect"``)."""

    #: Before a user is admitted (the name already checked); may reject.
    PRE_CONNECT = "pre_connect"
    #: After the user is admitted, before the others are told.
    POST_CONNECT = "post_connect"
    #: Before a message is broadcast; may reject it or rewrite ``message``.
    PRE_MESSAGE = "pre_message"
    #: After a message was queued for every user.
    POST_MESSAGE = "post_message"
    #: Before a user is removed.
    PRE_DISCONNECT = "pre_disconnect"
    #: After the user is removed and the others are told.
    POST_DISCONNECT = "post_disconnect"


#: Phases in which a hook may refuse: the connection or the message.
REJECTABLE = frozenset({HookPhase.PRE_CONNECT, HookPhase.PRE_MESSAGE})


@dataclass
class HookContext:
    """What a hook sees (and may change) about one connection event.

    Attributes:
        phase: The phase being run.
        user_id: The user the event is about, the name as the client sent it.
        message: The chat text in the message phases (a PRE_MESSAGE hook may rewrite it;
            anything but non-empty text then gets the sender an ``error`` frame); None in
            the others.
        metadata: One dict per connection, shared by all its hooks in every phase; the
            server starts it with ``client`` (``"host:port"`` or None) and ``request_id``.
        rejected: Why a PRE_CONNECT or PRE_MESSAGE hook refused, once :meth:`reject` is called.
    """

    phase: HookPhase
    user_id: str
    message: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    rejected: str | None = None

    def reject(self, reason: str) -> None:
        """Refuse the connection (PRE_CONNECT) or the message (PRE_MESSAGE).

        The remaining hooks of the phase are skipped; the client gets ``reason`` in an
        ``error`` frame (for a connection, then a close frame with code 1008 carrying it
        cut to 123 bytes). In the other phases it has no effect.
        """
        self.rejected = reason


#: What a hook returns: the context, a replacement, or None (keep the context).
HookResult: TypeAlias = "HookContext | None"
#: A hook: a function of the :class:`HookContext`, sync or ``async``, returning a HookResult.
Hook: TypeAlias = Callable[[HookContext], "HookResult | Awaitable[HookResult]"]


class HookRegistry:
    """Hooks per phase, run in registration order; a failing hook never stops the others.

    An ``async`` hook gets ``timeout`` seconds; a sync hook runs in the event loop, so it
    must not block (hand slow work to ``asyncio.to_thread`` from an async hook).
    """

    def __init__(self, logger: logging.Logger, timeout: float = 10.0) -> None:
        self._logger = logger
        self._timeout = timeout
        self._hooks: dict[HookPhase, list[Hook]] = {phase: [] for phase in HookPhase}

    def register(self, phase: HookPhase, hook: Hook) -> None:
        """Run ``hook`` (sync or async) in ``phase``, after those registered before it.

        Raises:
            ValueError: for a phase that is not a HookPhase or a hook that is not callable.
        """
        if not isinstance(phase, HookPhase):
            allowed = ", ".join(p.name for p in HookPhase)
            raise ValueError(f"register_hook phase: {phase!r} is not a HookPhase ({allowed})")
        if not callable(hook):
            raise ValueError(f"register_hook hook: {hook!r} is not callable")
        self._hooks[phase].append(hook)

    async def run(self, context: HookContext) -> HookContext:
        """Pass ``context`` through the phase's hooks; returns the (possibly new) context.

        A hook returns the context (or a replacement, or None to keep it; anything else is
        logged at WARNING and ignored). One that raises (``SystemExit`` included) or times
        out is logged with its traceback and skipped. After a rejection the rest are
        skipped. Other exceptions of a hook (``KeyboardInterrupt``,
        ``asyncio.CancelledError``) propagate.
        """
        for hook in self._hooks[context.phase]:
            name = getattr(hook, "__qualname__", repr(hook))
            try:
                result = hook(context)
                if inspect.isawaitable(result):
                    result = await asyncio.wait_for(result, self._timeout)
            except (Exception, SystemExit, GeneratorExit):
                self._logger.exception(
                    "hook %s failed in %s for user %s",
                    name,
                    context.phase.name,
                    context.user_id,
                    extra={"hook": name, "phase": context.phase.name},
                )
                continue
            if isinstance(result, HookContext):
                context = result
            elif result is not None:
                self._logger.warning(
                    "hook %s returned %s instead of the HookContext; ignored",
                    name,
                    type(result).__name__,
                    extra={"hook": name, "phase": context.phase.name},
                )
            if context.rejected is not None and context.phase in REJECTABLE:
                break
        return context

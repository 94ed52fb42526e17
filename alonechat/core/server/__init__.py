"""The AloneChat chat server, logging through the unified system.

:class:`UnifiedWebSocketManager` keeps the connections and runs :class:`HookPhase` hooks
with a :class:`HookContext`; :func:`create_app` serves it as a Starlette ASGI app (needs the
``server`` extra: without starlette, importing it raises ``ModuleNotFoundError``);
``python -m AloneChat server --env ...`` runs it under uvicorn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._hooks import Hook, HookContext, HookPhase
from ._manager import UnifiedWebSocketManager

if TYPE_CHECKING:
    from ._app import create_app

__all__ = ["Hook", "HookContext", "HookPhase", "UnifiedWebSocketManager", "create_app"]


def __getattr__(name: str) -> Any:
    # create_app needs starlette (the server extra); the manager and hooks do not.
    if name == "create_app":
        from ._app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

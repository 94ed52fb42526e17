"""The chat server as a Starlette ASGI app: /ws, /health, /metrics and the chat page."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Iterable
from importlib import resources
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from alonechat.core.logging import get_logger, stats
from alonechat.core.logging.utils import MetricsCollector, RequestLogger

from ._manager import (
    INTERNAL_ERROR,
    MESSAGE_TOO_BIG,
    NORMAL,
    POLICY_VIOLATION,
    SERVER_FULL,
    TRY_AGAIN_LATER,
    MessageTooBigError,
    RateLimitError,
    close_reason,
)
from ._manager import UnifiedWebSocketManager as Manager

_LOGGER = get_logger("alonechat.server")
# An X-Request-ID sent by a proxy is kept when it looks like an id.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _REQUEST_ID.fullmatch(candidate) else None
    return None


class RequestLoggingMiddleware:
    """Runs each HTTP request and WebSocket connection inside ``request_context`` (so every
    record it causes carries its ``request_id``) and logs each HTTP request once.

    An ``X-Request-ID`` header of 1..64 letters, digits, ``.``, ``_`` or ``-`` is used as the
    id; otherwise a random one is made. HTTP responses carry the id in ``X-Request-ID``.
    ``metrics`` gets the counters ``http.responses.<N>xx`` and the timing ``http.request``
    (seconds).
    """

    def __init__(self, app: ASGIApp, requests: RequestLogger, metrics: MetricsCollector) -> None:
        self.app = app
        self.requests = requests
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        with self.requests.request_context(_request_id(scope)) as request_id:
            scope.setdefault("state", {})["request_id"] = request_id  # for the hooks' metadata
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
                return
            status = 500
            start = time.perf_counter()

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                    message = {**message, "headers": headers}
                await send(message)

            try:
                await self.app(scope, receive, send_with_id)
            finally:
                duration = time.perf_counter() - start
                client = scope.get("client")
                self.requests.log_request(
                    scope["method"],
                    scope["path"],
                    status,
                    duration,
                    client=f"{client[0]}:{client[1]}" if client else None,
                )
                self.metrics.increment(f"http.responses.{status // 100}xx")
                self.metrics.record_timing("http.request", duration)


def _page() -> str:
    return (resources.files(__package__) / "static" / "index.html").read_text(encoding="utf-8")


def _foreign_origin(websocket: WebSocket, allowed: frozenset[str]) -> str | None:
    """The ``Origin`` of a handshake from another site's page, or None: absent (not a
    browser), the server's own host (``Host`` header), or on the allow-list."""
    origin = websocket.headers.get("origin")
    if origin is None or origin in allowed or "*" in allowed:
        return None
    host = websocket.headers.get("host", "")
    return None if urlsplit(origin).netloc.lower() == host.lower() else origin


async def _chat(websocket: WebSocket) -> None:
    manager: Manager = websocket.app.state.manager
    user = websocket.query_params.get("user", "")
    address = websocket.client.host if websocket.client else None
    origin = _foreign_origin(websocket, websocket.app.state.allowed_origins)
    if origin is not None:  # another site's page in a visitor's browser: refused with 403
        manager.metrics.increment("websocket.foreign_origin")
        _LOGGER.warning(
            "websocket refused: origin %s is not this server's (see --allow-origin)",
            origin, extra={"origin": origin, "user": user, "address": address},
        )  # fmt: skip
        await websocket.close(code=POLICY_VIOLATION)  # before accept: HTTP 403
        return
    if address is None:  # not over IP (a unix socket): no address to hold limits for
        await _session(websocket, manager, user)
        return
    problem = manager.admit(address)
    if problem is not None:  # over its address's rate or connections: HTTP 429
        await _deny(websocket, problem)
        return
    try:
        await _session(websocket, manager, user, address)
    finally:
        manager.release(address)


async def _deny(websocket: WebSocket, reason: str) -> None:
    """Refuse the handshake with HTTP 429 and ``reason`` (403 from a server without the
    WebSocket denial response extension)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        response = PlainTextResponse(reason + "\n", status_code=429, headers={"Retry-After": "1"})
        await websocket.send_denial_response(response)
    else:  # pragma: no cover - uvicorn has the extension
        await websocket.close(code=TRY_AGAIN_LATER)


async def _session(
    websocket: WebSocket, manager: Manager, user: str, address: str | None = None
) -> None:
    """Accept the connection, join ``user`` and relay their frames until either side
    closes."""
    await websocket.accept()
    code = NORMAL
    metadata = {
        "client": f"{websocket.client.host}:{websocket.client.port}" if websocket.client else None,
        "request_id": websocket.scope.get("state", {}).get("request_id"),
    }
    try:
        problem = await manager.connect(user, websocket, metadata, address)
        if problem is not None:  # the whole reason first; a close frame holds 123 bytes
            code = TRY_AGAIN_LATER if problem == SERVER_FULL else POLICY_VIOLATION
            await websocket.send_text(json.dumps({"type": "error", "error": problem}))
            await websocket.close(code=code, reason=close_reason(problem))
            return
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                code = message.get("code", NORMAL)
                break
            text = message.get("text")
            await manager.receive(user, text if text is not None else message.get("bytes") or b"")
            await asyncio.sleep(0)  # a client sending flat out never starves the writers
    except (MessageTooBigError, RateLimitError) as exc:
        code = MESSAGE_TOO_BIG if isinstance(exc, MessageTooBigError) else POLICY_VIOLATION
        with contextlib.suppress(Exception):
            await websocket.close(code=code, reason=close_reason(str(exc)))
    except Exception as exc:
        code = INTERNAL_ERROR
        manager.report_error(user, exc)
        with contextlib.suppress(Exception):  # the client may be gone already
            await websocket.close(code=code, reason="internal error")
    finally:
        await manager.disconnect(user, code=code, connection=websocket)


def create_app(manager: Manager | None = None, allowed_origins: Iterable[str] = ()) -> Starlette:
    """The chat server: ``/ws?user=NAME``, ``/health``, ``/metrics`` and the page at ``/``.

    A WebSocket handshake whose ``Origin`` is another site's (not this server's ``Host``, not
    in ``allowed_origins``, e.g. ``"https://chat.example.com"``; ``"*"`` allows any) is
    refused with HTTP 403 and a WARNING: without this check, any page a visitor opens could
    join and post from the visitor's browser (cross-site WebSocket hijacking). Clients that
    send no ``Origin`` (not browsers) are not concerned.

    A handshake from a client address over its rate, or with its
    ``max_connections_per_address`` open already (see :class:`UnifiedWebSocketManager`),
    is refused with HTTP 429 and a WARNING, before any join or broadcast.

    ``manager`` keeps the connections (a new :class:`UnifiedWebSocketManager` with its
    defaults when None). ``GET /health`` returns ``{"status": "ok", "users": int}``;
    ``GET /metrics`` returns ``manager.metrics.snapshot()`` with the logging system's
    :func:`~alonechat.core.logging.stats` under ``"logging"``.
    """
    manager = manager if manager is not None else Manager()
    page = _page()

    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "users": len(manager.users)})

    async def metrics(request: Request) -> JSONResponse:
        # the server's counters and timings, and what the logging system could not write
        return JSONResponse({**manager.metrics.snapshot(), "logging": stats()})

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/health", health),
            Route("/metrics", metrics),
            WebSocketRoute("/ws", _chat),
        ],
        middleware=[
            Middleware(
                RequestLoggingMiddleware,
                requests=RequestLogger("alonechat.server.http"),
                metrics=manager.metrics,
            )
        ],
    )
    app.state.manager = manager
    app.state.allowed_origins = frozenset(origin.rstrip("/") for origin in allowed_origins)
    return app

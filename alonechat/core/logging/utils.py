"""Logging utilities: timing, request and exception logging, metrics, request context.

Everything here logs through the unified system (console, files, JSON alike) and puts the
measured values in structured fields (JSON keys), not only in the message text:

- :class:`LogTimer` / :func:`timed`: ``operation``, ``duration`` (seconds), ``status``;
  ``error_type`` on failure.
- :class:`RequestLogger`: ``method``, ``path``, ``status_code``, ``duration``, ``user``;
  ``event_type`` for WebSocket events; ``request_id`` bound by ``request_context``.
- :class:`ExceptionLogger`: ``context`` and the exception's ``exc_type``, ``exc_message``,
  ``exc_traceback``.
- :class:`MetricsCollector`: ``counters`` and ``timings``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, cast, overload

from ._context import log_context
from ._intercept import RESERVED
from ._levels import ERROR, INFO, WARNING, level_no, parse_level
from ._logger import as_logger
from ._metrics import MetricsCollector
from ._redact import safe_fields, safe_path

__all__ = [
    "ExceptionLogger",
    "LogTimer",
    "MetricsCollector",
    "RequestLogger",
    "log_context",
    "timed",
]

P = ParamSpec("P")
R = TypeVar("R")


class LogTimer:
    """Time a block and log its duration on exit (``with`` or ``async with``).

    The record says ``"<name> completed in 12.34 ms"`` with the fields ``operation``,
    ``duration`` (seconds, monotonic clock) and ``status="ok"``. If the block raises, an
    ERROR record says ``"<name> failed after ... ms: <Type>: <message>"`` (``status="error"``,
    ``error_type``) and the exception propagates unchanged; a cancelled block (asyncio) is a
    WARNING with ``status="cancelled"``. ``timer.elapsed`` holds the seconds (a float) once
    the block is done, None before.

    Args:
        name: The operation's name.
        logger: A Logger or logger name; default: the module that creates the timer.
        level: Level of the success record, a name or an int (default INFO).
        stacklevel: 1 attributes the record to the code using the timer; more, to its callers.

    Raises:
        ValueError: for an invalid ``level``.
    """

    def __init__(
        self,
        name: str,
        logger: logging.Logger | str | None = None,
        level: str | int = INFO,
        *,
        stacklevel: int = 1,
    ) -> None:
        if logger is None:
            logger = sys._getframe(1).f_globals.get("__name__", "alonechat.timing")
        self.name = name
        self.level = level_no(parse_level(level, "LogTimer level"))
        self.elapsed: float | None = None
        self._logger = as_logger(logger, "alonechat.timing")
        self._stacklevel = stacklevel
        self._start = 0.0

    def __enter__(self) -> LogTimer:
        self.elapsed = None
        self._start = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._finish(exc)

    async def __aenter__(self) -> LogTimer:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._finish(exc)

    def _finish(self, exc: BaseException | None) -> None:
        self.elapsed = time.perf_counter() - self._start
        milliseconds = self.elapsed * 1000
        fields: dict[str, object] = {"operation": self.name, "duration": self.elapsed}
        depth = self._stacklevel + 2  # _finish and __exit__ / __aexit__
        if isinstance(exc, asyncio.CancelledError):  # cancelled is not failed
            fields["status"] = "cancelled"
            self._logger.log(
                WARNING, "%s cancelled after %.2f ms", self.name, milliseconds,
                extra=fields, stacklevel=depth,
            )  # fmt: skip
        elif exc is None:
            fields["status"] = "ok"
            self._logger.log(
                self.level, "%s completed in %.2f ms", self.name, milliseconds,
                extra=fields, stacklevel=depth,
            )  # fmt: skip
        else:
            fields.update(status="error", error_type=type(exc).__name__)
            self._logger.log(
                ERROR, "%s failed after %.2f ms: %s: %s", self.name, milliseconds,
                type(exc).__name__, exc, extra=fields, stacklevel=depth,
            )  # fmt: skip


@overload
def timed(name: Callable[P, R]) -> Callable[P, R]: ...


@overload
def timed(
    name: str | None = None, *, logger: logging.Logger | str | None = None, level: str | int = INFO
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def timed(
    name: str | Callable[P, R] | None = None,
    *,
    logger: logging.Logger | str | None = None,
    level: str | int = INFO,
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: time every call of a function (sync or ``async def``) with :class:`LogTimer`.

    ``@timed``, ``@timed()`` and ``@timed("api_call")`` all work; the name defaults to the
    function's qualified name and the logger to its module. The wrapper keeps the function's
    name, docstring and signature, and an ``async def`` stays a coroutine function. Records
    are attributed to the code calling the function. ``logger`` and ``level`` are as for
    :class:`LogTimer`.

    Raises:
        ValueError: for an invalid ``level`` (when ``timed(...)`` is called).
        TypeError: when decorating a generator function (sync or async): only creating the
            generator would be timed.
    """
    if callable(name):
        return timed()(name)
    level = level_no(parse_level(level, "timed level"))

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        if inspect.isgeneratorfunction(function) or inspect.isasyncgenfunction(function):
            raise TypeError(
                f"timed: {function.__qualname__} is a generator function; calling it only "
                "creates the generator. Time the iteration with LogTimer instead."
            )
        operation = name or function.__qualname__
        target = logger if logger is not None else function.__module__

        if inspect.iscoroutinefunction(function):
            coroutine_function = cast(Callable[P, Awaitable[Any]], function)

            @functools.wraps(function)
            async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
                async with LogTimer(operation, target, level, stacklevel=2):
                    return await coroutine_function(*args, **kwargs)

            return cast(Callable[P, R], async_wrapper)

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with LogTimer(operation, target, level, stacklevel=2):
                return function(*args, **kwargs)

        return wrapper

    return decorate


class RequestLogger:
    """One record per HTTP request or WebSocket event, with the values as fields.

    Query strings, URL credentials and credential-carrying fields or headers are never
    logged (see :func:`safe_path`, :func:`safe_fields`).

    Args:
        logger: A Logger or logger name; default ``alonechat.requests``.
    """

    def __init__(self, logger: logging.Logger | str | None = None) -> None:
        self._logger = as_logger(logger, "alonechat.requests")

    def log_request(
        self,
        method: str,
        path: str,
        status_code: int,
        duration: float,
        user: str | None = None,
        **fields: object,
    ) -> None:
        """Log a request: ERROR for 5xx, WARNING for 4xx, INFO otherwise.

        The message is ``"GET /path -> 200 in 12.34 ms"``; the fields hold the values.

        Args:
            method: HTTP method.
            path: Request path or URL (its query string, fragment and ``user:password@``
                are dropped).
            status_code: Response status, an int (or what ``int()`` takes).
            duration: Seconds the request took (the message shows milliseconds).
            user: Who made it, when known.
            **fields: More fields for the record (credentials masked; a key naming a
                LogRecord attribute is renamed ``extra_<key>``).

        Raises:
            ValueError, TypeError: when ``int(status_code)`` fails; nothing is logged.
        """
        status = int(status_code)
        level = ERROR if status >= 500 else WARNING if status >= 400 else INFO
        path = safe_path(path)
        extra = {
            **_user_fields(fields),
            "method": method,
            "path": path,
            "status_code": status,
            "duration": duration,
        }
        if user is not None:
            extra["user"] = user
        self._logger.log(
            level, "%s %s -> %d in %.2f ms", method, path, status, duration * 1000,
            extra=extra, stacklevel=2,
        )  # fmt: skip

    def log_websocket_event(
        self, event_type: str, user: str | None = None, **fields: object
    ) -> None:
        """Log a WebSocket event (``connect``, ``disconnect``, ``message``, ``error``, ...).

        The message is ``"websocket <event_type> (<user>)"``, and ``": <reason>"`` when a
        ``reason`` field is given (so that a text log says why); ``error`` events are logged
        at ERROR, the others at INFO. ``fields`` are handled as in :meth:`log_request`.
        """
        extra = {**_user_fields(fields), "event_type": event_type}
        if user is not None:
            extra["user"] = user
        level = ERROR if event_type == "error" else INFO
        who = f" ({user})" if user is not None else ""
        why = f": {extra['reason']}" if extra.get("reason") is not None else ""
        self._logger.log(level, "websocket %s%s%s", event_type, who, why, extra=extra, stacklevel=2)

    @contextmanager
    def request_context(self, request_id: str | None = None, **fields: object) -> Iterator[str]:
        """Bind ``request_id`` (by default, or when empty, a new random one: 32 hex digits)
        and ``fields`` (credentials masked) to every record logged inside the block, from
        any logger, as :func:`log_context` does; yields the id (a str)."""
        request_id = request_id or uuid.uuid4().hex
        with log_context(request_id=request_id, **safe_fields(fields)):
            yield request_id


class ExceptionLogger:
    """Logs an exception with its type, message, context and full traceback.

    Works inside or outside the ``except`` block (the traceback travels with the exception),
    and chained causes (``raise ... from ...``) are included.

    Args:
        logger: A Logger or logger name; default ``alonechat.exceptions``.
    """

    def __init__(self, logger: logging.Logger | str | None = None) -> None:
        self._logger = as_logger(logger, "alonechat.exceptions")

    def log_exception(
        self,
        exc: BaseException,
        context: str | None = None,
        level: str | int = ERROR,
        **fields: object,
    ) -> None:
        """Log ``exc``: ``"<context>: <Type>: <message>"`` plus the traceback, at ``level``
        (a name or an int); ``fields`` are handled as in :meth:`RequestLogger.log_request`.

        Raises:
            ValueError: for an invalid ``level``; nothing is logged.
        """
        kind = type(exc).__name__
        extra: dict[str, object] = _user_fields(fields)
        if context is not None:
            extra["context"] = context
        prefix = f"{context}: " if context else ""
        self._logger.log(
            level_no(parse_level(level, "log_exception level")),
            "%s%s: %s", prefix, kind, exc, exc_info=exc, extra=extra, stacklevel=2,
        )  # fmt: skip


def _user_fields(fields: dict[str, object]) -> dict[str, object]:
    """``fields`` with credentials masked, and each key that stdlib refuses in ``extra`` (a
    LogRecord attribute: ``name``, ``message``, ``module``...) renamed ``extra_<key>``, as
    the JSON layout renames a field that would overwrite one of its own."""
    return {
        f"extra_{key}" if key in RESERVED else key: value
        for key, value in safe_fields(fields).items()
    }

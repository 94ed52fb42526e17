"""The two ways into alonechat's sinks: InterceptHandler for stdlib records, LoguruBridge
for records logged with ``loguru.logger`` directly.

Every stdlib record takes stdlib's route, unchanged: a logger (``get_logger`` returns
stdlib's own) -> ``Logger._log`` -> ``makeRecord`` -> ``Logger.handle`` -> the handlers up
its ``parent`` chain (``callHandlers``) -> :class:`InterceptHandler` on the root logger,
which makes loguru's record of it -> the handlers of alonechat's own loguru logger
(``_engine.LOGURU``), which are alonechat's sinks.
Whatever a tool wraps on that route sees the record as it would without alonechat.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from loguru import logger as _global_loguru

from ._caller import Caller
from ._deferred import Deferred, snapshot
from ._engine import dispatch
from ._levels import loguru_level
from ._redact import safe_path
from ._sinks import batch, hold, write_held
from ._text import render_message, strip_ansi

if TYPE_CHECKING:
    from loguru import Message

_PLAIN_RECORD = vars(logging.LogRecord("", 0, "", 0, "", (), None))
_PLAIN = len(_PLAIN_RECORD)
#: ``extra`` keys stdlib refuses (``makeRecord`` raises KeyError): LogRecord's attributes.
RESERVED = frozenset(_PLAIN_RECORD) | {"message", "asctime"}
# Attributes that are not user fields. uvicorn's ANSI ``color_message`` duplicates the
# message with escape codes, so it never reaches a sink.
_NOT_FIELDS = RESERVED | {"taskName", "color_message"}
# Key set on loguru records that came through InterceptHandler: stdlib's levels already let
# them through (records logged with loguru directly are judged by them in the sinks' filter).
FROM_STDLIB = "_alonechat_stdlib"
_MARKS: dict[str, object] = {FROM_STDLIB: True}
# Loggers whose %-args are worth keeping as named fields (uvicorn's access line).
_STRUCTURED_ARGS: dict[str, tuple[str, ...]] = {
    "uvicorn.access": ("client_addr", "method", "path", "http_version", "status_code"),
}
# The record each thread handed to loguru last: a record that passes two InterceptHandlers
# (root's and a child logger's) is written once.
_last = threading.local()


class _NoLock:
    """The lock of an InterceptHandler: one that never waits, with the methods stdlib's
    ``Handler`` uses on every version (``acquire``/``release`` to 3.12, ``with`` in 3.13's
    ``handle``, ``_at_fork_reinit`` after a fork). ``emit`` needs none (loguru locks each
    sink), and a lock held while a caller waits for room in the enqueue queue would stall
    the writer thread whenever a sink logs through stdlib."""

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return True

    def release(self) -> None:
        pass

    def __enter__(self) -> bool:
        return True

    def __exit__(self, *exc_info: object) -> None:
        pass

    def _at_fork_reinit(self) -> None:
        pass


class InterceptHandler(logging.Handler):
    """A stdlib handler that hands every record to alonechat's loguru sinks.

    ``configure_logging`` puts one on the root logger; it can also be named in a
    ``logging.config.dictConfig`` (see ``configured_handler``). The record keeps its logger
    name, level (a custom level is registered with loguru under its stdlib name), message,
    exception, ``extra`` fields and the file, line and function of the code that logged it.
    A message whose %-args do not fit is written with a marker, never raised. The handler's
    ``formatter`` is not used: alonechat's ``format_string`` and JSON layouts format records.
    A record that reaches several InterceptHandlers (root's and a child logger's) is written
    once.
    """

    #: Set by the manager when ``LogConfig.enqueue`` is on: records are written from there.
    deferred: Deferred | None = None

    def createLock(self) -> None:
        """A lock that never waits (see ``_NoLock``)."""
        self.lock = _NoLock()  # type: ignore[assignment]  # typeshed: RLock | None

    def emit(self, record: logging.LogRecord) -> None:
        """Hand ``record`` to loguru (stdlib's ``Handler.emit``, called by ``handle``).

        Never raises: a failure goes to stdlib's ``handleError`` (a "--- Logging error ---"
        block on stderr while ``logging.raiseExceptions`` is true).
        """
        try:
            seen = getattr(_last, "record", None)
            if seen is not None and seen() is record:
                return
            _last.record = weakref.ref(record)
            name, attributes = record.name, record.__dict__
            fields = None
            added = len(attributes) - _PLAIN  # extra fields, or what a Formatter added
            if added > ("message" in attributes) + ("asctime" in attributes):
                fields = _fields(attributes)
            message, fields = _content(name, record.msg, record.args, fields)
            if record.stack_info:
                message = f"{message}\n{record.stack_info}"
            exception = record.exc_info if record.exc_info and record.exc_info[0] else None
            level = loguru_level(record.levelno, record.levelname)
            self._write_for(Caller.of_record(record), name, level, message, exception, fields)
        except Exception:
            self.handleError(record)

    def _write_for(
        self,
        caller: Caller,
        name: str,
        level: str | int,
        message: str,
        exception: Any,
        fields: dict[str, object] | None,
    ) -> None:
        """Write a record as logged by ``caller``, on the writer thread when there is one."""
        deferred = self.deferred
        if deferred is None:
            _write(caller, name, level, message, exception, fields)
        else:
            deferred.put(_write, caller, name, level, message, exception, snapshot(fields))


class _Writing(threading.local):
    """Whether this thread is handing a record to loguru, and the records logged meanwhile
    (from a signal handler, a ``__del__``, a sink that logs), to hand over right after."""

    active = False

    def __init__(self) -> None:
        self.pending: list[tuple[Any, ...]] = []


_writing = _Writing()


def _write(
    caller: Caller,
    name: str,
    level: str | int,
    message: str,
    exception: Any,
    fields: dict[str, object] | None,
) -> None:
    """Write a record logged by ``caller`` (on this thread, or before a queue).

    loguru's sinks are not re-entrant: a record logged while this thread is inside this
    function (a signal handler run between two bytecodes of a write) is held, with its
    caller, and written right after the record being written, never dropped.
    """
    writing = _writing
    if writing.active:
        writing.pending.append((caller, name, level, message, exception, fields))
        return
    writing.active = True
    held = hold()
    try:
        dispatch(name, level, message, exception, fields, caller, _MARKS)
    finally:
        if held is not None:
            write_held(held)
        writing.active = False
    if writing.pending:
        pending = writing.pending
        while pending:
            _write(*pending.pop(0))


def _content(
    name: str, msg: object, args: Any, fields: dict[str, object] | None
) -> tuple[str, dict[str, object] | None]:
    """The message of a record of logger ``name`` and its fields (uvicorn's access args
    become fields too, and its request paths lose their query strings). Terminal escape
    sequences a library styled it with are dropped: colors are the console layout's."""
    if name.startswith("uvicorn"):
        fields = fields or {}
        args = _structured(name, args, fields)
    return strip_ansi(render_message(msg, args)), fields


def _fields(attributes: Mapping[Any, object]) -> dict[str, object]:
    """The user fields among a record's attributes (or a call's ``extra``)."""
    return {str(key): value for key, value in attributes.items() if key not in _NOT_FIELDS}


def _structured(name: str, args: Any, fields: dict[str, object]) -> Any:
    """Name the %-args of loggers listed in _STRUCTURED_ARGS as fields, and drop query
    strings from the request paths uvicorn logs; returns the args to format with."""
    if not isinstance(args, tuple):
        return args
    # "GET /x?token=..." and "WebSocket /ws?..." lines
    args = tuple(
        safe_path(arg) if isinstance(arg, str) and arg.startswith("/") else arg for arg in args
    )
    names = _STRUCTURED_ARGS.get(name)
    if names and len(args) == len(names):
        fields.update(zip(names, args, strict=True))
    return args


def _forward(message: Message) -> None:
    """loguru sink on ``loguru.logger``: hand its record to alonechat's handlers, as logged
    (caller, thread, time, fields), to be judged by stdlib's levels (no FROM_STDLIB mark)."""
    record = message.record
    level, file, thread, exception = (
        record["level"],
        record["file"],
        record["thread"],
        record["exception"],
    )
    caller = Caller(file.path, file.name, record["module"], record["line"], record["function"],
                    thread.id, thread.name, record["time"].timestamp())  # fmt: skip
    with batch():  # written after alonechat's handlers ran (see hold)
        dispatch(
            record["name"],
            loguru_level(level.no, level.name),
            record["message"],
            tuple(exception) if exception is not None else None,
            dict(record["extra"]),  # alonechat's fields stay on its own record
            caller,
            {},
        )


class LoguruBridge:
    """The one handler on the global ``loguru.logger`` that hands records logged with it
    directly to alonechat's sinks (alonechat's logger judges them by stdlib's levels).

    It is there while someone uses it: the manager from ``configure`` to ``reset``,
    ``testing.capture_logs`` inside its block. loguru's exit function removes it with
    ``loguru.logger``'s other handlers, so records logged with loguru after that go nowhere,
    as with loguru alone.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._id: int | None = None

    def acquire(self) -> None:
        """Count one more user; the first one adds the handler."""
        with self._lock:
            self._users += 1
            if self._id is None:
                self._id = _global_loguru.add(_forward, level=0, format="{message}")

    def release(self) -> None:
        """Count one user less; the last one removes the handler."""
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._id is not None:
                with contextlib.suppress(ValueError):  # removed already (exit, a user)
                    _global_loguru.remove(self._id)
                self._id = None


BRIDGE = LoguruBridge()

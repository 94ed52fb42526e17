"""InterceptHandler: stdlib (and uvicorn) records into loguru, once, with their own caller."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from functools import partial
from typing import Any

from loguru import logger as _loguru

from ._caller import Caller
from ._deferred import Deferred, snapshot
from ._formatting import render_message
from ._levels import loguru_level
from ._redact import safe_path

# LogRecord attributes that are not user ``extra`` fields. uvicorn's ANSI ``color_message``
# duplicates the message with escape codes, so it never reaches a sink.
_PLAIN_RECORD = vars(logging.LogRecord("", 0, "", 0, "", (), None))
_STANDARD_ATTRS = frozenset(_PLAIN_RECORD) | {"message", "asctime", "taskName", "color_message"}
# Key set on loguru records that came from a stdlib logger (see testing.forward_to).
FROM_STDLIB = "_alonechat_stdlib"
# Loggers whose %-args are worth keeping as named fields (uvicorn's access line).
_STRUCTURED_ARGS: dict[str, tuple[str, ...]] = {
    "uvicorn.access": ("client_addr", "method", "path", "http_version", "status_code"),
}
# Frames from emit() up to the code that called logger.info(...): Handler.handle,
# Logger.callHandlers, Logger.handle, Logger._log, Logger.info.
_CALLER = 6


def _named(name: str, record: dict[str, Any]) -> None:
    """loguru patcher: the record's name is its stdlib logger's."""
    record[FROM_STDLIB] = True
    record["name"] = name


class InterceptHandler(logging.Handler):
    """A stdlib handler that hands every record to loguru's sinks.

    The record keeps its logger name, level (custom levels are registered with loguru under
    their stdlib name), message, exception, ``extra`` fields and the file, line and function
    of the code that logged it. A message whose %-args do not fit is written with a marker.
    """

    #: Set by the manager when ``LogConfig.enqueue`` is on: records are written from there.
    deferred: Deferred | None = None

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        # stdlib logger name -> (loguru logger named so, the same with the caller's depth)
        self._loggers: dict[str, tuple[Any, Any]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            cached = self._loggers.get(record.name)
            if cached is None:
                named = _loguru.patch(partial(_named, record.name))
                cached = self._loggers[record.name] = (named, named.opt(depth=_CALLER))
            named, at_caller = cached
            args, attrs = record.args, record.__dict__
            fields = None
            if len(attrs) > len(_PLAIN_RECORD) or record.name.startswith("uvicorn"):
                fields = {key: attrs[key] for key in attrs.keys() - _STANDARD_ATTRS}
                args = _structured(record, fields)
            message = render_message(record.msg, args)
            if record.stack_info:
                message = f"{message}\n{record.stack_info}"
            exc_info = record.exc_info if record.exc_info and record.exc_info[0] else None
            level = loguru_level(record.levelno, record.levelname)
            deferred = self.deferred
            if deferred is not None:
                caller = Caller.of_record(record)
                deferred.put(_write, named, caller, exc_info, snapshot(fields), level, message)
                return
            try:  # the fast path: the caller is still on the stack, loguru finds it
                frame = sys._getframe(_CALLER)
            except ValueError:
                frame = None
            if (
                frame is not None
                and frame.f_lineno == record.lineno
                and frame.f_code.co_filename == record.pathname
            ):
                target = (
                    at_caller if exc_info is None else named.opt(depth=_CALLER, exception=exc_info)
                )
                if fields:
                    target = target.bind(**fields)
                target.log(level, message)
            else:  # e.g. replayed by a QueueListener: the record says where it came from
                _write(named, Caller.of_record(record), exc_info, fields, level, message)
        except Exception:
            self.handleError(record)


def _write(
    named: Any,
    caller: Caller,
    exc_info: Any,
    fields: dict[str, Any] | None,
    level: str | int,
    message: str,
) -> None:
    """Hand one record to loguru as coming from ``caller``."""
    target = named.patch(caller.apply).opt(exception=exc_info)
    if fields:
        target = target.bind(**fields)
    target.log(level, message)


def _structured(record: logging.LogRecord, fields: dict[str, Any]) -> Any:
    """Name the %-args of loggers listed in _STRUCTURED_ARGS as fields, and drop query
    strings from the request paths uvicorn logs; returns the args to format with."""
    names, args = _STRUCTURED_ARGS.get(record.name), record.args
    if not isinstance(args, tuple):
        return args
    if record.name.startswith("uvicorn"):  # "GET /x?token=..." and "WebSocket /ws?..." lines
        args = tuple(
            safe_path(arg) if isinstance(arg, str) and arg.startswith("/") else arg for arg in args
        )
    if names and len(args) == len(names):
        fields.update(zip(names, args, strict=True))
    return args


class StdlibRouting:
    """Installs one InterceptHandler on the root logger and the stdlib levels, undoably.

    The console and file handlers that ``logging.basicConfig`` puts on the root logger
    (exactly ``StreamHandler`` and ``FileHandler``) are taken off while the system is
    configured, so that stdlib records are not printed twice; other handlers stay.
    """

    def __init__(self) -> None:
        self._root_level: int | None = None
        self._taken: list[logging.Handler] = []
        self._levels: dict[str, int] = {}

    def install(
        self, level: int, components: Mapping[str, int], deferred: Deferred | None = None
    ) -> None:
        """Route the root logger into loguru at ``level``; set the component loggers' levels.

        With ``deferred``, intercepted records are written from its thread.
        """
        InterceptHandler.deferred = deferred
        root = logging.getLogger()
        if self._root_level is None:
            self._root_level = root.level
        for handler in root.handlers[:]:
            if type(handler) in (logging.StreamHandler, logging.FileHandler):
                root.removeHandler(handler)
                self._taken.append(handler)
        if not any(isinstance(h, InterceptHandler) for h in root.handlers):
            root.addHandler(InterceptHandler())
        root.setLevel(level)
        self._restore_levels()
        for name, component_level in components.items():
            stdlib_logger = logging.getLogger(name)
            self._levels[name] = stdlib_logger.level
            stdlib_logger.setLevel(component_level)

    def uninstall(self) -> None:
        """Remove every InterceptHandler from the root logger and restore the levels."""
        InterceptHandler.deferred = None
        root = logging.getLogger()
        for intercept in [h for h in root.handlers if isinstance(h, InterceptHandler)]:
            root.removeHandler(intercept)
        if self._root_level is not None:
            root.setLevel(self._root_level)
            self._root_level = None
        for handler in self._taken:
            root.addHandler(handler)
        self._taken = []
        self._restore_levels()

    def _restore_levels(self) -> None:
        for name, old in self._levels.items():
            logging.getLogger(name).setLevel(old)
        self._levels = {}

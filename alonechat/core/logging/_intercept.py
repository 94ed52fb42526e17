"""InterceptHandler: stdlib (and uvicorn) records into loguru, once, with their own caller."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from loguru import logger as _loguru

from ._formatting import render_message
from ._levels import loguru_level
from ._redact import safe_path

# LogRecord attributes that are not user ``extra`` fields. uvicorn's ANSI ``color_message``
# duplicates the message with escape codes, so it never reaches a sink.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}
# Key set on loguru records that came from a stdlib logger (see testing.forward_to).
FROM_STDLIB = "_alonechat_stdlib"
# Loggers whose %-args are worth keeping as named fields (uvicorn's access line).
_STRUCTURED_ARGS: dict[str, tuple[str, ...]] = {
    "uvicorn.access": ("client_addr", "method", "path", "http_version", "status_code"),
}


def _from_stdlib(source: logging.LogRecord, record: dict[str, Any]) -> None:
    """loguru patcher: the record's name and caller are the stdlib record's own."""
    record[FROM_STDLIB] = True
    record["name"] = source.name
    record["function"] = source.funcName
    record["line"] = source.lineno
    record["module"] = source.module
    record["file"] = type(record["file"])(source.filename, source.pathname)
    if source.thread is not None:
        record["thread"] = type(record["thread"])(source.thread, source.threadName)
    if source.process is not None:
        record["process"] = type(record["process"])(source.process, source.processName)


class InterceptHandler(logging.Handler):
    """A stdlib handler that hands every record to loguru's sinks.

    The record keeps its logger name, level (custom levels are registered with loguru under
    their stdlib name), message, exception, ``extra`` fields and the file, line and function
    of the code that logged it. A message whose %-args do not fit is written with a marker.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            args = record.args
            fields = {key: record.__dict__[key] for key in record.__dict__.keys() - _STANDARD_ATTRS}
            names = _STRUCTURED_ARGS.get(record.name)
            if names and isinstance(args, tuple) and len(args) == len(names):
                named = dict(zip(names, args, strict=True))
                if isinstance(named.get("path"), str):  # uvicorn's path carries the query
                    named["path"] = safe_path(str(named["path"]))
                    args = tuple(named.values())
                fields.update(named)
            message = render_message(record.msg, args)
            if record.stack_info:
                message = f"{message}\n{record.stack_info}"
            exc_info = record.exc_info if record.exc_info and record.exc_info[0] else None
            target = _loguru.patch(partial(_from_stdlib, record)).opt(exception=exc_info)
            if fields:
                target = target.bind(**fields)
            target.log(loguru_level(record.levelno, record.levelname), message)
        except Exception:
            self.handleError(record)


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

    def install(self, level: int, components: Mapping[str, int]) -> None:
        """Route the root logger into loguru at ``level``; set the component loggers' levels."""
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

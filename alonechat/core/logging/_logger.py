"""get_logger and Logger: a drop-in for ``logging.getLogger`` that writes through loguru."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Mapping
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeAlias

from loguru import logger as _loguru

from ._caller import Caller
from ._deferred import Deferred, snapshot
from ._formatting import render_message
from ._levels import CRITICAL, DEBUG, ERROR, INFO, LEVEL_NAMES, WARNING, loguru_level
from ._manager import LoggingManager
from ._report import warn

if TYPE_CHECKING:
    from loguru import Logger as LoguruLogger
    from loguru import Record

ExcInfo: TypeAlias = (
    "bool | BaseException | tuple[type[BaseException], BaseException, TracebackType | None]"
    " | tuple[None, None, None] | None"
)
_manager = LoggingManager()
# Frames between the caller and loguru's ``log``: the public method and ``_log``.
_DEPTH = 2


def _exception(exc_info: object) -> BaseException | tuple[Any, Any, Any] | None:
    """Normalise stdlib's ``exc_info`` forms; no current exception means none."""
    if not exc_info:
        return None
    if isinstance(exc_info, BaseException):
        return exc_info
    if not isinstance(exc_info, tuple):
        exc_info = sys.exc_info()
    return exc_info if exc_info[0] is not None else None


def _rename(name: str, record: Record) -> None:
    """loguru patcher: a record's ``name`` is its logger's name, not the caller's module."""
    record["name"] = name


class Logger:
    """A named logger with the stdlib ``logging.Logger`` calling conventions.

    Messages use %-style args (``"user %s", name``) formatted only when the record is
    written; ``exc_info``, ``stack_info``, ``stacklevel`` and ``extra`` work as in stdlib.
    Records carry the caller's module, function, file and line. A logging call never raises.
    """

    __slots__ = ("_deferred", "_level", "_loguru", "_plain", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._level = _manager.level_for(name)
        self._deferred: Deferred | None = _manager.deferred
        self._loguru: LoguruLogger = _loguru.patch(partial(_rename, name))
        self._plain = self._loguru.opt(depth=_DEPTH)

    def __repr__(self) -> str:
        return f"<alonechat Logger {self.name} (threshold {self._level})>"

    def debug(
        self,
        msg: object,
        *args: object,
        exc_info: ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        """Log ``msg % args`` at DEBUG."""
        if self._level <= DEBUG:
            self._log(DEBUG, msg, args, exc_info, stack_info, stacklevel, extra)

    def info(
        self,
        msg: object,
        *args: object,
        exc_info: ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        """Log ``msg % args`` at INFO."""
        if self._level <= INFO:
            self._log(INFO, msg, args, exc_info, stack_info, stacklevel, extra)

    def warning(
        self,
        msg: object,
        *args: object,
        exc_info: ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        """Log ``msg % args`` at WARNING."""
        if self._level <= WARNING:
            self._log(WARNING, msg, args, exc_info, stack_info, stacklevel, extra)

    warn = warning

    def error(
        self,
        msg: object,
        *args: object,
        exc_info: ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        """Log ``msg % args`` at ERROR."""
        if self._level <= ERROR:
            self._log(ERROR, msg, args, exc_info, stack_info, stacklevel, extra)

    def exception(
        self,
        msg: object,
        *args: object,
        exc_info: ExcInfo = True,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        """Log ``msg % args`` at ERROR with the exception being handled."""
        if self._level <= ERROR:
            self._log(ERROR, msg, args, exc_info, stack_info, stacklevel, extra)

    def critical(
        self,
        msg: object,
        *args: object,
        exc_info: ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        """Log ``msg % args`` at CRITICAL."""
        if self._level <= CRITICAL:
            self._log(CRITICAL, msg, args, exc_info, stack_info, stacklevel, extra)

    fatal = critical

    def log(
        self,
        level: int,
        msg: object,
        *args: object,
        exc_info: ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        """Log ``msg % args`` at the numeric ``level`` (custom levels included)."""
        if not isinstance(level, int) or isinstance(level, bool):
            warn(f"{self.name}: log() level must be an int, got {level!r}; record dropped")
        elif self._level <= level:
            self._log(level, msg, args, exc_info, stack_info, stacklevel, extra)

    def isEnabledFor(self, level: int) -> bool:
        """Whether a record at ``level`` would be written."""
        return level >= self._level

    def getEffectiveLevel(self) -> int:
        """The minimum level written for this logger (0 before the system is configured)."""
        return self._level

    def getChild(self, suffix: str) -> Logger:
        """The logger named ``<name>.<suffix>``."""
        return get_logger(f"{self.name}.{suffix}")

    def setLevel(self, level: str | int) -> None:
        """Set this logger's (and its children's) level, as a component level.

        The system's ``component_levels[name]`` becomes ``level``; sinks are kept.
        """
        _manager.set_level(self.name, level)

    def _log(
        self,
        level: int,
        msg: object,
        args: tuple[object, ...],
        exc_info: ExcInfo,
        stack_info: bool,
        stacklevel: int,
        extra: Mapping[str, object] | None,
    ) -> None:
        try:
            message = render_message(msg, args)
            depth, deferred = _DEPTH, self._deferred
            if stacklevel > 1 or stack_info or deferred is not None:
                frame = sys._getframe(2)  # the caller of the public method
                for _ in range(stacklevel - 1):  # as stdlib: stop at the outermost frame
                    if frame.f_back is None:
                        break
                    frame, depth = frame.f_back, depth + 1
                if stack_info:
                    stack = "".join(traceback.format_stack(frame)).rstrip("\n")
                    message = f"{message}\nStack (most recent call last):\n{stack}"
            exception = _exception(exc_info)
            fields = {str(key): value for key, value in extra.items()} if extra else None
            name = LEVEL_NAMES.get(level) or loguru_level(level, logging.getLevelName(level))
            if deferred is not None:
                caller = Caller.of_frame(frame)
                fields = snapshot(fields)
                deferred.put(self._write_later, caller, exception, fields, name, message)
                return
            target = self._plain
            if exception is not None or depth != _DEPTH:
                target = self._loguru.opt(depth=depth, exception=exception)
            if fields:
                target = target.bind(**fields)
            target.log(name, message)
        except Exception as exc:
            warn(f"{self.name}: a logging call failed and was dropped: {exc!r}")

    def _write_later(
        self,
        caller: Caller,
        exception: BaseException | tuple[Any, Any, Any] | None,
        fields: dict[str, object] | None,
        level: str | int,
        message: str,
    ) -> None:
        """Write a deferred record (on the writer thread) as logged by ``caller``."""
        target = self._loguru.patch(caller.apply).opt(exception=exception)
        if fields:
            target = target.bind(**fields)
        target.log(level, message)


def as_logger(logger: Logger | str | None, default: str) -> Logger:
    """``logger`` itself, the logger of that name, or the logger named ``default``."""
    return logger if isinstance(logger, Logger) else get_logger(logger or default)


def get_logger(name: str | None = None) -> Logger:
    """The logger named ``name`` (the root logger ``"root"`` when omitted), one per name.

    A drop-in for ``logging.getLogger(name)``: use ``get_logger(__name__)`` per module.
    """
    name = name or "root"
    found = _manager.loggers.get(name)
    if not isinstance(found, Logger):
        with _manager.lock:
            found = _manager.loggers.get(name)
            if not isinstance(found, Logger):
                found = _manager.loggers[name] = Logger(name)
    return found

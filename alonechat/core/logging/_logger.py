"""get_logger: stdlib's own ``logging.Logger``, with a fast path to alonechat's sinks."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping
from typing import Any

from ._caller import SKIPPED, find_caller, stack_text
from ._intercept import RESERVED, sole_handler
from ._levels import CRITICAL, DEBUG, ERROR, INFO, WARNING


def _level_method(name: str, level: int) -> Callable[..., None]:
    """stdlib's ``Logger.<name>``, with ``isEnabledFor``'s cache read in place: a call below
    the level costs one attribute and one dictionary lookup."""

    def method(self: Logger, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.disabled:
            enabled = self._cache.get(level)
            if enabled or (enabled is None and self.isEnabledFor(level)):
                self._log(level, msg, args, **kwargs)

    method.__name__, method.__qualname__ = name, f"Logger.{name}"
    method.__doc__ = (
        f"Log ``msg % args`` at {logging.getLevelName(level)}, as stdlib's ``Logger.{name}``"
        " does, with its arguments (``exc_info``, ``stack_info``, ``stacklevel``, ``extra``)."
        " A record alonechat cannot format or write is reported on stderr, never raised; an"
        " ``extra`` key naming a LogRecord attribute raises stdlib's ``KeyError``."
    )
    return method


class Logger(logging.Logger):
    """stdlib's ``logging.Logger``; records whose only handler is alonechat's skip a step.

    Everything is stdlib's (levels and their cache, handlers, filters, ``propagate``,
    ``disabled``, ``logging.disable``, ``LoggerAdapter``, pickling). One method differs in
    how, not in what: when a record would reach no handler but alonechat's
    :class:`InterceptHandler` (no other handler up the chain, no filter on the logger or
    that handler), ``_log`` hands the call to that handler directly instead of building a
    ``LogRecord`` only that handler would read. The sinks get the same record either way.
    stdlib's route is taken whenever the difference could show: a LogRecord factory set
    with ``logging.setLogRecordFactory``, an ``extra`` key stdlib refuses (its KeyError), a
    ``stacklevel`` below 1, ``logging._srcfile`` set to None (no caller lookup), and
    subclasses of this class (which may override ``makeRecord``, ``findCaller``, ...).

    The level methods read ``isEnabledFor``'s cache in place, and ``findCaller`` skips this
    module's frames as stdlib's skips logging's (with CPython 3.11's ``stacklevel`` rule).
    """

    _cache: dict[int, bool]  # stdlib's, filled by isEnabledFor

    debug = _level_method("debug", DEBUG)
    info = _level_method("info", INFO)
    warning = _level_method("warning", WARNING)
    error = _level_method("error", ERROR)
    critical = _level_method("critical", CRITICAL)

    def _log(
        self,
        level: int,
        msg: object,
        args: Any,
        exc_info: Any = None,
        extra: Mapping[str, object] | None = None,
        stack_info: bool = False,
        stacklevel: int = 1,
    ) -> None:
        handler = sole_handler(self) if type(self) is Logger else None
        if (
            handler is None
            or level < handler.level
            or stacklevel < 1
            or (extra is not None and not RESERVED.isdisjoint(extra))
            or logging.getLogRecordFactory() is not logging.LogRecord
            or logging._srcfile is None
        ):
            super()._log(level, msg, args, exc_info, extra, stack_info, stacklevel)
        else:
            handler.emit_call(self.name, level, msg, args, exc_info, extra, stack_info, stacklevel)

    def findCaller(
        self, stack_info: bool = False, stacklevel: int = 1
    ) -> tuple[str, int, str, str | None]:
        """stdlib's ``findCaller``: logging's frames (and this module's) skipped, then
        ``stacklevel`` frames counted, as CPython 3.11 counts them on every version.

        Returns ``(pathname, lineno, function name, stack text or None)``, stdlib's tuple;
        the stack text only with ``stack_info``."""
        if stacklevel < 1:
            return super().findCaller(stack_info, stacklevel)
        frame, _ = find_caller(sys._getframe(0), stacklevel)
        code = frame.f_code
        stack = stack_text(frame) if stack_info else None
        return code.co_filename, frame.f_lineno, code.co_name, stack

    # typeshed says Self; stdlib returns whatever the manager holds under that name
    def getChild(self, suffix: str) -> logging.Logger:  # type: ignore[override]
        """The logger named ``<name>.<suffix>``, as :func:`get_logger` returns it."""
        return _adopted(super().getChild(suffix))


SKIPPED.add(Logger.findCaller.__code__.co_filename)  # this module's frames are not callers

# Loggers made from now on (libraries' included) are made as alonechat's Logger, unless the
# application chose a logger class of its own. A logger made before is adopted by get_logger.
if logging.getLoggerClass() is logging.Logger:
    logging.setLoggerClass(Logger)


def _adopted(logger: logging.Logger) -> logging.Logger:
    """``logger``, given the fast path when it is a plain ``logging.Logger`` (made before
    alonechat was imported): the class differs, the object and its state do not. The root
    logger and loggers of other classes are left as they are."""
    if type(logger) is logging.Logger:
        logger.__class__ = Logger
    return logger


def get_logger(name: str | None = None) -> logging.Logger:
    """``logging.getLogger(name)``: the same object, for every name (the root logger when
    ``name`` is omitted), whichever of the two is called first.

    A drop-in for ``logging.getLogger``: use ``get_logger(__name__)`` per module. Importing
    alonechat makes :class:`Logger` (stdlib's, plus the fast path) stdlib's logger class
    (``logging.setLoggerClass``) unless the application set one of its own; a plain
    ``logging.Logger`` made before that is returned as a :class:`Logger`, the same object.

    Raises:
        TypeError: stdlib's, for a ``name`` that is not a string.
    """
    return _adopted(logging.getLogger(name))


def as_logger(logger: logging.Logger | str | None, default: str) -> logging.Logger:
    """``logger`` itself, the logger of that name, or the logger named ``default``."""
    return logger if isinstance(logger, logging.Logger) else get_logger(logger or default)

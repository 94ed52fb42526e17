"""get_logger: stdlib's own ``logging.getLogger``, nothing added."""

from __future__ import annotations

import logging

#: The class of the loggers :func:`get_logger` returns: stdlib's ``logging.Logger`` (or the
#: class the application set with ``logging.setLoggerClass``). alonechat neither subclasses
#: nor patches it, so every tool that wraps stdlib's route (sentry-sdk's
#: ``Logger.callHandlers``, an APM agent's ``Logger.makeRecord``, OpenTelemetry's record
#: factory) sees each record as it would without alonechat.
Logger = logging.Logger


def get_logger(name: str | None = None) -> logging.Logger:
    """``logging.getLogger(name)``: the same object, for every name (the root logger when
    ``name`` is omitted).

    A drop-in for ``logging.getLogger``: use ``get_logger(__name__)`` per module. Records
    take stdlib's route (levels, filters, handlers up the ``parent`` chain) and reach
    alonechat's sinks through the one :class:`InterceptHandler` that ``configure_logging``
    puts on the root logger.

    Raises:
        TypeError: stdlib's, for a ``name`` that is not a string.
    """
    return logging.getLogger(name)


def as_logger(logger: logging.Logger | str | None, default: str) -> logging.Logger:
    """``logger`` itself, the logger of that name, or the logger named ``default``."""
    return logger if isinstance(logger, logging.Logger) else logging.getLogger(logger or default)

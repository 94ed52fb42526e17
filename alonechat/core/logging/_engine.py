"""alonechat's own loguru logger: its handlers are alonechat's sinks, and nobody else's.

alonechat's sinks are handlers of a loguru logger of its own (loguru's "independent
loggers"), not of the global ``loguru.logger``. So handlers that other code adds to
``loguru.logger`` (sentry-sdk's loguru integration, a user's ``logger.add(...)``) never see
the records of stdlib loggers, which already reach those tools through stdlib's own route;
and loguru's exit function, which removes ``loguru.logger``'s handlers (from a snapshot of
exit functions on CPython 3.14), leaves alonechat's sinks open for records logged later.
Records logged with ``loguru.logger`` directly reach alonechat's sinks through one handler
on it, :class:`~alonechat.core.logging._intercept.LoguruBridge`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loguru import logger as _global

if TYPE_CHECKING:
    from loguru import Logger


def _independent() -> Logger:
    """A loguru logger with a core (handlers, levels) of its own, made as loguru makes its
    global one (``loguru/__init__.py``), without the default stderr handler."""
    logger_class: Any = type(_global)
    core_class: Any = type(vars(_global)["_core"])
    independent: Logger = logger_class(
        core=core_class(),
        exception=None,
        depth=0,
        record=False,
        lazy=False,
        colors=False,
        raw=False,
        capture=True,
        patchers=[],
        extra={},
    )
    return independent


#: The loguru logger whose handlers are alonechat's sinks.
LOGURU = _independent()

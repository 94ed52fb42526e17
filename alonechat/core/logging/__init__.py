"""AloneChat's unified logging system: one way to log, as a thin facade over loguru.

Typical use::

    from AloneChat.core.logging import auto_configure, get_logger

    auto_configure()                 # $ALONECHAT_ENV, else development
    logger = get_logger(__name__)
    logger.info("User %s logged in from %s", username, ip_address)

``get_logger(name)`` is ``logging.getLogger(name)``: the same stdlib logger object. Every
record, from your loggers and from libraries' (uvicorn included), reaches alonechat's sinks
through one :class:`InterceptHandler` on the root logger.
"""

from __future__ import annotations

from ._config import (
    QUIET_LIBRARIES,
    LogConfig,
    create_development_config,
    create_production_config,
    create_testing_config,
)
from ._context import log_context
from ._frameworks import configure_celery_logging, gunicorn_log_config, uvicorn_log_config
from ._intercept import InterceptHandler
from ._levels import CRITICAL, DEBUG, ERROR, INFO, WARNING
from ._logger import Logger, get_logger
from ._manager import (
    ConfiguredHandler,
    LoggingManager,
    auto_configure,
    configure_logging,
    configured_handler,
    reset_logging,
    stats,
)
from ._repeats import RepeatFilter
from ._templates import DETAILED_FORMAT, SIMPLE_FORMAT

#: stdlib spelling, for code migrating from ``logging.getLogger``.
getLogger = get_logger  # noqa: N816

__all__ = [
    "CRITICAL",
    "DEBUG",
    "DETAILED_FORMAT",
    "ERROR",
    "INFO",
    "QUIET_LIBRARIES",
    "SIMPLE_FORMAT",
    "WARNING",
    "ConfiguredHandler",
    "InterceptHandler",
    "LogConfig",
    "Logger",
    "LoggingManager",
    "RepeatFilter",
    "auto_configure",
    "configure_celery_logging",
    "configure_logging",
    "configured_handler",
    "create_development_config",
    "create_production_config",
    "create_testing_config",
    "getLogger",
    "get_logger",
    "gunicorn_log_config",
    "log_context",
    "reset_logging",
    "stats",
    "uvicorn_log_config",
]

"""Routing uvicorn's loggers into the unified system."""

from __future__ import annotations

from typing import Any


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn ``log_config`` (a ``logging.config.dictConfig`` dict) that routes its loggers
    into the unified system, each line once.

    ``uvicorn.run(app, log_config=uvicorn_log_config())`` (or ``uvicorn.Config``): uvicorn
    applies it with ``dictConfig`` in every worker it starts, so its ``uvicorn``,
    ``uvicorn.error`` and ``uvicorn.access`` loggers lose their own handlers and propagate
    to the root logger, where ``configure_logging`` put the InterceptHandler (with
    ``--workers``, configure logging in the app module so that each worker does). The root
    logger's other handlers are left alone. Levels are left to uvicorn's ``log_level`` and
    alonechat's ``component_levels``. A fresh dict each call: uvicorn edits it.
    """
    uvicorn_formatter = {"()": "uvicorn.logging.DefaultFormatter"}  # for uvicorn's use_colors
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": dict(uvicorn_formatter), "access": dict(uvicorn_formatter)},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
        },
    }

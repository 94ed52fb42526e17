"""Log configs for the servers people run apps with: uvicorn's ``log_config``, gunicorn's
``logconfig_dict``."""

from __future__ import annotations

import logging
from typing import Any

from ._intercept import InterceptHandler
from ._manager import auto_configure, configured_handler


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


def gunicorn_log_config(env: str | None = None, **overrides: Any) -> dict[str, Any]:
    """gunicorn ``logconfig_dict`` (a ``logging.config.dictConfig`` dict) that configures
    alonechat as :func:`configured_handler` does (``env`` and ``overrides`` as for
    ``auto_configure``) and sends gunicorn's error and access logs into it.

    In a gunicorn config file (``gunicorn -c gunicorn.conf.py app:app``)::

        from alonechat.core.logging import gunicorn_log_config
        logconfig_dict = gunicorn_log_config("production", log_dir="/var/log/app")

    gunicorn applies it in the master, whose lines ("Booting worker", "Worker exiting")
    then reach the files too, and every worker inherits it; ``UvicornWorker`` copies the
    error and access logs' handler (alonechat's) onto ``uvicorn.error`` and
    ``uvicorn.access``, so uvicorn's lines and tracebacks arrive once as well. gunicorn's
    ``--log-level`` stays the error log's level. An app module that calls
    ``auto_configure()`` with no argument keeps this configuration. A fresh dict each call.
    """
    # the settings as one value: dictConfig takes a handler entry's "level" for itself
    handler = {"()": f"{__name__}.{_configured.__name__}", "settings": {"env": env, **overrides}}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"alonechat": handler},
        "root": {"handlers": ["alonechat"]},
        "loggers": {
            name: {"handlers": ["alonechat"], "propagate": False}
            for name in ("gunicorn.error", "gunicorn.access")
        },
    }


def configure_celery_logging(env: str | None = None, **overrides: Any) -> None:
    """Let Celery's worker and beat configure alonechat, with their ``-l/--loglevel``.

    Call it in the module that makes your Celery app. It connects a receiver to Celery's
    ``setup_logging`` signal, so the worker and beat (and each prefork child) configure
    alonechat as :func:`auto_configure` does (``env`` and ``overrides`` as there, with
    ``-l`` as ``LogConfig.level``) instead of taking the root logger over
    (``worker_hijack_root_logger``) and redirecting stdout and stderr into it. Task
    loggers (``get_task_logger``, ``get_logger(__name__)``) and Celery's own
    (``celery.app.trace``: "Task ... succeeded", "raised unexpected" with its traceback)
    then propagate to alonechat's handler. ``-f/--logfile`` is not used: alonechat writes
    its own files.

    Raises:
        ValueError, TypeError: as :func:`auto_configure`, when the worker starts.
    """
    from celery import signals  # only for the apps that use Celery

    def setup_logging(loglevel: int | str | None = None, **_: Any) -> None:
        fields = dict(overrides)
        if isinstance(loglevel, int):  # Celery's default is WARNING, as without alonechat
            fields["level"] = logging.getLevelName(loglevel)
        elif loglevel is not None:
            fields["level"] = loglevel
        auto_configure(env, **fields)

    signals.setup_logging.connect(setup_logging, weak=False)


def _configured(settings: dict[str, Any]) -> InterceptHandler:
    """``configured_handler(**settings)``: the handler factory of :func:`gunicorn_log_config`
    (``settings`` holds ``env`` and the ``auto_configure`` overrides)."""
    return configured_handler(**dict(settings))

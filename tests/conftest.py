"""Shared fixtures: every test starts from an unconfigured system in its own directory.

pytest's logging plugin puts its capture handlers on the root logger during every test phase.
``configure`` takes them off for the rest of the test (unless the test uses ``caplog``), so
that alonechat's handler is alone on the root, as in an application. ``route`` runs a test
both ways: alone, and beside a second root handler. (What only production shows, with no
pytest in the process, is tested in subprocesses: tests/core/logging/test_route.py.)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from alonechat.core.logging import LogConfig, configure_logging, reset_logging


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Run in tmp_path with no ALONECHAT_* variables; undo any configuration afterwards."""
    for key in list(os.environ):
        if key.startswith("ALONECHAT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers = root.handlers[:]
    loggers = {logger: _state(logger) for logger in _loggers()}
    yield
    reset_logging()
    for handler in handlers:  # pytest's, if configure took them off
        if handler not in root.handlers:
            root.addHandler(handler)
    assert set(root.handlers) == set(handlers), "a test left stdlib root handlers behind"
    logging.disable(logging.NOTSET)
    for logger in _loggers():  # levels, handlers, filters and flags as they were (or new)
        level, kept_handlers, filters, propagate, disabled = loggers.get(logger, _NEW)
        logger.setLevel(level)
        if logger is not root:
            logger.handlers[:] = kept_handlers
        logger.filters[:] = filters
        logger.propagate, logger.disabled = propagate, disabled


_NEW: tuple[Any, ...] = (logging.NOTSET, [], [], True, False)


def _loggers() -> list[logging.Logger]:
    found = [logging.getLogger()]
    found += [
        x for x in logging.Logger.manager.loggerDict.values() if isinstance(x, logging.Logger)
    ]
    return found


def _state(logger: logging.Logger) -> tuple[Any, ...]:
    return logger.level, logger.handlers[:], logger.filters[:], logger.propagate, logger.disabled


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path / "logs"


def detach_pytest_handlers() -> None:
    """Take pytest's handlers (capture, live logging, log file) off the root logger until
    the test ends."""
    root = logging.getLogger()
    for handler in root.handlers[:]:
        if type(handler).__module__ == "_pytest.logging":
            root.removeHandler(handler)


@pytest.fixture
def configure(request: pytest.FixtureRequest, log_dir: Path) -> Callable[..., LogConfig]:
    """configure_logging with files in tmp_path and no console unless asked."""

    def _configure(**fields: Any) -> LogConfig:
        fields.setdefault("log_dir", log_dir)
        fields.setdefault("console_output", False)
        config = configure_logging(LogConfig(**fields))
        if "caplog" not in request.fixturenames:
            detach_pytest_handlers()
        return config

    return _configure


def _add_root_handler(request: pytest.FixtureRequest, handler: logging.Handler) -> None:
    root = logging.getLogger()
    root.addHandler(handler)
    request.addfinalizer(lambda: root.removeHandler(handler))


@pytest.fixture(params=["alone", "beside"])
def route(
    request: pytest.FixtureRequest, configure: Callable[..., LogConfig]
) -> Callable[..., LogConfig]:
    """``configure``, with alonechat's handler ``alone`` on the root logger and ``beside``
    a second root handler: the files must not tell the two apart."""

    def _configure(**fields: Any) -> LogConfig:
        config = configure(**fields)
        if request.param == "beside":
            _add_root_handler(request, logging.NullHandler())
        return config

    return _configure

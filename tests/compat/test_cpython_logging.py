"""CPython's own Logger-API tests (``test.test_logging``), run with alonechat configured.

The interpreter's ``test.test_logging`` is imported, not copied. While these tests run, the
module global ``logging`` of ``test.test_logging`` is a :class:`LoggingProxy`: its
``getLogger`` is alonechat's :func:`get_logger`, and every other attribute get, set and
delete goes to the real ``logging`` module (the tests swap ``raiseExceptions``, patch
``basicConfig``, use ``logging.config`` and private helpers such as ``logging._acquireLock``).

alonechat is configured for every test (files in the test's tmp dir, no console), not once
per class: the conftest's ``_isolated`` fixture resets it after each test. CPython's
``BaseTest.setUp`` raises "Unexpected handlers" when the root logger already has handlers
(regrtest runs with none), so each test lends the root logger's handlers out: alonechat's
InterceptHandler and pytest's capture handlers are taken off before CPython's ``setUp`` and
put back after its ``tearDown``. alonechat stays configured meanwhile (its sinks, the root
level it set, its ``Logger`` class for every ``getLogger``); only its root handler is away.
stdlib's registry of handlers (``logging._handlerList``) is lent out the same way, so that
the ``logging.shutdown()`` some CPython tests run in their cleanups closes only the handlers
those tests made, not alonechat's or pytest's (a closed ``--log-file`` handler stays silent).

One harness adjustment: pytest records warnings by replacing ``warnings._showwarnmsg_impl``,
so a warning shown to an explicit file lands in pytest's list; ``WarningsTest`` checks the
file, so for it a warning with a file is written there, as stdlib writes it.
"""

from __future__ import annotations

import logging
import os
import types
import unittest
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from alonechat.core.logging import LogConfig, LoggingManager, get_logger
from alonechat.core.logging import Logger as AlonechatLogger
from tests.conftest import detach_pytest_handlers

try:
    from test import test_logging  # type: ignore[import-not-found]  # no stubs
except ImportError as exc:  # a Python installed without its test suite
    _REASON = f"CPython's test suite is not installed (from test import test_logging: {exc})"
    if os.environ.get("CI"):
        pytest.fail(f"{_REASON}; CI must run these tests", pytrace=False)
    pytest.skip(_REASON, allow_module_level=True)

#: The Logger-API classes of test.test_logging (CPython 3.11 names).
CLASSES = (
    "BuiltinLevelsTest",
    "BasicFilterTest",
    "CustomLevelsAndFiltersTest",
    "ExceptionTest",
    "LoggerAdapterTest",
    "LoggerTest",
    "ChildLoggerTest",
    "ManagerTest",
    "ModuleLevelMiscTest",
    "WarningsTest",
    "LastResortTest",
    "MemoryTest",
    "LogRecordTest",
    "BasicConfigTest",
)
#: Fewer tests than this in CLASSES means one was renamed or emptied (CPython 3.11: 83).
MINIMUM_TESTS = 80


class LoggingProxy(types.ModuleType):
    """A module that is ``real`` but for the attributes in ``overrides``: every other
    attribute get, set and delete (``__dict__`` included) goes to ``real``."""

    def __init__(self, real: types.ModuleType, overrides: dict[str, object]) -> None:
        super().__init__(real.__name__, real.__doc__)
        types.ModuleType.__setattr__(self, "_proxy_real", real)
        types.ModuleType.__setattr__(self, "_proxy_overrides", overrides)

    def __getattribute__(self, name: str) -> Any:
        overrides: dict[str, object] = types.ModuleType.__getattribute__(self, "_proxy_overrides")
        if name in overrides:
            return overrides[name]
        return getattr(_real(self), name)

    def __setattr__(self, name: str, value: object) -> None:
        setattr(_real(self), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(_real(self), name)

    def __dir__(self) -> list[str]:
        return dir(_real(self))

    def __repr__(self) -> str:
        return f"<proxy of {_real(self)!r}>"


def _real(proxy: LoggingProxy) -> types.ModuleType:
    real: types.ModuleType = types.ModuleType.__getattribute__(proxy, "_proxy_real")
    return real


@pytest.fixture(autouse=True)
def _alonechat_logging(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    configure: Callable[..., LogConfig],
) -> None:
    """alonechat configured; test_logging's ``logging.getLogger`` is ``get_logger``."""
    configure()
    monkeypatch.setattr(test_logging, "logging", LoggingProxy(logging, {"getLogger": get_logger}))
    if request.cls is not None and issubclass(request.cls, test_logging.WarningsTest):
        recorded = getattr(warnings, "_showwarnmsg_impl")  # noqa: B009 (private)
        monkeypatch.setattr(warnings, "_showwarnmsg_impl", partial(_show, recorded))


def _show(recorded: Callable[[Any], None], message: Any) -> None:
    """Write a warning shown to an explicit file there (as stdlib does); pytest records
    the others."""
    if message.file is None:
        recorded(message)
    else:
        message.file.write(getattr(warnings, "_formatwarnmsg")(message))  # noqa: B009


class _LendRootHandlers(unittest.TestCase):
    """Lends out the root logger's handlers (alonechat's, pytest's) and stdlib's registry of
    handlers (which the ``logging.shutdown`` of CPython's cleanups closes, every one) from
    before CPython's setUp until after its tearDown (or a failed setUp)."""

    def setUp(self) -> None:
        assert LoggingManager().config is not None, "alonechat is not configured"
        root = logging.getLogger()
        registry: list[Any] = logging._handlerList  # type: ignore[attr-defined]
        self.addCleanup(_give_back, root.handlers[:], registry[:])  # tearDown runs cleanups
        detach_pytest_handlers()
        for handler in root.handlers[:]:  # the rest: alonechat's InterceptHandler
            root.removeHandler(handler)
        registry.clear()
        super().setUp()


def _give_back(handlers: list[logging.Handler], registered: list[Any]) -> None:
    root = logging.getLogger()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    registry: list[Any] = logging._handlerList  # type: ignore[attr-defined]
    registry[:] = registered + [ref for ref in registry if ref not in registered]


def _adapted(name: str) -> type[unittest.TestCase]:
    """CPython's class ``name``, lending the root handlers out around each test."""
    base = getattr(test_logging, name)
    namespace = {"__module__": __name__, "__qualname__": name, "__doc__": base.__doc__}
    return type(name, (_LendRootHandlers, base), namespace)


ADAPTED = {name: _adapted(name) for name in CLASSES if hasattr(test_logging, name)}
globals().update(ADAPTED)  # pytest collects the unittest classes it finds in the module


def test_every_class_is_there_with_its_tests() -> None:
    """This CPython has every class of CLASSES, with at least MINIMUM_TESTS tests in all."""
    missing = [name for name in CLASSES if name not in ADAPTED]
    assert not missing, f"test.test_logging has no {missing} (renamed in this CPython?)"
    loader = unittest.defaultTestLoader
    count = sum(loader.loadTestsFromTestCase(cls).countTestCases() for cls in ADAPTED.values())
    assert count >= MINIMUM_TESTS


def test_test_logging_gets_loggers_from_alonechat() -> None:
    """Inside test.test_logging, ``logging.getLogger`` returns alonechat's Logger."""
    proxy = test_logging.logging
    assert isinstance(proxy, LoggingProxy)
    assert proxy.getLogger is get_logger
    assert type(proxy.getLogger("compat.proxy")) is AlonechatLogger
    assert proxy.getLogger("compat.proxy") is logging.getLogger("compat.proxy")


def test_proxy_forwards_everything_else() -> None:
    """Attribute gets, sets and deletes on the proxy reach the real logging module."""
    proxy = test_logging.logging
    assert proxy.Logger is logging.Logger
    assert proxy.__dict__ is logging.__dict__
    assert proxy.handlers is logging.handlers
    proxy.compat_probe = 1
    assert logging.compat_probe == 1  # type: ignore[attr-defined]
    del proxy.compat_probe
    assert not hasattr(logging, "compat_probe")

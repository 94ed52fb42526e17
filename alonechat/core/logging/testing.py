"""Test helpers: capture records as dicts, or hand loguru's own records to a stdlib handler.

pytest's ``caplog`` needs nothing: ``get_logger`` returns stdlib loggers, so ``caplog``
captures their records and ``caplog.set_level`` / ``caplog.at_level`` apply to them. Code
that logs with loguru directly (``from loguru import logger``) is seen by ``caplog`` through
:func:`forward_to`, from a ``conftest.py``::

    import pytest
    from alonechat.core.logging.testing import forward_to

    @pytest.fixture
    def caplog(caplog):
        with forward_to(caplog.handler):
            yield caplog
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from loguru import logger as _loguru

from ._engine import LOGURU
from ._intercept import BRIDGE
from ._json import json_line
from ._levels import level_no, parse_level

if TYPE_CHECKING:
    from loguru import Message

__all__ = ["capture_logs", "forward_to"]


@contextmanager
def forward_to(handler: logging.Handler, level: str | int = 0) -> Iterator[logging.Handler]:
    """Hand every record logged with loguru directly, at ``level`` (a name or an int) or
    above, to a stdlib ``handler`` inside the block; yields ``handler``.

    Records of stdlib loggers (``get_logger``'s included) never reach ``loguru.logger``:
    the handler, when it sits on the root logger as ``caplog.handler`` does, sees those
    already. The handler gets
    the ``logging.LogRecord`` that loguru makes for a stdlib handler sink (the message
    already formatted, loguru's ``extra`` as the record's ``extra`` attribute); when the
    block ends, loguru removes that sink and so calls ``handler.close()``.

    Raises:
        ValueError: for an invalid ``level``.
    """
    handler_id = _loguru.add(
        handler,
        level=level_no(parse_level(level, "forward_to level")),
        format="{message}",
    )
    try:
        yield handler
    finally:
        _loguru.remove(handler_id)


@contextmanager
def capture_logs(level: str | int = 0) -> Iterator[list[dict[str, Any]]]:
    """Collect the records written inside the block, at ``level`` (a name or an int) or
    above; yields the list they are appended to as they come.

    Each record is a dict with the keys of the JSON layout (``json_output``): ``time`` (ISO
    8601 text), ``level`` (its name), ``logger``, ``message``, ``module``, ``function``,
    ``line``, ``file`` (path), ``process`` (pid), ``thread`` (name), each ``extra`` field
    (``extra_<key>`` when it would overwrite one of those), and ``exc_type``,
    ``exc_message``, ``exc_traceback`` for an exception. stdlib loggers' records
    (``get_logger``'s included) reach loguru once the system is configured
    (``configure_logging``, ``auto_configure``); records logged with loguru directly are
    collected either way.

    Raises:
        ValueError: for an invalid ``level``.
    """
    records: list[dict[str, Any]] = []

    def sink(message: Message) -> None:
        records.append(json.loads(json_line(message.record)))

    handler_id = LOGURU.add(sink, level=level_no(parse_level(level, "capture_logs level")))
    BRIDGE.acquire()
    try:
        yield records
    finally:
        BRIDGE.release()
        LOGURU.remove(handler_id)

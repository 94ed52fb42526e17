"""alonechat's own loguru logger: its handlers are alonechat's sinks, and nobody else's.

alonechat's sinks are handlers of a loguru logger of its own (loguru's "independent
loggers"), not of the global ``loguru.logger``. So handlers that other code adds to
``loguru.logger`` (sentry-sdk's loguru integration, a user's ``logger.add(...)``) never see
the records of stdlib loggers, which already reach those tools through stdlib's own route;
and loguru's exit function, which removes ``loguru.logger``'s handlers (from a snapshot of
exit functions on CPython 3.14), leaves alonechat's sinks open for records logged later.
Records logged with ``loguru.logger`` directly reach alonechat's sinks through one handler
on it, :class:`~alonechat.core.logging._intercept.LoguruBridge`. A stdlib record is handed to
LOGURU's handlers by :func:`dispatch`, as loguru's own ``Logger._log`` hands its records.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone, tzinfo
from multiprocessing import current_process
from typing import TYPE_CHECKING, Any

from loguru import _recattrs
from loguru import logger as _global
from loguru._datetime import datetime as loguru_datetime
from loguru._logger import context as loguru_context
from loguru._logger import start_time as loguru_start

from ._caller import Caller

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


# --- handing a record to alonechat's loguru handlers ------------------------------------
# A stdlib record already carries what loguru's ``Logger.log`` would work out again (the
# caller, the thread, the time): alonechat builds loguru's record from it and hands it to
# LOGURU's handlers as ``Logger._log`` does, which costs about a third of going through
# ``log``. The record's shape is loguru 0.7's (pinned below 0.8); tests/core/logging/
# test_engine.py checks it against a record loguru makes itself.
_CORE: Any = vars(LOGURU)["_core"]
_RECORD: Any = _recattrs  # loguru's record attribute types (untyped)
_TIMEZONES: list[tuple[int, tzinfo]] = [(-1, timezone.utc)]  # (minute, zone) last used


def _local_time(created: float) -> datetime:
    """``created`` (a ``time.time()``) as loguru's aware local datetime; the zone (which
    changes at most every half hour) is looked up once a minute."""
    minute = int(created) // 60
    cached = _TIMEZONES[0]
    if cached[0] != minute:
        local = time.localtime(created)
        zone = timezone(timedelta(seconds=local.tm_gmtoff), local.tm_zone)
        cached = _TIMEZONES[0] = (minute, zone)  # one assignment: thread-safe
    return loguru_datetime.fromtimestamp(created, cached[1])


def dispatch(
    name: str | None,
    level: str | int,
    message: str,
    exception: Any,
    fields: dict[str, object] | None,
    caller: Caller,
    marks: dict[str, object],
) -> None:
    """Hand one record to alonechat's loguru handlers, as loguru's ``Logger._log`` does.

    ``name`` is the logger's (None as loguru has it for code without ``__name__``);
    ``level`` is a loguru level name or number; ``exception`` an ``exc_info`` triple or
    None; ``fields`` go to ``extra`` over the ``log_context`` fields; ``marks`` are extra
    top-level keys for alonechat's handlers. Raises what a handler raises (loguru's own
    handlers catch their sinks' errors).
    """
    core = _CORE
    try:
        level_id, level_name, level_no, level_icon = core.levels_lookup[level]
    except KeyError:  # a number loguru has no name for: "Level 25", as loguru shows it
        level_id, level_name, level_no, level_icon = None, f"Level {level}", level, " "
    if level_no < core.min_level:
        return
    when = _local_time(caller.created)
    process = current_process()
    extra = {**core.extra, **loguru_context.get()}
    if fields:
        extra.update(fields)
    record = {
        "elapsed": when - loguru_start,
        "exception": _RECORD.RecordException(*exception) if exception is not None else None,
        "extra": extra,
        "file": _RECORD.RecordFile(caller.file_name, caller.path),
        "function": caller.function,
        "level": _RECORD.RecordLevel(level_name, level_no, level_icon),
        "line": caller.line,
        "message": message,
        "module": caller.module,
        "name": name,
        "process": _RECORD.RecordProcess(process.ident, process.name),
        "thread": _RECORD.RecordThread(caller.thread_id, caller.thread_name),
        "time": when,
        **marks,
    }
    for handler in core.handlers.values():
        handler.emit(record, level_id, False, False, None)

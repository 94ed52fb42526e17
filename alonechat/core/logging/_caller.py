"""Where a record was logged: the caller's frame on this stack, or the caller a LogRecord
carries, to apply to the loguru record later."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

# Where above InterceptHandler.emit the code that logged a record is searched, in order:
# Handler.handle, Logger.callHandlers, Logger.handle, Logger._log and a level method stand
# between (6); ``exception()``, a wrapper (sentry-sdk's callHandlers), LoggerAdapter and
# ``stacklevel`` put it further up.
_SEARCH = range(6, 16)


def depth_of(record: logging.LogRecord) -> int | None:
    """How many frames above the caller of this function (``InterceptHandler.emit``) the
    code that logged ``record`` runs, if it is on this stack (it is not when the record
    comes from a queue).

    The search starts where stdlib's route usually puts that code (see ``_SEARCH``) and
    reads frames with ``sys._getframe``: a frame looked at becomes an object that its
    function then pays for on return (CPython 3.11+), so as few as possible are read.
    """
    for depth in _SEARCH:
        try:
            frame = sys._getframe(depth + 1)  # + 1: this function's own frame
        except ValueError:  # the stack is not that deep
            return None
        if frame.f_lineno == record.lineno and frame.f_code.co_filename == record.pathname:
            return depth
    return None


@dataclass(frozen=True)
class Caller:
    """The code, thread and moment a record belongs to."""

    path: str
    line: int
    function: str
    thread_id: int | None
    thread_name: str | None
    created: float | None

    @classmethod
    def of_frame(cls, frame: FrameType) -> Caller:
        """The caller running ``frame``, now, in this thread."""
        code = frame.f_code
        thread = threading.current_thread()
        return cls(code.co_filename, frame.f_lineno, code.co_name, thread.ident, thread.name,
                   time.time())  # fmt: skip

    @classmethod
    def of_record(cls, record: logging.LogRecord) -> Caller:
        """The caller a stdlib LogRecord carries."""
        return cls(record.pathname, record.lineno, record.funcName, record.thread,
                   record.threadName, record.created)  # fmt: skip

    def apply(self, record: Any) -> None:
        """loguru patcher: give the record this caller's file, line, function, thread, time."""
        name = os.path.basename(self.path)
        record["file"] = type(record["file"])(name, self.path)
        record["module"] = os.path.splitext(name)[0]
        record["function"], record["line"] = self.function, self.line
        if self.thread_id is not None:
            record["thread"] = type(record["thread"])(self.thread_id, self.thread_name)
        if self.created is not None:
            now = record["time"]
            then = type(now).fromtimestamp(self.created, now.tzinfo)
            record["elapsed"] -= now - then
            record["time"] = then

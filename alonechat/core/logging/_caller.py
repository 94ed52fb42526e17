"""Where a record was logged: finding the caller on the stack as stdlib does, and capturing
it at the call to apply to the loguru record later."""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from types import FrameType
from typing import Any

_LOGGING_FILE = logging.Logger.findCaller.__code__.co_filename
#: Files whose frames are never the caller: logging's, as in stdlib, and alonechat's Logger
#: module (which adds itself).
SKIPPED = {_LOGGING_FILE}
# Where above InterceptHandler.emit the code that logged a record is searched, in order:
# Handler.handle, Logger.callHandlers, Logger.handle, Logger._log, alonechat's Logger._log
# and a level method stand between (7); without alonechat's Logger._log (a plain logger), 6;
# LoggerAdapter and stacklevel put it further up.
_SEARCH: tuple[int, ...] = (7, 6, *range(8, 16))


def _is_internal(filename: str) -> bool:
    """stdlib's rule for the frames ``findCaller`` skips (logging's own and importlib's),
    alonechat's Logger's included."""
    return filename in SKIPPED or ("importlib" in filename and "_bootstrap" in filename)


def find_caller(start: FrameType, stacklevel: int) -> tuple[FrameType, int]:
    """The frame stdlib's ``Logger.findCaller`` (3.11+) reports when called from ``start``
    with ``stacklevel`` (>= 1), and how many frames above ``start`` it is."""
    if stacklevel == 1:  # the usual case: a level method called by your code
        method = start.f_back
        if method is not None and method.f_code.co_filename in SKIPPED:
            caller = method.f_back
            if caller is not None and not _is_internal(caller.f_code.co_filename):
                return caller, 2
    frame, steps = start, 0
    while stacklevel > 0:
        outer = frame.f_back
        if outer is None:  # as stdlib: the outermost frame
            break
        frame, steps = outer, steps + 1
        if not _is_internal(frame.f_code.co_filename):
            stacklevel -= 1
    return frame, steps


def stack_text(frame: FrameType) -> str:
    """The ``stack_info`` text stdlib's ``findCaller`` makes for ``frame``."""
    with io.StringIO() as text:
        text.write("Stack (most recent call last):\n")
        traceback.print_stack(frame, file=text)
        return text.getvalue().removesuffix("\n")


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

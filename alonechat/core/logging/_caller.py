"""Where a record was logged, captured at the call and applied to the loguru record later."""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any


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

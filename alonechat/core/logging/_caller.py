"""Where a record was logged: the code, thread and moment a record belongs to, kept until
its loguru record is made (after a queue, on the writer thread)."""

from __future__ import annotations

import logging
from typing import NamedTuple


class Caller(NamedTuple):
    """The code, thread and moment a record belongs to (a tuple: cheap to make)."""

    path: str
    file_name: str
    module: str
    line: int
    function: str
    thread_id: int | None
    thread_name: str | None
    created: float  # time.time()

    @classmethod
    def of_record(cls, record: logging.LogRecord) -> Caller:
        """The caller a stdlib LogRecord carries."""
        return cls(record.pathname, record.filename, record.module, record.lineno,
                   record.funcName, record.thread, record.threadName, record.created)  # fmt: skip

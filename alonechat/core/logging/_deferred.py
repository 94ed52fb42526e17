"""Deferred logging (``LogConfig.enqueue``): the caller hands the record over, a thread writes it.

The caller only captures what the record needs (message, level, caller, time, thread, the
``contextvars`` context) and puts it on a queue; formatting and writing happen on the
background thread. Nothing is pickled. ``flush`` waits (boundedly) for everything queued so
far; after ``fork()`` the child starts with an empty queue and its own thread, so it neither
deadlocks on the parent's queue nor writes the parent's records twice.
"""

from __future__ import annotations

import atexit
import contextvars
import copy
import multiprocessing.util
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from ._formatting import safe_repr
from ._report import warn

# While callers keep logging and fewer than _BACKLOG records wait, the writer yields the
# interpreter (GIL) to them for _YIELD seconds after every _BATCH records: a burst costs its
# callers little and is written out in the pauses; a bigger backlog, or a flush with no
# caller logging, is written without pauses.
_BATCH, _BACKLOG, _YIELD = 32, 20_000, 0.002
_Item = tuple[contextvars.Context | None, Callable[..., object], tuple[Any, ...]]
_INSTANCES: weakref.WeakSet[Deferred] = weakref.WeakSet()
_CONTAINERS = (dict, list, set, bytearray)


class Deferred:
    """A queue of logging calls run, in order, by one daemon thread.

    Args:
        timeout: The longest ``flush`` waits, so that a stuck sink cannot hang shutdown.
    """

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self._start_lock = threading.Lock()
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._puts = 0
        self._written = 0
        self._closed = False
        _INSTANCES.add(self)

    def put(self, function: Callable[..., object], *args: Any) -> None:
        """Run ``function(*args)`` on the writer thread, in the caller's context (right
        here once the writer is closed, e.g. from an ``atexit`` function that runs later)."""
        if self._closed:
            function(*args)
            return
        self._queue.put((contextvars.copy_context(), function, args))
        self._puts += 1  # approximate under threads; only tells the writer callers are busy
        if self._thread is None:
            self._start()

    def flush(self) -> bool:
        """Wait until everything put so far has run; give up (False) only when the writer
        makes no progress for ``timeout`` seconds, so a long queue is still written."""
        if self._thread is None or not self._thread.is_alive():
            return True
        done = threading.Event()
        self._queue.put((None, done.set, ()))
        written = -1
        while not done.wait(self.timeout):
            if self._written == written:
                warn(f"gave up waiting for queued records after {self.timeout:g}s without progress")
                return False
            written = self._written
        return True

    def close(self) -> None:
        """Flush, then end the writer thread; later records are written by their callers."""
        atexit.unregister(self.close)
        self._closed = True
        if self.flush() and self._thread is not None:
            self._queue.put(None)
            self._thread.join(self.timeout)
        self._thread = None

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="alonechat-writer", daemon=True)
                thread.start()
                self._thread = thread
                atexit.register(self.close)
                # a multiprocessing child ends with os._exit: its finalizers still run
                multiprocessing.util.Finalize(self, self.close, exitpriority=10)

    def _run(self) -> None:
        written, seen = 0, self._puts
        while (item := self._queue.get()) is not None:
            written += 1
            if written % _BATCH == 0:
                busy, seen = self._puts != seen, self._puts
                if busy and self._queue.qsize() < _BACKLOG:
                    time.sleep(_YIELD)  # callers are logging: they go first
            context, function, args = item
            try:
                if context is None:
                    function(*args)
                else:
                    context.run(function, *args)
                self._written += 1
            except Exception as exc:  # the writer must outlive any one record
                warn(f"a queued record could not be written: {exc!r}")

    def _after_fork_in_child(self) -> None:
        self._closed = False
        self._start_lock = threading.Lock()
        self._queue = queue.SimpleQueue()
        self._thread = None


def snapshot(fields: dict[str, object] | None) -> dict[str, object] | None:
    """``fields`` as they are now: containers are copied (deeply), so that a record written
    later shows the values of the call, as loguru's own ``enqueue`` (which pickles) does; a
    value that cannot be copied is written as its ``repr`` of now."""
    if not fields or not any(isinstance(v, _CONTAINERS) for v in fields.values()):
        return fields
    copied: dict[str, object] = {}
    for key, value in fields.items():
        try:
            copied[key] = copy.deepcopy(value) if isinstance(value, _CONTAINERS) else value
        except Exception:
            copied[key] = safe_repr(value)
    return copied


def _reinit_after_fork() -> None:
    for deferred in list(_INSTANCES):
        deferred._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_after_fork)

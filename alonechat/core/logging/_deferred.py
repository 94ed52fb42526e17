"""Deferred logging (``LogConfig.enqueue``): the caller hands the record over, a thread writes it.

The caller only captures what the record needs (message, level, caller, time, thread, the
``contextvars`` context) and puts it on a queue; formatting and writing happen on the
background thread. Nothing is pickled. ``flush`` waits (boundedly) for everything queued so
far; after ``fork()`` the child writes its own records as it logs them (no queue, no
thread): it neither deadlocks on the parent's queue nor writes the parent's records twice,
and a child that ends with ``os._exit`` loses nothing.
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

from ._report import Losses, warn
from ._sinks import batch
from ._text import safe_repr

# The writer takes up to _BATCH queued calls at a time and writes their records with one
# system call per file (each call would let the logging threads take the interpreter's GIL
# and wait for it back). While callers keep logging and the queue is less than half full,
# it then yields the GIL to them for _YIELD seconds: a burst costs its callers little and
# is written out in the pauses; a fuller queue, or a flush with no caller logging, is
# written without pauses. A caller waiting for room polls every _POLL seconds.
_BATCH, _YIELD, _POLL = 256, 0.002, 0.001
_Item = tuple[contextvars.Context | None, Callable[..., object], tuple[Any, ...]]
_INSTANCES: weakref.WeakSet[Deferred] = weakref.WeakSet()
_CONTAINERS = (dict, list, set, bytearray)


class Deferred:
    """A bounded queue of logging calls run, in order, by one daemon thread.

    Args:
        size: The most calls waiting; see :meth:`put` for a call that finds the queue full.
        full: ``"block"``: such a call waits for room; ``"drop"``: it is dropped.
        timeout: Seconds. The longest :meth:`flush` waits, and the longest a blocked call
            waits while the writer makes no progress (a stuck sink), so that neither
            shutdown nor the application can hang on the queue.
    """

    def __init__(self, size: int = 10_000, full: str = "block", timeout: float = 5.0) -> None:
        self.size, self.full, self.timeout = size, full, timeout
        #: Calls dropped because the queue was full, since this writer was made.
        self.losses = Losses()
        # re-entrant: a signal handler that logs may run while this thread holds one
        self._start_lock = threading.RLock()
        self._drop_lock = threading.RLock()
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._ident: int | None = None  # the writer thread's
        self._puts = 0
        # Calls accepted (under _put_lock) and calls the writer started: their difference is
        # the calls waiting, whether in the queue or in the writer's batch (CPython 3.13's
        # SimpleQueue hands an item straight to a waiting thread, where qsize() no longer
        # counts it).
        self._put_lock = threading.RLock()  # a signal handler may log inside
        self._accepted = 0
        self._started = 0
        self._closed = False
        self._stalled = False  # a blocked call gave up: the writer made no progress
        _INSTANCES.add(self)

    @property
    def queued(self) -> int:
        """Calls waiting now: put, not yet started by the writer (exact at any moment; a
        flush marker counts until it is reached)."""
        return self._accepted - self._started

    def put(self, function: Callable[..., object], *args: Any) -> None:
        """Run ``function(*args)`` on the writer thread, in the caller's context (right
        here once the writer is closed, e.g. from an ``atexit`` function that runs later).

        When ``size`` calls wait already, a call waits for room (``"block"``) or is dropped
        (``"drop"``); a blocked call is dropped too once the writer has made no progress
        for ``timeout`` seconds. Drops are counted in ``losses`` and reported on stderr:
        one line when they start, one with their number when the queue is half empty
        again (or at exit).
        """
        if self._closed:
            function(*args)
            return
        item = (contextvars.copy_context(), function, args)
        while not self._accept(item):
            if self._closed:  # closed while this call waited: written here
                function(*args)
                return
            if not self._room():
                self._drop()
                time.sleep(0)  # let the writer have the interpreter (GIL): it is behind
                return
        self._puts += 1  # approximate under threads; only tells the writer callers are busy
        if self._thread is None:
            self._start()

    def _accept(self, item: _Item, bounded: bool = True) -> bool:
        """Queue ``item`` if fewer than ``size`` calls wait, or when not ``bounded`` (a flush
        marker), or for the writer thread itself (a sink that logs never waits for itself)."""
        with self._put_lock:
            if bounded and self.queued >= self.size and threading.get_ident() != self._ident:
                return False
            self._accepted += 1
            self._queue.put(item)
            return True

    def flush(self) -> bool:
        """Wait until everything put so far has run, at most ``timeout`` seconds; False
        (with a warning) when it has not all run by then. Calls put meanwhile are not
        waited for, so callers that keep logging cannot prolong it."""
        if self._thread is None or not self._thread.is_alive():
            return True
        done = threading.Event()
        self._accept((None, done.set, ()), bounded=False)
        if done.wait(self.timeout):
            return True
        warn(
            f"gave up waiting for queued records after {self.timeout:g}s; about "
            f"{self.queued} were not written yet"
        )
        return False

    def close(self) -> None:
        """Flush, then end the writer thread; later records are written by their callers."""
        atexit.unregister(self.close)
        flushed = self.flush()
        self._closed = True
        self._report_drops("the log queue is closed")
        if flushed and self._thread is not None:
            self._queue.put(None)
            self._thread.join(self.timeout)
        self._thread = None

    def _room(self) -> bool:
        """Whether a call that found the queue full may put its record (after waiting
        for room when the policy is ``"block"``)."""
        if self._closed:
            return True
        if self.full == "drop" or self._stalled:
            return False
        started, since = self._started, time.monotonic()
        while self.queued >= self.size and not self._closed:
            time.sleep(_POLL)
            if self._started != started:  # the writer got on to another call
                started, since = self._started, time.monotonic()
            elif time.monotonic() - since >= self.timeout:
                self._stalled = True
                return False
        return True

    def _drop(self) -> None:
        why = (
            f"the writer made no progress for {self.timeout:g}s"
            if self._stalled
            else 'LogConfig.queue_full="drop"'
        )
        with self._drop_lock:
            self.losses.lost(
                1,
                f"the log queue is full ({self.size} records; {why}): records are dropped "
                "until there is room",
            )

    def _report_drops(self, now: str) -> None:
        """End a run of drops with a line saying how many there were."""
        with self._drop_lock:
            self.losses.ended(now)

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="alonechat-writer", daemon=True)
                self._thread = thread  # first: a call logged meanwhile starts no second one
                thread.start()
                atexit.register(self.close)
                # a multiprocessing child ends with os._exit: its finalizers still run
                multiprocessing.util.Finalize(self, self.close, exitpriority=10)

    def _run(self) -> None:
        self._ident = threading.get_ident()
        seen = self._puts
        while (items := self._take()) is not None:
            done = []  # flush markers: run once the batch before them is written
            with batch():
                for context, function, args in items:
                    self._started += 1  # only this thread writes it
                    if context is None:
                        done.append(function)
                        continue
                    try:
                        context.run(function, *args)
                    except Exception as exc:  # the writer must outlive any one record
                        warn(f"a queued record could not be written: {exc!r}")
            self._stalled = False
            if self.losses.ongoing and self.queued <= self.size // 2:
                self._report_drops("the log queue has room again")
            for function in done:
                function()
            busy, seen = self._puts != seen, self._puts
            if busy and self.queued < self.size // 2:
                time.sleep(_YIELD)  # callers are logging: they go first
        self._ident = None

    def _take(self) -> list[_Item] | None:
        """The next batch: what is queued, up to _BATCH calls (waiting for the first);
        None once the queue is closed."""
        item = self._queue.get()
        items: list[_Item] = []
        while item is not None:
            items.append(item)
            if len(items) == _BATCH:
                return items
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return items
        if items:  # the end mark comes after them: write them, then come back for it
            self._queue.put(None)
            return items
        return None

    def _after_fork_in_child(self) -> None:
        # The child writes its records itself: a child of a raw os.fork() (a prefork server,
        # billiard) often ends with os._exit, which no thread's queue would survive.
        self._closed, self._stalled = True, False
        self._start_lock, self._drop_lock = threading.RLock(), threading.RLock()
        self._queue = queue.SimpleQueue()
        self._put_lock = threading.RLock()  # a signal handler may log inside
        self._accepted = self._started = 0
        self._thread = self._ident = None
        self.losses.ongoing = False


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

"""What the syslog transports share: a connection to one server that never stalls the
application.

Connecting again after a failure happens on a daemon thread, after a backoff doubling from
0.1 s up to 5 s. While the server is unreachable (an outage) one warning says so; other
trouble is reported once a minute at most per kind; every message that cannot be sent is
counted in ``losses``. A transport whose thread runs is stopped at exit, in a
``multiprocessing`` child too (which ends with ``os._exit``, without ``atexit``); a forked
child starts with a thread, counts and warnings of its own. How messages go is each transport's:
``_syslog_datagram`` (UDP, unix sockets), ``_syslog_tcp``.
"""

from __future__ import annotations

import contextlib
import multiprocessing.util
import os
import socket
import threading
import time
import weakref

from ._report import Losses, warn

BACKOFF = (0.1, 5.0)  # seconds between reconnection attempts: doubling from, up to
CONNECT_TIMEOUT = 2.0  # seconds
#: Why a message that comes after ``stop`` is dropped.
STOPPED = "the sink is stopped (reconfigured, or at exit)"
_STOP_TIMEOUT = 2.0  # seconds ``stop`` gives the thread to send what is queued
_WARN_EVERY = 60.0  # seconds between two warnings of one kind
_INSTANCES: weakref.WeakSet[Transport] = weakref.WeakSet()


class Transport:
    """Sends syslog frames to the server at ``address`` (as configured; it names the server
    in warnings). A daemon thread, started by the first message that needs it, connects
    again (``_work``); ``_lock`` guards the socket (connecting, sending a batch).

    A transport defines ``send``, ``_open`` and ``_outage_policy``.
    """

    #: What happens to messages while the server is unreachable (ends the outage warning).
    _outage_policy: str

    def __init__(self, address: str) -> None:
        self.address = address
        self._wake = threading.Event()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # guards the socket: connecting, sending a batch
        self._reset()
        self._closed = False
        self._finalizer: multiprocessing.util.Finalize | None = None
        _INSTANCES.add(self)

    def _reset(self) -> None:
        """The state a new transport starts with, and a forked child again."""
        self._retry_at = 0.0
        self._backoff = BACKOFF[0]
        #: Messages that could not be sent (in this process).
        self.losses = Losses("message")
        self._outage: str | None = None  # why the server is unreachable, while it is
        self._warned: dict[str, float] = {}  # kind of trouble -> when it was reported

    def send(self, frame: bytes) -> None:
        """Send ``frame`` (one syslog message) or queue it; a frame that cannot be is counted
        and dropped. May raise: the sink then drops the message as an error."""
        raise NotImplementedError

    def _open(self) -> socket.socket:
        """A new socket connected to the server, ready to send on.

        Raises:
            OSError, UnicodeError: the server cannot be reached (or its name looked up).
        """
        raise NotImplementedError

    def wait(self, timeout: float = 2.0) -> bool:
        """Wait until every queued message is sent; give up after ``timeout`` seconds or at
        once while the server is unreachable. Returns whether all were sent."""
        deadline = time.monotonic() + timeout
        while self._busy():
            if self._outage is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True

    def stop(self) -> None:
        """Send what is queued and close, within about 3 s; idempotent. Later messages are
        dropped (with one warning)."""
        if self._closed:
            return
        if self._finalizer is not None:  # it holds this transport: let it go
            self._finalizer.cancel()
        deadline = time.monotonic() + _STOP_TIMEOUT
        self.wait(_STOP_TIMEOUT)
        self._closed = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
            sock = self._socket
            if thread.is_alive() and sock is not None:  # stuck in sendall: break it
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                thread.join(0.5)
        locked = self._lock.acquire(timeout=0.5)
        try:
            self._give_up()
            if locked:
                self._disconnect()
        finally:
            if locked:
                self._lock.release()

    def _busy(self) -> bool:
        """Whether the thread has work in hand (connecting; TCP: frames wait too)."""
        return self._lock.locked()

    def _give_up(self) -> None:
        """At ``stop``, once the thread is done or given up on: what is still queued is lost
        (nothing is, here)."""

    def _kick(self) -> None:
        """Get the thread to connect and send (none once the transport is stopped)."""
        if self._closed:
            return
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="alonechat-syslog", daemon=True
                    )
                    self._thread.start()
                    # a multiprocessing child ends with os._exit (no atexit): send the rest
                    # there too, after the enqueue writer's queue (its exitpriority is 10)
                    self._finalizer = multiprocessing.util.Finalize(self, self.stop, exitpriority=5)
        elif not self._wake.is_set():
            self._wake.set()

    def _run(self) -> None:
        delay: float | None = 0.0  # there is work already
        while not self._closed:
            self._wake.wait(delay)
            self._wake.clear()
            if self._closed:
                return
            try:
                with self._lock:
                    delay = self._work()
            except Exception as exc:  # the sender must outlive any one failure
                if not self._closed:
                    warn(f"syslog: sending to {self.address} failed: {exc!r}")
                delay = BACKOFF[1]

    def _work(self) -> float | None:
        """One round of the thread (the lock is held): ``_reconnect``. Returns the seconds
        to wait before the next round, None to wait for a kick."""
        return self._reconnect()

    def _reconnect(self) -> float | None:
        """Connect if not connected and the backoff allows (the lock is held); returns the
        seconds until the next attempt, None once connected."""
        while self._socket is None:
            now = time.monotonic()
            if now < self._retry_at:
                return self._retry_at - now
            self._connect()
        return None

    def _connect(self) -> None:
        try:
            sock = self._open()
        except (OSError, UnicodeError) as exc:
            self._unreachable(exc)
            return
        if self._closed:  # stopped while connecting
            sock.close()
            return
        self._connected()
        self._socket = sock

    def _connected(self) -> None:
        """The server took a connection (which alone does not end an outage)."""

    def _disconnect(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _unreachable(self, exc: Exception) -> None:
        """An attempt failed: the next one after the backoff (which doubles). The first of
        an outage is reported; the outage lasts until ``_reachable``."""
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, BACKOFF[1])
        if self._outage is None:
            self._outage = str(exc)
            if self._closed:
                return
            self._warn_outage(exc)

    def _reachable(self) -> None:
        """The outage is over: the backoff starts again from its shortest."""
        self._outage, self._backoff = None, BACKOFF[0]

    def _warn_outage(self, exc: Exception) -> None:
        self._warn(
            "outage", f"syslog server {self.address} unreachable ({exc}); {self._outage_policy}"
        )

    def drop(self, kind: str, reason: str) -> None:
        """Count a message dropped, and report ``reason`` (one warning a minute at most per
        ``kind`` of trouble)."""
        self._lost()
        self._warn(kind, f"syslog: dropping messages for {self.address}: {reason}")

    def _lost(self) -> None:
        """Count a message that could not be sent (the warnings are ``_warn``'s)."""
        self.losses.lost(1, None)

    def _warn(self, kind: str, message: str) -> None:
        """Report a kind of trouble once a minute at most."""
        now, last = time.monotonic(), self._warned.get(kind)
        if last is None or now - last > _WARN_EVERY:
            self._warned[kind] = now
            warn(message)

    def _after_fork_in_child(self) -> None:
        """The parent's thread and lock are not the child's; nor are its counts."""
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self._reset()


def _reinit_after_fork() -> None:
    for transport in list(_INSTANCES):
        transport._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_after_fork)

"""Sinks, what loguru writes to: rotating log files (and their directory), and streams
(stderr, stdout, a syslog sink) whose lost records are counted.

loguru formats and dispatches every record; these objects are what it writes to (loguru
accepts any object with a ``write`` method). loguru's own file sink names backups with
timestamps and cannot be shared between handlers or processes, so the files are written
here: one :class:`RotatingFile` per path, shared by every handler writing that path.
"""

from __future__ import annotations

import collections
import contextlib
import errno

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from ._backups import (
    COMPRESSOR,
    Lifecycle,
    clean_up,
    interprocess_lock,
    next_rotation,
    period_start,
    repair,
    shift,
)
from ._report import Losses, warn

#: Seconds between checks that the open file is still the one at its path.
WATCH_INTERVAL = 1.0
#: Records between checks that the open file was not deleted (see RotatingFile._verify).
VERIFY_EVERY = 32
#: Key of the tuple, on a loguru record, of the paths (and streams) that have written it.
WRITTEN = "_alonechat_written"
MAIN_LOG = "alonechat.log"
ERROR_LOG = "alonechat_errors.log"
# A log file is never opened through a symbolic link: in a shared directory, one planted in
# its place would send the records (and the log's writes) to a file of the planter's choice.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
#: Written after a record that a failed write cut short (a full disk), before the next record
#: (or the rotation) when nothing was written after it: the fragment and this mark make one
#: line, which no layout parses (JSON files stay one object per line but for it).
CUT_MARK = b" [alonechat: the rest of this record could not be written]\n"


class _CutError(OSError):
    """A write that failed after ``whole`` of its records had reached the file; ``done``:
    the index, in the records being written, of the first record not written whole."""

    def __init__(self, exc: OSError, whole: int) -> None:
        super().__init__(exc.errno, exc.strerror)
        self.whole = whole
        self.done: int | None = None


class Writable(Protocol):
    """Anything a record can be written to."""

    def write(self, message: str) -> Any: ...


def ensure_directory(path: str | os.PathLike[str], mode: int) -> Path:
    """Create ``path`` and missing parents with ``mode`` (not subject to the umask).

    Raises:
        OSError: when the directory cannot be created or is not writable.
    """
    directory = Path(path).absolute()
    missing = [p for p in (directory, *directory.parents) if not p.exists()]
    directory.mkdir(mode=mode, parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, mode)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(f"directory is not writable: {directory}")
    return directory


class RotatingFile:
    """A log file that rotates by size to ``path.1`` (newest) .. ``path.N``.

    Each record is one ``write`` on a file opened with ``O_APPEND`` (in a :func:`batch`,
    the records that fit before the next rotation are one ``write``). A file rotates before a
    record would push it past ``max_bytes`` (a larger record goes alone into a file), so no
    record is split between files; the oldest backup is dropped; with ``backup_count`` 0 the
    full file is discarded. New files get ``file_mode`` whatever the umask.

    Several processes may write one path (``uvicorn --workers``): the size is read from the
    file itself, and rotating takes an ``flock`` on ``.<name>.lock`` beside the file; a
    process that finds the file already rotated by another one reopens the new file instead
    of rotating again, so no backup is overwritten and no record lost.

    When a write fails (a full disk, a deleted directory), one warning goes to stderr, the
    record is dropped, and the next record tries again (reopening the file): the application
    is never interrupted. Only records not written whole are counted as dropped; one that
    the failure cut in the middle is ended with CUT_MARK by the next write that works (or
    the rotation), so that it is one malformed line and the next record starts its own.
    When rotating fails (the lock file cannot be made, no descriptor
    left, renames refused), one warning goes to stderr and the file grows past
    ``max_bytes``: the record is written, not dropped. A file deleted (or in a deleted
    directory) is noticed within ``VERIFY_EVERY`` records and replaced by a new file at
    ``path``, into which the records written since the last check are written again: none
    is lost with the deleted file. A file renamed away by another program (logrotate) is
    noticed within ``WATCH_INTERVAL`` seconds (the records meanwhile are in the renamed
    file: none is lost either).
    """

    encoding = "utf-8"  # tells loguru which characters tracebacks may use

    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int,
        clock: Callable[[], float] = time.time,
        **lifecycle: Any,
    ) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        _FILES.add(self)
        self._fd: int | None = None
        self._clock = clock
        self._rotate_after: float | None = None  # when the current period ends (clock time)
        #: Records that could not be written, since the file was opened.
        self.losses = Losses()
        self._cannot_rotate = False
        self._checked = 0.0  # when the path was last compared with the open file
        self._unverified: list[bytes] = []  # written since the file was last verified
        self._torn_at: int | None = None  # the end of a record cut short, if the file ends so
        # records handed over by threads that found another one writing (see write_records)
        self._waiting: collections.deque[bytes] = collections.deque()
        self.configure(max_bytes=max_bytes, **lifecycle)
        with self._lock:
            self._open()  # a bad path fails now, at configuration time
        if self.lifecycle.compress:
            repair(self.path)  # a temporary file a crash or a failed compression left

    def configure(self, *, max_bytes: int, **lifecycle: Any) -> None:
        """Change the rotation settings of an open file: ``max_bytes`` and the
        :class:`~._backups.Lifecycle` fields (``backup_count``, ``file_mode``,
        ``rotate_at``, ``utc``, ``compress``, ``retention_days``, ``max_total_bytes``)."""
        with self._lock:
            self.max_bytes = max_bytes
            self.lifecycle = Lifecycle(**lifecycle)
            if self._fd is not None:
                self._rotate_after = self._first_rotation()
        self.write_records(())  # what threads left meanwhile (see write_records)

    def _next_rotation(self) -> float | None:
        """When the period that contains now ends, or None without ``rotate_at``."""
        rotate_at = self.lifecycle.rotate_at
        if rotate_at is None:
            return None
        return next_rotation(self._clock(), rotate_at, self.lifecycle.utc)

    def _first_rotation(self) -> float | None:
        """When the file just opened rotates: at the end of this period, or at once if it
        holds records from an earlier period (its last write was before this one began)."""
        rotate_at = self.lifecycle.rotate_at
        if rotate_at is None:
            return None
        assert self._fd is not None
        now = self._clock()
        status = os.fstat(self._fd)
        if status.st_size and status.st_mtime < period_start(now, rotate_at, self.lifecycle.utc):
            return now
        return next_rotation(now, rotate_at, self.lifecycle.utc)

    def write(self, message: str) -> None:
        """Append one formatted record (and note on a loguru record that it was written).
        Inside :func:`batch`, the record is held and written when the batch ends."""
        data = message.encode("utf-8", "backslashreplace")
        record = getattr(message, "record", None)
        if record is not None:
            record[WRITTEN] = (*record.get(WRITTEN, ()), self.path)
        held = _HELD.records
        if held is not None:
            held.setdefault(self, []).append(data)
            return
        self.write_records((data,))

    def write_records(self, records: Sequence[bytes]) -> None:
        """Append encoded records, each ending in a newline, in as few ``write`` calls as
        rotation allows. Records that cannot be written are counted in ``losses``; a run
        of losses ends as soon as one record is written.

        Threads never wait for each other here: a thread that finds another one writing
        this file leaves its records to that one, which writes them right after its own
        (in the order they came) before it returns, as it looks again after releasing the
        lock. A thread waiting for a lock held across a system call would hand the
        interpreter back and forth at every record (a "lock convoy": four threads would
        log at a third of the rate of one)."""
        waiting, lock = self._waiting, self._lock
        if not waiting and lock.acquire(False):  # the usual case: nobody else is writing
            try:
                self._write_locked(records)
            finally:
                lock.release()
        else:
            waiting.extend(records)
        while waiting and lock.acquire(False):  # what others left meanwhile
            try:
                self._write_waiting()
            finally:
                lock.release()

    def _write_waiting(self) -> None:
        """Write the records threads left waiting (the lock held)."""
        waiting = self._waiting
        self._write_locked([waiting.popleft() for _ in range(len(waiting))])

    def _write_locked(self, records: Sequence[bytes]) -> None:
        """Write ``records`` (the lock held), counting those that cannot be written."""
        count = len(records)
        done, error = 0, None
        try:
            while done < count:
                done = self._append(records, done)
        except OSError as exc:
            error = exc
            if isinstance(exc, _CutError) and exc.done is not None:
                done = exc.done  # those before the cut are in the file
        if done and self.losses.ongoing:
            self.losses.ended(f"writing {self.path} again")
        if error is not None:
            self._lost(count - done, error)

    def _lost(self, count: int, exc: OSError) -> None:
        self._close()
        self.losses.lost(
            count, f"cannot write {self.path} ({exc}); records are dropped until it works"
        )

    def _append(self, records: Sequence[bytes], start: int) -> int:
        """Write ``records[start:end]``, those that fit in the current file (at least one,
        after rotating when it does not fit), in one ``write``; returns ``end``."""
        fd = self._fd
        if fd is None or time.monotonic() - self._checked >= WATCH_INTERVAL:
            fd = self._watch()
        first = records[start]
        size = os.lseek(fd, 0, os.SEEK_END)
        if size and size + len(first) > self.max_bytes:
            size = self._rotate_or_grow(len(first))
        elif self._rotate_after is not None and self._clock() >= self._rotate_after:
            if size:
                size = self._rotate_or_grow(len(first))
            else:  # nothing to rotate: the next period starts here
                self._rotate_after = self._next_rotation()
        end = start + 1
        if end < len(records):
            size += len(first)
            while end < len(records) and (
                size + len(records[end]) <= self.max_bytes or self._cannot_rotate
            ):
                size += len(records[end])
                end += 1
            first = b"".join(records[start:end])
        try:
            self._write(first, records[start:end])
        except _CutError as cut:
            cut.done = start + cut.whole
            raise
        unverified = self._unverified
        unverified.append(first)
        if len(unverified) >= VERIFY_EVERY or len(records) > 1:
            self._verify()
        return end

    def _size(self) -> int:
        """The size of the open file (opening it if needed): its end, which other
        processes may be moving too."""
        if self._fd is None:
            self._open()
        assert self._fd is not None
        return os.lseek(self._fd, 0, os.SEEK_END)

    def _watch(self) -> int:
        """Open the file if it is closed; else check that it is still the file at ``path``
        (it is noted every WATCH_INTERVAL seconds): a file renamed away (logrotate) is
        left to its new name, and a new one is started at ``path``."""
        self._checked = time.monotonic()
        if self._fd is not None:
            self._verify()
        if self._fd is not None and not self._still_at_path():
            self._close()
        if self._fd is None:
            self._open()
        assert self._fd is not None
        return self._fd

    def _verify(self) -> None:
        """Check that the open file still has a name. A file deleted (or in a deleted
        directory) is replaced by a new one at ``path``, and the records written since the
        last check are written again there: none is lost with the deleted file. Checking
        costs a system call that is slow right after a write (~1.5 us), so it is done
        every VERIFY_EVERY records, and after every batch."""
        written, self._unverified = self._unverified, []
        assert self._fd is not None
        if os.fstat(self._fd).st_nlink:
            return
        self._close()
        self._open()
        self._write(b"".join(written), written)

    def stop(self) -> None:
        """Close the file (loguru calls this when its handler is removed); a later write
        reopens it."""
        with self._lock:
            if self._waiting:  # left by threads while another one wrote
                self._write_waiting()
            self._close()

    def _still_at_path(self) -> bool:
        """Whether the open file is still the one at ``path``."""
        try:
            on_disk = os.stat(self.path)
        except FileNotFoundError:
            return False
        assert self._fd is not None
        mine = os.fstat(self._fd)
        return (on_disk.st_ino, on_disk.st_dev) == (mine.st_ino, mine.st_dev)

    def _write(self, data: bytes, parts: Sequence[bytes]) -> None:
        """Write all of ``data`` (``parts`` joined, each ending a line), after CUT_MARK if the
        file ends with a record cut short by this object's last write.

        Raises:
            _CutError: a write failed (``whole``: the parts that reached the file whole).
                When it stopped inside a part, the file now ends with a cut record.
        """
        fd = self._fd
        assert fd is not None
        mark = b""
        if self._torn_at is not None and os.lseek(fd, 0, os.SEEK_END) == self._torn_at:
            mark, data = CUT_MARK, CUT_MARK + data
        self._torn_at = None  # (another process appended after a cut: its line is lost)
        written = 0
        try:
            while written < len(data):  # usually one write; a short one means trouble
                written += os.write(fd, memoryview(data)[written:])
        except OSError as exc:
            whole, rest = 0, written - len(mark)
            for part in parts:
                if rest < len(part):
                    break
                rest, whole = rest - len(part), whole + 1
            if rest:  # in the mark, or inside a record: the file ends with a cut record
                self._torn_at = os.lseek(fd, 0, os.SEEK_END)
            raise _CutError(exc, whole) from None

    def _open(self) -> None:
        """Open (or create) the log file, never through a symbolic link.

        Raises:
            OSError: the file cannot be opened (``ELOOP``, with the path named, for a
                symbolic link in its place).
        """
        try:
            fd = os.open(self.path, _FLAGS, self.lifecycle.file_mode)
        except FileNotFoundError:  # the directory went away: make it again
            os.makedirs(os.path.dirname(self.path), mode=0o750, exist_ok=True)
            fd = os.open(self.path, _FLAGS, self.lifecycle.file_mode)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            raise OSError(
                errno.ELOOP,
                "it is a symbolic link (planted?); alonechat does not write through one",
                self.path,
            ) from None
        size = os.fstat(fd).st_size
        if size == 0:  # a new file: its mode whatever the umask (an admin's choice is kept)
            with contextlib.suppress(OSError):
                os.fchmod(fd, self.lifecycle.file_mode)
        self._fd = fd
        self._unverified = []
        self._rotate_after = self._first_rotation()

    def _close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def _rotate_shared(self, incoming: int) -> int:
        """Rotate under the directory's inter-process lock, unless another process just
        did: then the file at ``path`` is new, and this one reopens it instead (and rotates
        only if that one is due too)."""
        with interprocess_lock(self.path):
            try:
                on_disk = os.stat(self.path)
            except FileNotFoundError:
                on_disk = None
            assert self._fd is not None
            mine = os.fstat(self._fd)
            if on_disk is None or (on_disk.st_ino, on_disk.st_dev) != (mine.st_ino, mine.st_dev):
                self._close()
                size = self._size()
                if not self._due(size, incoming):
                    return size
            self._rotate()
            return self._size()

    def _due(self, size: int, incoming: int) -> bool:
        """Whether a file of ``size`` bytes rotates before ``incoming`` more: it would pass
        ``max_bytes``, or its time period is over (an empty file never rotates)."""
        if not size:
            return False
        if size + incoming > self.max_bytes:
            return True
        return self._rotate_after is not None and self._clock() >= self._rotate_after

    def _rotate_or_grow(self, incoming: int) -> int:
        """Rotate; when that cannot happen (no lock file, no descriptors, a directory that
        refuses renames), warn once and let the file grow past ``max_bytes`` rather than
        drop the record. Returns the size of the file now open. Raises OSError only when
        the file itself cannot be reopened."""
        try:
            size = self._rotate_shared(incoming)
        except OSError as exc:
            if not self._cannot_rotate:
                self._cannot_rotate = True
                warn(
                    f"cannot rotate {self.path} ({exc}); it grows past max_bytes until "
                    "rotating works again"
                )
            return self._size()  # reopened if closed half-way through the rotation
        if self._cannot_rotate:
            self._cannot_rotate = False
            warn(f"rotating {self.path} again")
        return size

    def _rotate(self) -> None:
        """``path`` becomes ``path.1`` and the backups move up one number (see
        ``_backups.shift``); then the cleanup policies run and the new backup is handed to
        the compressor. With ``backup_count`` 0 the full file is discarded."""
        if self._torn_at is not None:  # end the cut record's line in the file it is in
            with contextlib.suppress(OSError):
                self._write(b"", ())
        self._close()
        lifecycle = self.lifecycle
        if lifecycle.backup_count == 0:
            os.remove(self.path)
            self._open()
            return
        shift(self.path, lifecycle.backup_count)
        self._open()
        clean_up(self.path, lifecycle, time.time())
        if lifecycle.compress:
            COMPRESSOR.submit(self.path, lifecycle)


class StreamSink:
    """A stream (stderr, stdout) or any writable as a loguru sink: each record is written
    and flushed, and noted on the loguru record as written to ``target``. A write that
    fails (a closed pipe or stream) is counted in ``losses`` and reported, never raised.
    It has no ``stop``: loguru stops a sink when its handler is removed, but the manager
    may give this one to the handler that replaces it."""

    def __init__(self, stream: Writable, target: str) -> None:
        self.stream, self.target = stream, target
        self.encoding = getattr(stream, "encoding", None) or "utf-8"
        self._flush = getattr(stream, "flush", None)
        #: Records that could not be written.
        self.losses = Losses()

    def write(self, message: Any) -> None:
        try:
            self.stream.write(message)
            if self._flush is not None:
                self._flush()
        except (OSError, ValueError) as exc:  # a closed pipe or stream
            self.losses.lost(1, f"cannot write to {self.target} ({exc!r}); its records are dropped")
            return
        if self.losses.ongoing:
            self.losses.ended(f"writing to {self.target} again")
        record = getattr(message, "record", None)
        if record is not None:
            record[WRITTEN] = (*record.get(WRITTEN, ()), self.target)


class _Held(threading.local):
    """The records this thread holds back, per file, while it runs a :func:`batch`."""

    records: dict[RotatingFile, list[bytes]] | None = None


_HELD = _Held()


Held = dict[RotatingFile, list[bytes]]


def hold() -> Held | None:
    """Hold back the records this thread writes to :class:`RotatingFile` s until
    :func:`write_held` (None, and nothing to do, when an outer :func:`batch` holds them).
    A record handed to alonechat's loguru handlers is held while they run, so that no
    system call is made under a loguru handler's lock (another thread would wait for it)."""
    if _HELD.records is not None:
        return None
    held: Held = {}
    _HELD.records = held
    return held


def write_held(held: Held) -> None:
    """Stop holding (see :func:`hold`) and write what was held, file by file."""
    _HELD.records = None
    for file, records in held.items():
        file.write_records(records)


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Within, the records this thread writes to :class:`RotatingFile` s are held and
    written when the block ends, in as few ``write`` calls as rotation allows (the
    ``enqueue`` writer thread writes its queue this way: every system call would hand the
    interpreter to the logging threads and wait for it back)."""
    held = hold()
    try:
        yield
    finally:
        if held is not None:
            write_held(held)


# fork() while another thread writes would leave the child a lock that nobody releases; the
# child has one thread, so it gets fresh locks (as the stdlib's handlers do). Holding the
# locks across fork() instead would deadlock against loguru's own handler locks.
_FILES: weakref.WeakSet[RotatingFile] = weakref.WeakSet()


def _fresh_locks_in_child() -> None:
    for file in list(_FILES):
        file._lock = threading.Lock()
        file._waiting.clear()  # the parent's threads' records: the parent writes them


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_locks_in_child)

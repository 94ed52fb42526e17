"""What happens to a log file once it is full or old: numbered backups, time periods,
compression and cleanup, safe with several processes sharing one directory.

Backups of ``app.log`` are ``app.log.1`` (newest) .. ``app.log.N``, each possibly compressed
(``app.log.2.gz``). Every change to the backups happens under an ``flock`` on
``.app.log.lock`` beside the file, so processes writing one directory never rename or delete
under each other.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import os
import queue
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from ._report import Losses, warn

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: The values of ``LogConfig.rotate_at``: every hour, every day at midnight, or every week
#: at the midnight that starts the weekday.
PERIODS = ("hourly", "midnight", *_WEEKDAYS)
_TMP = ".gz.tmp-"  # a compression in progress: app.log.2.gz.tmp-<pid>
# Backups and temporaries are opened without following a symbolic link someone planted.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
#: Seconds a backup stays plain after its rotation before it is compressed: longer than a
#: writer's check that its file is still the one at the path (``_sinks.WATCH_INTERVAL``).
SETTLE = 2.0


@dataclass(frozen=True)
class Lifecycle:
    """How a log file's backups are kept (see ``LogConfig`` for each field)."""

    backup_count: int
    file_mode: int
    rotate_at: str | None = None
    utc: bool = False
    compress: bool = False
    retention_days: float | None = None
    max_total_bytes: int | None = None


def period_start(now: float, rotate_at: str, utc: bool) -> float:
    """The start (a POSIX time) of the ``rotate_at`` period that contains ``now``, in UTC
    or in local time (daylight saving time included)."""
    moment = datetime.fromtimestamp(now, timezone.utc if utc else None)
    if rotate_at == "hourly":
        return moment.replace(minute=0, second=0, microsecond=0).timestamp()
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if rotate_at != "midnight":
        start -= timedelta(days=(start.weekday() - _WEEKDAYS.index(rotate_at)) % 7)
    return start.timestamp()


def next_rotation(now: float, rotate_at: str, utc: bool) -> float:
    """The end of the ``rotate_at`` period that contains ``now``: when its file rotates."""
    moment = datetime.fromtimestamp(
        period_start(now, rotate_at, utc), timezone.utc if utc else None
    )
    if rotate_at == "hourly":
        return moment.timestamp() + 3600
    days = 1 if rotate_at == "midnight" else 7
    # calendar days, not 86,400 s: a day with a daylight saving change has 23 or 25 hours
    following = (moment.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=moment.tzinfo)
    return following.timestamp()


def backups(path: str, repair: bool = True) -> dict[int, str]:
    """The backups of ``path``: number -> file name, plain or ``.gz``.

    With ``repair`` (only under the directory's lock), what a crash or a failed compression
    left is repaired: a temporary file that no compression is writing now (its process is
    gone, or it is this process's) is removed, and a backup found both plain and compressed
    keeps only the compressed one (renamed into place only once complete).
    """
    directory, name = os.path.split(path)
    pattern = re.compile(
        re.escape(name) + r"\.([1-9][0-9]*)(\.gz)?(?:" + re.escape(_TMP) + r"([0-9]+))?"
    )
    found: dict[int, str] = {}
    for entry in sorted(os.listdir(directory or ".")):
        match = pattern.fullmatch(entry)
        if match is None:
            continue
        full = os.path.join(directory, entry)
        if match.group(3):
            if repair and _stale(int(match.group(3)), full):
                with contextlib.suppress(OSError):
                    os.remove(full)  # a compression cut short
            continue
        number = int(match.group(1))
        if number in found:  # both app.log.N and app.log.N.gz (sorted: plain first)
            if repair:
                with contextlib.suppress(OSError):
                    os.remove(found[number])
            found[number] = full
            continue
        found[number] = full
    return found


def _stale(pid: int, temporary: str) -> bool:
    """Whether no compression writes ``temporary`` (of process ``pid``) now: its process is
    gone, or it is this process (a pid reused after a restart, say) and this process's
    compressor is not writing it."""
    if pid == os.getpid():
        return COMPRESSOR.writing != temporary
    return not _running(pid)


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, another user's
        return True
    return True


def shift(path: str, keep: int) -> None:
    """Make room for a new ``path.1``: the backups move up one number (closing a gap that a
    rotation cut short left), those that would pass ``keep`` are removed, then ``path``
    becomes ``path.1``. No rename lands on an existing file."""
    found = backups(path)
    numbers = sorted(found)
    moves = list(zip(numbers, range(2, len(numbers) + 2), strict=True))  # newest first
    steps: list[tuple[int, int | None]] = [(old, None) for old, new in moves if new > keep]
    steps += [(old, new) for old, new in moves if new < old]  # closing a gap: lowest first
    steps += [(old, new) for old, new in reversed(moves) if old < new <= keep]
    for old, new in steps:
        source = found[old]
        with contextlib.suppress(FileNotFoundError):  # removed meanwhile by someone else
            if new is None:
                os.remove(source)
            else:
                suffix = ".gz" if source.endswith(".gz") else ""
                os.replace(source, f"{path}.{new}{suffix}")
    os.replace(path, f"{path}.1")


def clean_up(path: str, lifecycle: Lifecycle, now: float) -> None:
    """Remove the oldest backups past ``retention_days`` (by modification time) or past
    ``max_total_bytes`` (all backups together), whichever is hit first."""
    if lifecycle.retention_days is None and lifecycle.max_total_bytes is None:
        return
    total = 0
    for _, name in sorted(backups(path).items()):  # newest first
        try:
            status = os.stat(name)
        except FileNotFoundError:
            continue
        total += status.st_size
        too_old = (
            lifecycle.retention_days is not None
            and now - status.st_mtime > lifecycle.retention_days * 86_400
        )
        too_much = lifecycle.max_total_bytes is not None and total > lifecycle.max_total_bytes
        if too_old or too_much:
            with contextlib.suppress(FileNotFoundError):
                os.remove(name)


def repair(path: str) -> None:
    """Under the directory's lock, remove what a crash or a failed compression left beside
    ``path`` (see :func:`backups`); never raises (a directory that cannot be locked or
    listed is left as it is)."""
    with contextlib.suppress(OSError), interprocess_lock(path):
        backups(path)


@contextlib.contextmanager
def interprocess_lock(path: str) -> Iterator[None]:
    """An exclusive ``flock`` on ``.<name>.lock`` beside ``path`` (created as needed); a
    no-op where there is none (Windows: backups are then managed per process)."""
    if fcntl is None:  # pragma: no cover - not POSIX
        yield
        return
    directory, name = os.path.split(path)
    lock = os.path.join(directory, f".{name}.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


class Compressor:
    """Compresses backups with gzip on its own daemon thread, never the caller's.

    Each backup is compressed to a temporary file, which is renamed ``<backup>.gz`` under the
    directory's lock once complete, and then the plain backup is removed: a crash leaves
    either the plain backup or the complete ``.gz`` (:func:`backups` removes the other).
    The ``.gz`` gets the log's ``file_mode``; a compression that fails (a full disk) removes
    its temporary file. Failures are reported once per log file while they last: one line
    when they start, one when a compression of that file works again, with their count.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[str, Lifecycle] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._busy = 0
        #: The temporary file being written now, if any (only the compressor's thread sets it).
        self.writing: str | None = None
        #: Failed compressions, per log file (only the compressor's thread changes them).
        self.failures: dict[str, Losses] = {}

    def submit(self, path: str, lifecycle: Lifecycle) -> None:
        """Compress every plain backup of ``path`` (soon, on the compressor's thread)."""
        with self._lock:
            self._busy += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="alonechat-compress", daemon=True
                )
                self._thread.start()
        self._jobs.put((path, lifecycle))

    def wait(self, timeout: float) -> bool:
        """Wait (at most ``timeout`` seconds) until every submitted job is done."""
        deadline = time.monotonic() + timeout
        while self._busy and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._busy

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            path = job[0]
            failures = self.failures.setdefault(path, Losses("attempt", "failed"))
            try:
                compress_backups(*job)
            except Exception as exc:  # the thread outlives any one file
                failures.lost(
                    1,
                    f"cannot compress the backups of {path} ({exc!r}); they stay plain until "
                    "it works",
                )
            else:
                failures.ended(f"compressing the backups of {path} again")
            finally:
                self.writing = None
                with self._lock:
                    self._busy -= 1


def compress_backups(path: str, lifecycle: Lifecycle) -> None:
    """Compress each plain backup of ``path`` (see :class:`Compressor`), once it has been
    a backup for ``SETTLE`` seconds: a process that had the file open may append to it for
    up to a second after the rename (until it next compares its file with the path), and
    those records must be in the ``.gz`` (logrotate's ``delaycompress`` has this reason)."""
    for name in sorted(n for n in backups(path, repair=False).values() if not n.endswith(".gz")):
        try:  # opened first: renames meanwhile do not change which file this is
            source = os.fdopen(os.open(name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC), "rb")
        except FileNotFoundError:
            continue  # rotated away or removed meanwhile: the next job sees it
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            warn(f"not compressing {name}: it is a symbolic link (planted?), not a backup")
            continue
        with source:
            status = os.fstat(source.fileno())
            identity = status.st_ino
            settling = SETTLE - (time.time() - status.st_ctime)  # ctime: its rename
            if settling > 0:
                time.sleep(settling)
            temporary = COMPRESSOR.writing = f"{path}.{identity}{_TMP}{os.getpid()}"
            try:
                _gzip(source, temporary, lifecycle.file_mode)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.remove(temporary)
                raise
        with interprocess_lock(path):  # the backup may have moved up meanwhile: find it
            now_at = next(
                (
                    n
                    for n in backups(path).values()
                    if _inode(n) == identity and not n.endswith(".gz")
                ),
                None,
            )
            if now_at is None:
                os.remove(temporary)
                continue
            os.replace(temporary, now_at + ".gz")
            with contextlib.suppress(FileNotFoundError):
                os.remove(now_at)
            clean_up(path, lifecycle, time.time())


def _gzip(source: BinaryIO, temporary: str, mode: int) -> None:
    """Write ``source`` gzipped to ``temporary`` (a new file of ``mode``, from the start),
    synced to disk."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW | _CLOEXEC
    descriptor = os.open(temporary, flags, 0o600)
    with os.fdopen(descriptor, "wb") as raw:
        os.fchmod(descriptor, mode)  # the log's mode from the start
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as target:
            shutil.copyfileobj(source, target, 1 << 20)
        raw.flush()
        os.fsync(raw.fileno())


def _inode(name: str) -> int | None:
    try:
        return os.stat(name).st_ino
    except FileNotFoundError:
        return None


#: The one compressor of the process.
COMPRESSOR = Compressor()

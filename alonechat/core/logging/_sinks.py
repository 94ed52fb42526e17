"""File sinks: the log directory, size rotation to ``.1..N`` backups, file permissions.

loguru's file sink does the writing and the rotating; alonechat gives it three callables:
``rotation`` (when to rotate), ``compression`` (which loguru calls with the file it just
rotated away, used here to shift backups to stdlib's ``name.1`` .. ``name.N`` layout) and
``opener`` (the permissions of a new file).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

MAIN_LOG = "alonechat.log"
ERROR_LOG = "alonechat_errors.log"


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


def opener(mode: int) -> Callable[[str, int], int]:
    """An ``open(opener=...)`` that gives log files ``mode`` whatever the umask."""

    def open_log(path: str, flags: int) -> int:
        fd = os.open(path, flags, mode)
        with contextlib.suppress(OSError):  # a file owned by another user keeps its mode
            os.fchmod(fd, mode)
        return fd

    return open_log


class SizeRotation:
    """loguru ``rotation`` callable: rotate before a record would push a file past the limit.

    The size is tracked in memory (one ``fstat`` per opened file) instead of loguru's
    seek-and-tell on every record. A record larger than the limit goes alone into a file;
    an empty file is never rotated.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._file: IO[str] | None = None
        self._size = 0

    def __call__(self, message: str, file: IO[str]) -> bool:
        if file is not self._file:
            self._file = file
            file.flush()
            self._size = os.fstat(file.fileno()).st_size
        size = len(message) if message.isascii() else len(message.encode("utf-8", "replace"))
        if self._size and self._size + size > self.max_bytes:
            self._size = 0
            return True
        self._size += size
        return False


class BackupShifter:
    """loguru ``compression`` callable that names backups ``path.1`` (newest) .. ``path.N``.

    With ``backup_count`` 0 the rotated file is deleted; the oldest backup is overwritten.
    """

    def __init__(self, path: str | os.PathLike[str], backup_count: int) -> None:
        self.path = os.path.abspath(path)
        self.backup_count = backup_count

    def __call__(self, rotated: str) -> None:
        if self.backup_count == 0:
            os.remove(rotated)
            return
        for index in range(self.backup_count - 1, 0, -1):
            older = f"{self.path}.{index}"
            if os.path.exists(older):
                os.replace(older, f"{self.path}.{index + 1}")
        os.replace(rotated, f"{self.path}.1")


def file_sink_options(
    path: Path, *, max_bytes: int, backup_count: int, file_mode: int
) -> dict[str, Any]:
    """Keyword arguments for ``loguru.logger.add`` writing one rotating log file."""
    return {
        "sink": str(path),
        "rotation": SizeRotation(max_bytes),
        "compression": BackupShifter(path, backup_count),
        "opener": opener(file_mode),
        "encoding": "utf-8",
        "colorize": False,
    }

"""The lines of a log file read with bounded memory (:class:`LineReader`): a line longer than
:data:`LINE_LIMIT` bytes is cut, its first ``LINE_LIMIT`` bytes shown with a marker saying how
many bytes were cut (:func:`cut_marker`), and the rest skipped as it is read, never held."""

from __future__ import annotations

import zlib
from typing import Protocol

#: Bytes of a line (its newline aside) shown; a longer line is cut after them, with a marker.
LINE_LIMIT = 1 << 20
_BATCH = 1 << 20  # bytes read before the lines are handed on
_SKIP = 1 << 20  # bytes read at a time from the part of a line that is cut


def cut_marker(count: int, unit: str = "bytes") -> str:
    """What ends a line or a record that was cut: `` [... 1,234 bytes cut]``."""
    return f" [... {count:,} {unit} cut]"


class Readable(Protocol):
    """A binary stream read line by line (a file opened ``"rb"``, a ``gzip.GzipFile``)."""

    def readline(self, size: int, /) -> bytes: ...


class LineReader:
    """The lines of a binary stream (a log file, plain or gzip), decoded as UTF-8 (bytes
    that are not: U+FFFD), without their newline, each at most ``limit`` bytes before it is
    decoded: the rest of a longer line is skipped and counted in a marker at its end. Holds
    at most one line's first ``limit`` bytes and one batch of lines (about 1 MiB) at a time.

    A line without its newline yet (the file is being written) waits for the next
    :meth:`read`, or for :meth:`rest` when the file is done.
    """

    __slots__ = ("_cut", "_error", "_head", "_stream", "limit")

    def __init__(self, stream: Readable, limit: int = LINE_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1 byte, got {limit}")
        self._stream, self.limit = stream, limit
        self._head = b""  # the start of a line not complete yet (at most limit bytes)
        self._cut = 0  # bytes of that line skipped after its head (it is over the limit)
        self._error: BaseException | None = None  # raised after the lines read before it

    @property
    def midline(self) -> bool:
        """Whether the stream was read up to the middle of a line."""
        return bool(self._head or self._cut)

    def reset(self) -> None:
        """Forget the line read in part (the stream was rewound)."""
        self._head, self._cut = b"", 0

    def read(self) -> list[str]:
        """The complete lines that can be read now, about 1 MiB of them (fewer at the end of
        the stream; none only when nothing more is there yet).

        Raises:
            OSError, EOFError, zlib.error: as the stream's ``readline`` does (a gzip file cut
                short or corrupt), once the lines read before the error were returned.
        """
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        lines: list[str] = []
        try:
            self._read(lines)
        except (EOFError, OSError, zlib.error) as exc:
            if not lines:
                raise
            self._error = exc  # the lines before it first
        return lines

    def _read(self, lines: list[str]) -> None:
        """Read lines into ``lines`` (see :meth:`read`)."""
        readline, limit = self._stream.readline, self.limit
        size = 0
        while size < _BATCH or self._cut:  # (what is skipped is not held)
            if self._cut:  # skipping the rest of a line over the limit
                piece = readline(_SKIP)
                if not piece:
                    break
                if piece[-1] != 10:  # b"\n"
                    self._cut += len(piece)
                    continue
                self._cut += len(piece) - 1
                lines.append(self._whole())
                continue
            head = self._head
            piece = readline(limit + 1 - len(head))
            if not piece:
                break
            size += len(piece)
            if piece[-1] == 10:
                line = head + piece[:-1] if head else piece[:-1]
                self._head = b""
                lines.append(line.decode("utf-8", "replace"))
                continue
            line = head + piece if head else piece
            if len(line) > limit:  # over the limit: keep its head, skip the rest
                self._head, self._cut = line[:limit], len(line) - limit
            else:  # the end of what is written so far
                self._head = line
                break

    def rest(self) -> list[str]:
        """The line read in part, as a last line (the stream is done), or none."""
        if not self.midline:
            return []
        return [self._whole()]

    def _whole(self) -> str:
        """The line read in part, decoded, with its marker if it was cut; forgotten."""
        text = self._head.decode("utf-8", "replace")
        if self._cut:
            text += cut_marker(self._cut)
        self.reset()
        return text

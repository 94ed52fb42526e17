"""Finding a log directory's files (:func:`log_files`) and reading them into records, oldest
first, following them while they grow and rotate (:class:`LogReader`, :func:`read_records`)."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from ._filters import RecordFilter, _Selector
from ._lines import LINE_LIMIT, LineReader, cut_marker
from ._records import Record

#: The file read by default: every record at or above the configured level.
LOG_FILE = "alonechat.log"
#: The error log: ERROR and above.
ERRORS_FILE = "alonechat_errors.log"

_GRACE = 2.0  # seconds a rotated-away file is still read (a writer not yet switched)
_ATTEMPTS = 20  # tries at opening a consistent set of files while they rotate

# The default text layout (DETAILED_FORMAT with date_format "%Y-%m-%d %H:%M:%S"):
# time | level (padded to 8) | logger | file:line | function | message
_TEXT = re.compile(
    r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \| (\S+(?: \d+)?) *\| (.*?) \| ([^|]*?):(\d+)"
    r" \| (\S*) \| (.*)"
)
_DECODE = json.JSONDecoder().raw_decode
_STAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d")  # a line that starts a record


# ---------------------------------------------------------------------------- parsing


class _Parser:
    """The lines of one file to the records the selection keeps: a text record is complete
    at the next record, or when its file ends or stays quiet (:meth:`finish`)."""

    __slots__ = ("_cut", "_known", "_match", "_pending", "_room", "_select")

    def __init__(self, select: _Selector) -> None:
        self._select = select
        self._pending: list[str] | None = None  # a text record, waiting for its traceback
        self._match: re.Match[str] | None = None
        self._room = 0  # characters its traceback may still take
        self._cut = 0  # its traceback lines left out (past LINE_LIMIT characters)
        self._known = False  # a record of alonechat's layouts was read in this file

    def _under(self, line: str) -> None:
        """A line under the text record waiting: its traceback, up to LINE_LIMIT characters."""
        assert self._pending is not None
        if len(line) < self._room:
            self._pending.append(line)
            self._room -= len(line) + 1
        else:
            self._cut += 1

    def feed(self, lines: list[str]) -> Iterator[Record]:
        select, skip, decode = self._select, self._select.skip, _DECODE
        for line in lines:
            record: Record | None
            if not line:
                if self._pending is not None:
                    self._under(line)
                continue
            if line[0] == "{":
                if self._pending is not None:
                    record = self._text()
                    if record is not None:
                        yield record
                if skip is not None and skip(line):
                    self._known = True
                    continue
                try:
                    data, end = decode(line)
                except ValueError:
                    data = None
                else:
                    if end != len(line) and line[end:].strip():
                        data = None  # more after the object
                if type(data) is dict:
                    self._known = True
                    record = select.json(data, line)
                else:
                    record = select.unparsed(line, True)
            elif (match := _TEXT.match(line)) is not None:
                if self._pending is not None:
                    record = self._text()
                    if record is not None:
                        yield record
                self._pending, self._match, self._known = [line], match, True
                self._room, self._cut = LINE_LIMIT, 0
                continue
            elif self._pending is not None and _STAMP.match(line) is None:
                self._under(line)  # under a text record: its traceback
                continue
            else:
                if self._pending is not None:
                    record = self._text()
                    if record is not None:
                        yield record
                record = select.unparsed(line, self._known)
            if record is not None:
                yield record

    def _text(self) -> Record | None:
        lines, match = self._pending, self._match
        self._pending = self._match = None
        assert lines is not None
        assert match is not None
        while len(lines) > 1 and not lines[-1]:
            lines.pop()
        if self._cut:
            lines.append(cut_marker(self._cut, "more lines").lstrip())
        return self._select.text(lines, match)

    def finish(self) -> Iterator[Record]:
        """The text record still waiting for more lines, if any (its file is done or quiet)."""
        if self._pending is not None:
            record = self._text()
            if record is not None:
                yield record


_Identity = tuple[int, int]


def _identity(path: Path) -> _Identity | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


class _Source:
    """One log file open for reading, plain or gzip: its records as they can be read.
    ``progress`` is called after each batch of lines (about 1 MiB) is read."""

    def __init__(
        self, path: Path, select: _Selector, progress: Callable[[], object] | None = None
    ) -> None:
        raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        try:
            status = os.fstat(raw.fileno())
            stream: gzip.GzipFile | io.BufferedReader = (
                gzip.GzipFile(fileobj=raw) if path.name.endswith(".gz") else raw
            )
        except BaseException:
            raw.close()
            raise
        self.path, self._raw, self._stream, self._select = path, raw, stream, select
        self.identity: _Identity = (status.st_dev, status.st_ino)
        self.parser = _Parser(select)
        self._lines = LineReader(stream)
        self._progress = progress
        self._broken = False

    @property
    def offset(self) -> int:
        """Bytes read from the file."""
        return self._raw.tell()

    def rewind(self) -> None:
        """Read again from the start (the file was truncated)."""
        self._raw.seek(0)
        self._lines.reset()

    def _rewritten(self) -> bool:
        """Whether the file is no longer what was read: truncated in place (logrotate's
        copytruncate) and written again past the point read, so that the byte before it is
        no longer the end of a line (a new file with a newline at that very byte is not
        noticed)."""
        start = self.offset
        if start == 0 or self._lines.midline:
            return False
        try:
            if os.fstat(self._raw.fileno()).st_size <= start:
                return False  # nothing new to read
            return os.pread(self._raw.fileno(), 1, start - 1) != b"\n"
        except (AttributeError, OSError):  # no pread (Windows)
            return False

    def records(self, final: bool) -> Iterator[Record]:
        """The records of what can be read now. ``final``: the file is done, so its last
        line counts even without a newline, and a text record waiting for more is complete.
        Otherwise the file may still be written to, and when it was truncated in place
        (shorter than what was read, or written again since) it is read again from its
        start."""
        feed, lines = self.parser.feed, self._lines
        if not final and (os.fstat(self._raw.fileno()).st_size < self.offset or self._rewritten()):
            yield from self.parser.finish()
            self.rewind()
        while not self._broken:
            try:
                batch = lines.read()  # a gzip file cut short: all before the cut
            except (EOFError, OSError, zlib.error) as exc:
                self._broken = final = True
                self._select.once(
                    f"broken {self.path}", f"cannot read {self.path} to its end ({exc})"
                )
                break
            if not batch:
                break
            yield from feed(batch)
            if self._progress is not None:
                self._progress()
        if final:
            yield from feed(lines.rest())
            yield from self.parser.finish()

    def close(self) -> None:
        self._stream.close()
        self._raw.close()


# ---------------------------------------------------------------------------- files


_BACKUP = re.compile(r"\.([1-9][0-9]*)(\.gz)?")


def log_files(log_dir: str | os.PathLike[str], name: str = LOG_FILE) -> list[Path]:
    """``name`` and its backups in ``log_dir``, oldest first: ``name.N`` .. ``name.1`` (each
    plain or ``.gz``; both: the plain one, the other being a compression in progress), then
    ``name``. Empty when there is none (or no such directory)."""
    directory = Path(log_dir)
    try:
        entries = os.listdir(directory)
    except OSError:
        return []
    found: dict[int, str] = {}
    for entry in entries:
        if not entry.startswith(name):
            continue
        match = _BACKUP.fullmatch(entry, len(name))
        if match is not None:
            number = int(match.group(1))
            if number not in found or not match.group(2):
                found[number] = entry
    paths = [directory / found[number] for number in sorted(found, reverse=True)]
    if name in entries:
        paths.append(directory / name)
    return paths


class LogReader:
    """The records of a log directory's ``alonechat.log`` (or ``name``) and its backups.

    ``note`` is called, once per subject, with what the reader could not do (a filter that
    could not apply to some lines, a file it could not read); :attr:`malformed` counts the
    malformed lines it passed on. ``progress`` is called after each batch of lines read
    (about 1 MiB), so that what was printed of it can be flushed at once.

    Memory stays bounded whatever the files hold: a line over :data:`LINE_LIMIT` bytes is
    cut (a marker says how many bytes), and so is a text record's traceback past that size.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str],
        selection: RecordFilter | None = None,
        *,
        name: str = LOG_FILE,
        note: Callable[[str], object] | None = None,
        progress: Callable[[], object] | None = None,
    ) -> None:
        self.directory, self.name = Path(log_dir), name
        self._select = _Selector(selection or RecordFilter(), note or (lambda text: None))
        self._progress = progress

    @property
    def malformed(self) -> int:
        """Malformed lines (a JSON line cut short, garbage) passed on so far."""
        return self._select.malformed

    def read(self) -> Iterator[Record]:
        """Every record of the files as they are now, oldest first."""
        sources = self._open()
        try:
            for source in sources:
                yield from source.records(final=True)
        finally:
            for source in sources:
                source.close()

    def follow(
        self,
        stop: threading.Event | None = None,
        poll: float = 0.25,
        idle: Callable[[], object] | None = None,
    ) -> Iterator[Record]:
        """Every record of the files, then those appended to the file, until ``stop`` is
        set. Across rotations: when a new file replaces it (another inode), the rest of the
        old one is read, then the files made since, from their start; when it is truncated
        in place (it shrank, or the byte before the point read is no longer a line's end),
        it is read again from its start. ``idle`` is called each time nothing is new, before
        waiting ``poll`` seconds."""
        stop = stop or threading.Event()
        path = self.directory / self.name
        sources = self._open()
        newest = sources[-1].identity if sources else None  # the newest file read
        current = sources.pop() if sources and sources[-1].path == path else None
        retired: list[tuple[_Source, float]] = []  # rotated away, read a little longer
        try:
            for source in sources:
                yield from source.records(final=True)
                source.close()
            sources = []
            while not stop.is_set():
                try:
                    status: os.stat_result | None = os.stat(path)
                except OSError:
                    status = None  # between the rename and the new file of a rotation
                if status is not None and (
                    current is None or (status.st_dev, status.st_ino) != current.identity
                ):
                    if current is not None:  # rotated: the old file's last records first
                        yield from current.records(final=False)
                        yield from current.parser.finish()
                        retired.append((current, time.monotonic() + _GRACE))
                        current = None
                    for source in self._open(after=newest):
                        newest = source.identity
                        if source.path == path:
                            current = source
                        else:
                            yield from source.records(final=True)
                            source.close()
                    if current is not None:
                        continue
                before = current.offset if current is not None else -1
                if current is not None:
                    yield from current.records(final=False)
                for source, _ in retired:
                    yield from source.records(final=False)
                while retired and retired[0][1] < time.monotonic():
                    source = retired.pop(0)[0]
                    yield from source.records(final=True)
                    source.close()
                if current is None or current.offset == before:
                    if current is not None:
                        yield from current.parser.finish()  # quiet: a text record is whole
                    if idle is not None:
                        idle()
                    stop.wait(poll)
            for left in [*(source for source, _ in retired), current]:
                if left is not None:
                    yield from left.records(final=True)
        finally:
            for left in [*sources, *(source for source, _ in retired), current]:
                if left is not None:
                    left.close()

    def _open(self, after: _Identity | None = None) -> list[_Source]:
        """The files, opened, oldest first, as one consistent set (none renamed between the
        listing and the opening); with ``after``, only those newer than the file of that
        identity (all files but the current one are older when it is not found)."""
        sources: list[_Source] = []
        for _ in range(_ATTEMPTS):
            paths = log_files(self.directory, self.name)
            identities = [_identity(path) for path in paths]
            chosen = paths
            if after is not None:
                if after in identities:
                    chosen = paths[identities.index(after) + 1 :]
                else:
                    chosen = [path for path in paths if path.name == self.name]
            sources = []
            try:
                for path in chosen:
                    source = self._source(path)
                    if source is not None:
                        sources.append(source)
            except FileNotFoundError:
                pass  # renamed meanwhile: list again
            else:
                listed = log_files(self.directory, self.name)
                if listed == paths and [_identity(path) for path in paths] == identities:
                    return sources
            for source in sources:
                source.close()
        return []

    def _source(self, path: Path) -> _Source | None:
        try:
            return _Source(path, self._select, self._progress)
        except FileNotFoundError:
            raise
        except OSError as exc:
            self._select.once(f"open {path}", f"cannot read {path} ({exc})")
            return None


def read_records(
    log_dir: str | os.PathLike[str],
    selection: RecordFilter | None = None,
    name: str = LOG_FILE,
) -> Iterator[Record]:
    """The records of ``log_dir``'s ``alonechat.log`` (or ``name``) and its backups that
    ``selection`` keeps, oldest first (see :class:`LogReader`)."""
    return LogReader(log_dir, selection, name=name).read()

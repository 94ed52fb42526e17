"""Reading log files back (alonechat.core.logging.viewer): files the library wrote, in text,
JSON and ECS, through rotations and a gzip-compressed backup; filters; malformed lines;
following a file while it grows, rotates and is truncated."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import queue
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, get_logger, log_context, reset_logging
from alonechat.core.logging.viewer import (
    LINE_LIMIT,
    LineReader,
    LogReader,
    Record,
    RecordFilter,
    Stats,
    level_rank,
    log_files,
    parse_level,
    parse_pattern,
    parse_time,
    read_records,
)
from alonechat.core.logging.viewer._stats import NAMES_COUNTED, OTHERS
from tests.helpers import start_python

Configure = Callable[..., LogConfig]


def _log_sample(count: int = 40) -> None:
    """``count`` records of two loggers, every tenth an ERROR with a traceback."""
    for index in range(count):
        logger = get_logger("app.db" if index % 2 else "app")
        with log_context(request_id=f"req-{index % 3}"):
            if index % 10 == 9:
                try:
                    raise ValueError(f"bad value {index}")
                except ValueError:
                    logger.exception("record %03d failed", index)
            else:
                logger.info("record %03d %s", index, "x" * 40)


def _layout(layout: str) -> dict[str, object]:
    """The LogConfig fields of a file layout: "text", "json" (alonechat's) or "ecs"."""
    if layout == "text":
        return {}
    return {"json_output": True, "json_schema": "ecs" if layout == "ecs" else "alonechat"}


def _numbers(records: list[Record]) -> list[int]:
    return [int(re.search(r"record (\d+)", r.message).group(1)) for r in records]  # type: ignore[union-attr]


def _compress(path: Path) -> Path:
    """``path`` made ``path.gz`` with stdlib gzip (as a compression option would)."""
    target = path.with_name(path.name + ".gz")
    with open(path, "rb") as source, gzip.open(target, "wb") as compressed:
        compressed.write(source.read())
    path.unlink()
    return target


@pytest.mark.parametrize("layout", ["text", "json", "ecs"])
def test_backups_oldest_first_one_compressed_every_record_once(
    configure: Configure, log_dir: Path, layout: str
) -> None:
    configure(max_bytes=1500, backup_count=50, **_layout(layout))
    _log_sample()
    reset_logging()
    assert (log_dir / "alonechat.log.3").exists()  # it rotated
    _compress(log_dir / "alonechat.log.2")
    records = list(read_records(log_dir))
    assert _numbers(records) == list(range(40)), "a record is missing, doubled or out of order"
    assert {r.kind for r in records} == {layout}
    first, failed = records[0], records[9]
    assert (first.level, first.logger, failed.level, failed.logger) == (
        "INFO",
        "app",
        "ERROR",
        "app.db",
    )
    assert failed.traceback.startswith("Traceback (most recent call last):")
    assert failed.traceback.rstrip().endswith("ValueError: bad value 9")
    assert failed.fields["exc_type"] == "ValueError"
    assert failed.fields["exc_message"] == "bad value 9"
    assert first.fields["function"] == "_log_sample"
    assert first.fields["file"].endswith("test_viewer.py")
    moment = first.time
    assert moment is not None
    assert abs(moment - datetime.now(timezone.utc)) < timedelta(hours=1)
    if layout != "text":
        assert first.fields["request_id"] == "req-0"


def test_a_file_whose_layout_changed_is_read_in_order(configure: Configure, log_dir: Path) -> None:
    configure()
    try:
        raise ValueError("first")
    except ValueError:
        get_logger("app").exception("record 000")  # a traceback, then a JSON line
    configure(json_output=True)
    get_logger("app").info("record 001")
    configure(json_output=True, json_schema="ecs")
    get_logger("app").info("record 002")
    configure()
    get_logger("app").info("record 003")
    records = list(read_records(log_dir))
    assert [r.kind for r in records] == ["text", "json", "ecs", "text"]
    assert _numbers(records) == [0, 1, 2, 3]
    assert records[0].traceback.endswith("ValueError: first")


def test_a_compressed_backup_cut_short_is_read_up_to_the_cut(
    configure: Configure, log_dir: Path
) -> None:
    configure(max_bytes=20_000, backup_count=50, format_string="%(message)s")
    for index in range(1000):
        get_logger("app").info("record %04d %s", index, "x" * 60)
    reset_logging()
    compressed = _compress(log_dir / "alonechat.log.2")
    whole = compressed.read_bytes()
    compressed.write_bytes(whole[: len(whole) // 2])
    notes: list[str] = []
    texts = [r.text for r in LogReader(log_dir, note=notes.append).read()]
    numbers = [int(t.split()[1]) for t in texts if re.fullmatch(r"record \d{4} x{60}", t)]
    assert numbers == sorted(set(numbers))  # in order, none twice
    assert 1000 - 300 < len(numbers) < 1000  # most of the cut file is there
    assert numbers[-1] == 999
    assert len(notes) == 1
    assert notes[0].startswith(f"cannot read {compressed} to its end (")


def test_unknown_level_names_pass_the_level_filter_with_a_note(
    configure: Configure, log_dir: Path
) -> None:
    import logging

    logging.addLevelName(25, "NOTICE")  # known to the application, not to the reader
    configure(json_output=True)
    get_logger("app").info("record 000")
    get_logger("app").log(25, "record 001")
    get_logger("app").error("record 002")
    notes: list[str] = []
    records = list(LogReader(log_dir, RecordFilter(level=40), note=notes.append).read())
    assert _numbers(records) == [1, 2]
    assert notes == ["level 'NOTICE' is not a known level: its records are shown"]


def test_log_files_order_and_names(tmp_path: Path) -> None:
    for name in ("alonechat.log", "alonechat.log.1", "alonechat.log.2.gz", "alonechat.log.10"):
        (tmp_path / name).write_bytes(b"")
    for name in ("alonechat.log.3", "alonechat.log.3.gz"):  # a compression in progress
        (tmp_path / name).write_bytes(b"")
    for name in ("alonechat.log.4.gz.tmp-123", ".alonechat.log.lock", "alonechat.log.x"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "alonechat_errors.log").write_bytes(b"")
    assert [p.name for p in log_files(tmp_path)] == [
        "alonechat.log.10",
        "alonechat.log.3",
        "alonechat.log.2.gz",
        "alonechat.log.1",
        "alonechat.log",
    ]
    assert [p.name for p in log_files(tmp_path, "alonechat_errors.log")] == ["alonechat_errors.log"]
    assert log_files(tmp_path / "missing") == []


def test_text_record_keeps_its_lines_and_parses_its_fields(
    configure: Configure, log_dir: Path
) -> None:
    configure()
    _log_sample(10)
    records = list(read_records(log_dir))
    lines = (log_dir / "alonechat.log").read_text().splitlines()
    assert "\n".join(r.text for r in records) == "\n".join(lines)  # as written, in full
    assert records[0].to_text() == lines[0]
    colored = records[0].to_text(color=True)
    assert "\x1b[1mINFO    \x1b[0m" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == lines[0]
    header = re.fullmatch(
        r"(\S+ \S+) \| INFO     \| app \| test_viewer\.py:(\d+) \| _log_sample \| (.*)",
        lines[0],
    )
    assert header is not None
    first = records[0]
    assert (first.timestamp, first.message) == (header.group(1), header.group(3))
    assert first.fields["line"] == int(header.group(2))


@pytest.mark.parametrize("layout", ["text", "json", "ecs"])
def test_to_json_gives_the_flat_keys_whatever_the_layout(
    configure: Configure, log_dir: Path, layout: str
) -> None:
    configure(**_layout(layout))
    _log_sample(10)
    records = list(read_records(log_dir))
    objects = [json.loads(r.to_json()) for r in records]
    for key in ("time", "level", "logger", "message", "module", "function", "line", "file"):
        assert all(key in o for o in objects), key
    assert [o["level"] for o in objects] == ["INFO"] * 9 + ["ERROR"]
    assert objects[9]["exc_type"] == "ValueError"
    assert objects[9]["exc_traceback"].endswith("ValueError: bad value 9\n")
    assert objects[0]["logger"] == "app"
    assert objects[0]["function"] == "_log_sample"
    assert objects[0]["module"] == "test_viewer"
    assert isinstance(objects[0]["line"], int)
    assert datetime.fromisoformat(objects[0]["time"]).tzinfo is not None
    if layout != "text":
        assert objects[1]["request_id"] == "req-1"
        assert isinstance(objects[0]["process"], int)
        assert objects[0]["thread"] == "MainThread"
        assert "ecs.version" not in objects[0]


def test_ecs_fields_are_renamed_to_flat_keys(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True, json_schema="ecs")
    get_logger("svc.pay").warning(
        "paid", extra={"trace_id": "a" * 32, "span_id": "b" * 16, "amount": 3}
    )
    (record,) = read_records(log_dir)
    assert record.kind == "ecs"
    flat = json.loads(record.to_json())
    assert (flat["level"], flat["logger"], flat["message"]) == ("WARNING", "svc.pay", "paid")
    assert (flat["trace_id"], flat["span_id"], flat["amount"]) == ("a" * 32, "b" * 16, 3)
    assert flat["time"].endswith("+00:00")


@pytest.mark.parametrize("layout", ["text", "json", "ecs"])
def test_filters(configure: Configure, log_dir: Path, layout: str) -> None:
    configure(level="DEBUG", **_layout(layout))
    get_logger("app").debug("record 000 debug")
    get_logger("app.db").info("record 001 info")
    get_logger("application").warning("record 002 warning")
    get_logger("app.db.pool").error("record 003 error")
    get_logger("other").critical("record 004 critical")
    try:
        raise KeyError("needle in the traceback")
    except KeyError:
        get_logger("other").exception("record 005 caught")
    with log_context(request_id="r-42"):
        get_logger("app").info("record 006 in a request")
    reset_logging()

    def select(**conditions: object) -> list[int]:
        return _numbers(list(read_records(log_dir, RecordFilter(**conditions))))  # type: ignore[arg-type]

    assert select() == [0, 1, 2, 3, 4, 5, 6]
    assert select(level=parse_level("warning")) == [2, 3, 4, 5]
    assert select(level=parse_level("ERROR")) == [3, 4, 5]
    assert select(loggers=("app",)) == [0, 1, 3, 6]  # not "application"
    assert select(loggers=("app.db",)) == [1, 3]
    assert select(loggers=("app.db", "other")) == [1, 3, 4, 5]
    assert select(grep=parse_pattern(r"rec\w+ 00[24]")) == [2, 4]
    assert select(grep=parse_pattern("needle")) == [5]  # found in the traceback
    assert select(level=30, loggers=("app",)) == [3]
    assert select(since=parse_time("1h")) == [0, 1, 2, 3, 4, 5, 6]
    assert select(until=parse_time("1h")) == []
    assert select(since=datetime.now(timezone.utc) + timedelta(minutes=5)) == []
    if layout != "text":
        assert select(request_id="r-42") == [6]
        assert select(request_id="r-43") == []
    else:  # the text format does not write request ids: said once, none selected
        notes: list[str] = []
        reader = LogReader(log_dir, RecordFilter(request_id="r-42"), note=notes.append)
        assert list(reader.read()) == []
        assert len(notes) == 1
        assert "request_id" in notes[0]


def test_since_and_until_at_record_times(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    get_logger("t").info("record 000")
    between = datetime.now(timezone.utc)
    get_logger("t").info("record 001")
    reset_logging()
    assert _numbers(list(read_records(log_dir, RecordFilter(since=between)))) == [1]
    assert _numbers(list(read_records(log_dir, RecordFilter(until=between)))) == [0]


def test_time_and_level_arguments() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    assert parse_time("10m", now) == now - timedelta(minutes=10)
    assert parse_time("2h", now) == now - timedelta(hours=2)
    assert parse_time("3d", now) == now - timedelta(days=3)
    assert parse_time("2026-11-30T12:00Z") == now
    assert parse_time("2026-11-30 12:00:00+00:00") == now
    local = parse_time("2026-11-30T12:00")
    assert local.tzinfo is not None  # local time
    assert local.replace(tzinfo=None) == datetime(2026, 11, 30, 12, 0)
    with pytest.raises(ValueError, match="expected an ISO time"):
        parse_time("yesterday")
    assert [parse_level(n) for n in ("debug", "Info", "WARN", "fatal", "success", "7")] == [
        10,
        20,
        30,
        50,
        25,
        7,
    ]
    with pytest.raises(ValueError, match="unknown level 'loud'"):
        parse_level("loud")
    assert level_rank("Level 25") == 25
    assert level_rank("NOTICE") is None
    with pytest.raises(ValueError, match="invalid regular expression"):
        parse_pattern("(")


def test_malformed_lines_are_shown_as_they_are_and_counted(
    configure: Configure, log_dir: Path
) -> None:
    configure(json_output=True)
    _log_sample(3)
    reset_logging()
    path = log_dir / "alonechat.log"
    whole = path.read_text().splitlines()
    with open(path, "a") as file:
        file.write("garbage \x1b[31m here\n")
        file.write(whole[0][:40])  # a record cut short: no end, no newline
    reader = LogReader(log_dir, RecordFilter(level=20))
    records = list(reader.read())
    assert [r.kind for r in records] == ["json"] * 3 + ["malformed"] * 2
    assert records[3].text == "garbage \x1b[31m here"
    assert records[3].to_text() == "garbage \\x1b[31m here"  # cannot recolor a terminal
    assert records[4].text == whole[0][:40]
    assert reader.malformed == 2
    stats = Stats()
    for record in records:
        stats.add(record)
    assert (stats.records, stats.unparsed) == (3, 2)
    assert stats.render().splitlines()[1] == "lines not parsed: 2"
    assert json.loads(records[4].to_json()) == {
        "time": None,
        "level": None,
        "logger": None,
        "message": whole[0][:40],
        "unparsed": True,
    }


def test_json_lines_of_other_programs_are_read_by_their_keys(
    configure: Configure, log_dir: Path
) -> None:
    configure(json_output=True)
    get_logger("app").error("record 000")
    reset_logging()
    with open(log_dir / "alonechat.log", "a") as file:  # another program's layout
        file.write('{"context":{"level":"DEBUG"},"level":"ERROR","message":"record 001"}\n')
        file.write('{"level":"DEBUG","message":"record 002","logger":"app"}\n')
    records = list(read_records(log_dir, RecordFilter(level=40)))
    assert _numbers(records) == [0, 1]
    assert [r.kind for r in records] == ["json", "json"]


def test_other_layouts_are_shown_and_the_filters_say_once_they_cannot_apply(
    configure: Configure, log_dir: Path
) -> None:
    configure(format_string="%(levelname)s %(name)s %(message)s")
    for index in range(3):
        get_logger("app").info("line %d", index)
    reset_logging()
    notes: list[str] = []
    reader = LogReader(log_dir, RecordFilter(level=40, loggers=("db",)), note=notes.append)
    records = list(reader.read())
    assert [r.text for r in records] == ["INFO app line 0", "INFO app line 1", "INFO app line 2"]
    assert {r.kind for r in records} == {"other"}
    assert reader.malformed == 0
    assert len(notes) == 1
    assert "--level, --logger cannot apply" in notes[0]
    grepped = read_records(log_dir, RecordFilter(grep=parse_pattern("line 1")))
    assert [r.text for r in grepped] == ["INFO app line 1"]


def test_text_output_of_json_records_escapes_and_colors(
    configure: Configure, log_dir: Path
) -> None:
    configure(json_output=True)
    get_logger("app").warning("two\nlines \x1b", extra={"request_id": "r-1", "n": 2})
    (record,) = read_records(log_dir)
    text = record.to_text()
    assert "\n" not in text
    assert "\x1b" not in text
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \| WARNING  \| app \| test_viewer\.py:\d+ \| "
        r"test_text_output_of_json_records_escapes_and_colors \| two\\nlines \\x1b"
        r" \| request_id=r-1 n=2",
        text,
    )
    colored = record.to_text(color=True)
    assert "\x1b[1;33mWARNING \x1b[0m" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == text


def test_stats_counts_levels_loggers_and_span(configure: Configure, log_dir: Path) -> None:
    configure(max_bytes=1500, backup_count=50)
    _log_sample()
    reset_logging()
    stats = Stats()
    for record in read_records(log_dir):
        stats.add(record)
    assert stats.records == 40
    assert dict(stats.levels) == {"INFO": 36, "ERROR": 4}
    assert dict(stats.loggers) == {"app": 20, "app.db": 20}
    assert stats.first is not None
    assert stats.last is not None
    assert stats.first <= stats.last
    lines = stats.render().splitlines()
    assert lines[0].startswith("records: 40, ")
    assert lines[1:4] == [
        "level     records",
        "INFO           36",
        "ERROR           4",
    ]


@contextlib.contextmanager
def _following(reader: LogReader) -> Iterator[queue.Queue[Record]]:
    """``reader.follow`` on a thread while in the block; its records arrive in the queue."""
    found: queue.Queue[Record] = queue.Queue()
    stop = threading.Event()

    def run() -> None:
        for record in reader.follow(stop, poll=0.05):
            found.put(record)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


def _take(found: queue.Queue[Record], count: int) -> list[Record]:
    return [found.get(timeout=30) for _ in range(count)]


def test_follow_in_process_across_rotations(configure: Configure, log_dir: Path) -> None:
    configure(max_bytes=1500, backup_count=50)
    log = get_logger("app")
    for index in range(5):
        log.info("record %03d", index)
    with _following(LogReader(log_dir)) as found:
        assert _numbers(_take(found, 5)) == list(range(5))
        for index in range(5, 200):  # about 14 rotations, several between two polls
            log.info("record %03d %s", index, "y" * 60)
        assert _numbers(_take(found, 195)) == list(range(5, 200))
    assert found.empty()


def test_follow_notices_a_truncation(configure: Configure, log_dir: Path) -> None:
    """logrotate's copytruncate empties the file in place: read again from its start."""
    configure(format_string="%(message)s")
    log, path = get_logger("app"), log_dir / "alonechat.log"
    log.info("record 000 %s", "a" * 50)
    with _following(LogReader(log_dir)) as found:
        assert [r.text for r in _take(found, 1)] == [f"record 000 {'a' * 50}"]
        os.truncate(path, 0)
        log.info("record 001")  # the file is shorter than what was read
        assert [r.text for r in _take(found, 1)] == ["record 001"]
        os.truncate(path, 0)
        log.info("record 002 %s", "b" * 80)  # refilled past what was read
        assert [r.text for r in _take(found, 1)] == [f"record 002 {'b' * 80}"]
    assert found.empty()


def test_follow_waits_for_the_file_and_ends_a_text_record_when_quiet(
    configure: Configure, log_dir: Path
) -> None:
    configure()
    get_logger("app").info("record 000")
    reset_logging()
    (log_dir / "alonechat.log").rename(log_dir / "alonechat.log.1")  # only a backup
    with _following(LogReader(log_dir)) as found:
        assert _numbers(_take(found, 1)) == [0]
        configure()
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            get_logger("app").exception("record 001")
        (record,) = _take(found, 1)  # with its traceback, once the file is quiet
        assert record.message == "record 001"
        assert record.traceback.endswith("RuntimeError: boom")
    assert found.empty()


def _lines(stream: subprocess.Popen[str]) -> Iterator[str]:
    assert stream.stdout is not None
    return iter(stream.stdout.readline, "")


def test_follow_command_across_rotations_then_sigterm(
    configure: Configure, log_dir: Path, tmp_path: Path
) -> None:
    configure(max_bytes=2000, backup_count=100, json_output=True, level="DEBUG")
    log = get_logger("app.follow")
    for index in range(10):
        log.info("record %03d", index)
    with start_python(
        "-m",
        "alonechat",
        "logs",
        str(log_dir),
        "--follow",
        "--level",
        "info",
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as viewer:
        lines: queue.Queue[str] = queue.Queue()
        reading = threading.Thread(
            target=lambda: [lines.put(line) for line in _lines(viewer)], daemon=True
        )
        reading.start()
        try:
            seen = [lines.get(timeout=60) for _ in range(10)]  # following now
            for index in range(10, 300):  # through about 20 rotations
                if index % 7 == 0:
                    log.debug("record %03d is below the level", index)
                log.info("record %03d %s", index, "z" * 60)
            seen += [lines.get(timeout=60) for _ in range(290)]
        finally:
            viewer.send_signal(signal.SIGTERM)
            code = viewer.wait(timeout=30)
            reading.join(timeout=30)
        assert viewer.stderr is not None
        assert (code, viewer.stderr.read()) == (0, "")
    numbers = [int(re.search(r"\| record (\d+)", line).group(1)) for line in seen]  # type: ignore[union-attr]
    assert numbers == list(range(300)), "a record was lost, doubled or out of order"
    assert lines.empty()
    assert all("\x1b" not in line for line in seen)  # not a terminal: no colors
    assert len(list(log_dir.glob("alonechat.log.*"))) > 10


def test_a_line_over_the_limit_is_cut_with_a_marker_and_reading_goes_on(tmp_path: Path) -> None:
    """LineReader keeps a line's first ``limit`` bytes and counts the rest in its marker; a
    line without its newline waits for more (the file is being written), then ends it."""
    path = tmp_path / "lines"
    path.write_bytes(b"short\n" + b"0123456789" * 3 + b"\n" + b"x" * 10 + b"\nafter\npart")
    with open(path, "rb") as stream:
        lines = LineReader(stream, limit=10)
        assert lines.read() == [
            "short",
            "0123456789 [... 20 bytes cut]",
            "xxxxxxxxxx",  # at the limit: whole
            "after",
        ]
        assert lines.midline
        with open(path, "ab") as more:
            more.write(b"ly written\xff" + b"y" * 20)  # still no newline, now over the limit
        assert lines.read() == []
        assert lines.rest() == ["partly wri [... 25 bytes cut]"]
        assert (lines.read(), lines.rest()) == ([], [])
    with pytest.raises(ValueError, match="limit must be at least 1 byte, got 0"):
        LineReader(stream, limit=0)


def test_a_text_record_with_a_huge_traceback_is_cut_and_the_next_record_read(
    configure: Configure, log_dir: Path
) -> None:
    """The lines under a text record are kept up to LINE_LIMIT characters: the rest are
    counted in a last line, and the record after them is read as usual."""
    configure()
    get_logger("app").error("record 000")
    get_logger("app").info("record 001")
    reset_logging()
    path = log_dir / "alonechat.log"
    first, second = path.read_text().splitlines()
    line = "  frame " + "y" * 1000
    count = 2 * LINE_LIMIT // len(line)
    path.write_text(first + "\n" + (line + "\n") * count + second + "\n")
    records = list(read_records(log_dir))
    assert _numbers(records) == [0, 1]
    kept = records[0].traceback.split("\n")
    assert set(kept[:-1]) == {line}
    assert len(kept[:-1]) == LINE_LIMIT // (len(line) + 1)
    assert kept[-1] == f"[... {count - len(kept) + 1:,} more lines cut]"
    assert records[1].traceback == ""


def test_grep_patterns_plain_text_and_re2() -> None:
    """--grep: plain text is found with ``in``; a regular expression runs on RE2, which has
    no backtracking (so no lookarounds or backreferences) and is found in text holding a
    lone surrogate."""
    plain = parse_pattern("a.b")  # "." makes it a regular expression
    assert plain.search("a-b")
    assert not plain.search("ab")
    text = parse_pattern("connection refused")
    assert text.search("... connection refused")
    assert not text.search("connection")
    assert parse_pattern(r"(a+)+$").search("a" * 100_000)
    assert not parse_pattern(r"(a+)+$").search("a" * 100_000 + "b")
    assert parse_pattern(r"bad \\ud800 c.ar").search("bad \ud800 char")  # as it is shown
    assert parse_pattern("(?i)ERROR").search("an error")
    with pytest.raises(ValueError, match=r"invalid regular expression '\(\?=a\)'.*RE2 syntax"):
        parse_pattern("(?=a)")
    with pytest.raises(ValueError, match=r"invalid regular expression '\(a\)\\\\1'"):
        parse_pattern(r"(a)\1")


def test_many_distinct_names_are_counted_and_noted_in_bounded_memory(tmp_path: Path) -> None:
    """Past NAMES_COUNTED loggers (or levels), Stats counts the records of the others under
    one name; past ten unknown level names, one note says there are more."""
    logs = tmp_path / "logs"
    logs.mkdir()
    count = NAMES_COUNTED + 5
    records = (
        {"time": "2026-12-04T10:00:00+00:00", "level": f"L{n}", "logger": f"app.{n}",
         "message": "m"} for n in range(count)
    )  # fmt: skip
    (logs / "alonechat.log").write_text("".join(json.dumps(r) + "\n" for r in records))
    notes: list[str] = []
    stats = Stats()
    for record in LogReader(logs, RecordFilter(level=0), note=notes.append).read():
        stats.add(record)
    assert stats.records == count
    assert len(stats.loggers) == len(stats.levels) == NAMES_COUNTED + 1
    assert stats.loggers[OTHERS] == stats.levels[OTHERS] == 5
    assert notes[0] == "level 'L0' is not a known level: its records are shown"
    assert len(notes) == 11
    assert notes[-1] == "more levels that are not known: their records are shown too"


def test_the_lines_of_a_gzip_backup_before_its_cut_are_read(tmp_path: Path) -> None:
    """A backup whose gzip stream is cut in half: the lines before the cut (read in the same
    batch as the error) are shown, then one note says the file could not be read to its end."""
    lines = b"".join(b"record %04d %s\n" % (n, b"x" * 60) for n in range(263))
    data = gzip.compress(lines)
    (tmp_path / "alonechat.log.1.gz").write_bytes(data[: len(data) // 2])
    notes: list[str] = []
    texts = [r.text for r in LogReader(tmp_path, note=notes.append).read()]
    whole = [t for t in texts if re.fullmatch(r"record \d{4} x{60}", t)]
    assert whole == [f"record {n:04d} {'x' * 60}" for n in range(len(whole))]
    assert len(whole) > 100  # about half of the 263
    assert len(notes) == 1
    assert notes[0].startswith("cannot read ")

"""Rotating files: .1..N backups, the error log, no lost or split lines, permissions."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, LoggingManager, get_logger, stats
from alonechat.core.logging._sinks import (
    CUT_MARK,
    VERIFY_EVERY,
    RotatingFile,
    batch,
    ensure_directory,
)
from tests.helpers import read_lines, run_module, small_disk

Configure = Callable[..., LogConfig]


def test_main_and_error_logs(configure: Configure, log_dir: Path) -> None:
    """alonechat.log gets every record at the level; alonechat_errors.log ERROR and up."""
    configure(level="INFO", format_string="%(levelname)s %(message)s")
    logger = get_logger("files")
    for method in ("debug", "info", "warning", "error", "critical"):
        getattr(logger, method)(method)
    assert read_lines(log_dir / "alonechat.log") == [
        "INFO info",
        "WARNING warning",
        "ERROR error",
        "CRITICAL critical",
    ]
    assert read_lines(log_dir / "alonechat_errors.log") == ["ERROR error", "CRITICAL critical"]


def test_rotation_keeps_every_record_once_in_numbered_backups(
    configure: Configure, log_dir: Path
) -> None:
    """Size rotation: .1 is the newest backup, at most backup_count, no line split or lost."""
    configure(max_bytes=1000, backup_count=3, format_string="%(message)s")
    logger = get_logger("rotate")
    for index in range(60):
        logger.info("record %03d %s", index, "x" * 40)  # 51 bytes a line
    files = sorted(p.name for p in log_dir.glob("alonechat.log*"))
    assert files == ["alonechat.log", "alonechat.log.1", "alonechat.log.2", "alonechat.log.3"]
    for path in log_dir.glob("alonechat.log*"):
        assert path.stat().st_size <= 1000
    lines = read_lines(log_dir / "alonechat.log", backups=True)
    numbers = [int(line.split()[1]) for line in lines]
    assert numbers == sorted(numbers), "backups are not numbered newest first"
    assert numbers == list(range(60 - len(numbers), 60)), "a record is missing or doubled"
    assert all(
        line == f"record {n:03d} {'x' * 40}" for n, line in zip(numbers, lines, strict=False)
    )


def test_oldest_backup_is_dropped(configure: Configure, log_dir: Path) -> None:
    configure(max_bytes=100, backup_count=2, format_string="%(message)s")
    logger = get_logger("rotate")
    for index in range(30):
        logger.info("%02d %s", index, "y" * 60)  # one record per file
    assert [read_lines(log_dir / f"alonechat.log{s}") for s in (".2", ".1", "")] == [
        [f"27 {'y' * 60}"],
        [f"28 {'y' * 60}"],
        [f"29 {'y' * 60}"],
    ]
    assert not (log_dir / "alonechat.log.3").exists()


def test_no_backups_discards_the_full_file(configure: Configure, log_dir: Path) -> None:
    configure(max_bytes=100, backup_count=0, format_string="%(message)s")
    for index in range(5):
        get_logger("rotate").info("%d %s", index, "z" * 60)
    names = sorted(p.name for p in log_dir.iterdir())
    assert names == [".alonechat.log.lock", "alonechat.log", "alonechat_errors.log"]
    assert read_lines(log_dir / "alonechat.log") == [f"4 {'z' * 60}"]


def test_error_log_rotates_the_same_way(configure: Configure, log_dir: Path) -> None:
    configure(max_bytes=200, backup_count=2, format_string="%(message)s")
    for index in range(10):
        get_logger("rotate").error("%d %s", index, "e" * 80)
    assert (log_dir / "alonechat_errors.log.2").exists()
    assert not (log_dir / "alonechat_errors.log.3").exists()
    numbers = [
        int(line.split()[0]) for line in read_lines(log_dir / "alonechat_errors.log", backups=True)
    ]
    assert numbers == list(range(10 - len(numbers), 10))


def test_rotation_counts_bytes_not_characters(configure: Configure, log_dir: Path) -> None:
    """101-byte lines of 51 characters: two to a 300-byte file, every record kept."""
    configure(max_bytes=300, backup_count=5, format_string="%(message)s")
    for _ in range(10):
        get_logger("utf8").info("é" * 50)  # 101 bytes a line
    assert read_lines(log_dir / "alonechat.log", backups=True) == ["é" * 50] * 10
    files = list(log_dir.glob("alonechat.log*"))
    assert len(files) == 5  # counting characters, five lines would fit a file: two files
    for path in files:
        assert path.stat().st_size <= 300


def test_appends_to_an_existing_log_and_rotates_by_its_size(
    configure: Configure, log_dir: Path
) -> None:
    log_dir.mkdir()
    (log_dir / "alonechat.log").write_text("old line\n" * 100)  # 900 bytes
    configure(max_bytes=1000, backup_count=1, format_string="%(message)s")
    get_logger("append").info("a" * 200)
    assert read_lines(log_dir / "alonechat.log.1") == ["old line"] * 100
    assert read_lines(log_dir / "alonechat.log") == ["a" * 200]


def test_files_and_directories_are_not_world_readable(configure: Configure, tmp_path: Path) -> None:
    """Files 0o640 and created directories 0o750, whatever the umask."""
    old_umask = os.umask(0)
    try:
        configure(log_dir=tmp_path / "deep" / "logs")
        get_logger("perm").info("hello")
    finally:
        os.umask(old_umask)
    for directory in (tmp_path / "deep", tmp_path / "deep" / "logs"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o750
    for name in ("alonechat.log", "alonechat_errors.log"):
        assert stat.S_IMODE((tmp_path / "deep" / "logs" / name).stat().st_mode) == 0o640


def test_modes_are_configurable(configure: Configure, log_dir: Path) -> None:
    configure(file_mode=0o600, dir_mode=0o700)
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((log_dir / "alonechat.log").stat().st_mode) == 0o600


def test_backups_keep_the_file_mode(configure: Configure, log_dir: Path) -> None:
    configure(max_bytes=50, format_string="%(message)s")
    for _ in range(3):
        get_logger("perm").info("x" * 40)
    assert stat.S_IMODE((log_dir / "alonechat.log.1").stat().st_mode) == 0o640


def test_ensure_directory_refuses_a_path_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(OSError, match="file"):
        ensure_directory(tmp_path / "file" / "logs", 0o750)


def test_a_file_deleted_or_rotated_away_is_started_again(
    configure: Configure, log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """logrotate renames the file, or someone deletes it: a new one appears at the path."""
    monkeypatch.setattr("alonechat.core.logging._sinks.WATCH_INTERVAL", 0.0)
    configure(format_string="%(message)s")
    logger = get_logger("watched")
    logger.info("one")
    (log_dir / "alonechat.log").rename(log_dir / "alonechat.log.rotated")
    logger.info("two")
    assert read_lines(log_dir / "alonechat.log.rotated") == ["one"]
    assert read_lines(log_dir / "alonechat.log") == ["two"]


@pytest.mark.parametrize("enqueue", [False, True], ids=["sync", "enqueue"])
def test_eight_threads_through_many_rotations(
    configure: Configure, log_dir: Path, enqueue: bool
) -> None:
    """8 threads x 5,000 records through 2 KB files (some 130 rotations), switching threads
    every 10 us so that they interleave at every step: each record once, in its thread's
    order, no torn line, backups numbered .1..N newest first. (It took 800,000 records
    through 64 KB files, 20 s, to get as many rotations and interleavings.)"""
    import itertools
    import sys
    import threading

    from alonechat.core.logging import reset_logging

    configure(max_bytes=2048, backup_count=400, format_string="%(message)s", enqueue=enqueue)

    def writer(tag: int) -> None:
        logger = get_logger(f"t{tag}")
        for index in range(5_000):
            logger.info("%d %d", tag, index)

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    reset_logging()  # with enqueue: once the queue is written
    backups = sorted(int(p.suffix[1:]) for p in log_dir.glob("alonechat.log.*"))
    assert backups == list(range(1, len(backups) + 1))
    assert 50 < len(backups) <= 400  # many rotations, none dropped
    last: dict[int, int] = {}
    tags: list[int] = []
    for path in [
        *(log_dir / f"alonechat.log.{n}" for n in reversed(backups)),
        log_dir / "alonechat.log",
    ]:
        assert path.stat().st_size <= 2048
        for line in read_lines(path):
            tag, index = map(int, line.split())  # a torn line would not parse
            assert index == last.get(tag, -1) + 1, "lost, doubled or out of order"
            last[tag] = index
            tags.append(tag)
    assert len(tags) == 40_000
    switches = sum(a != b for a, b in itertools.pairwise(tags))
    assert switches > 100, "the threads took turns rather than writing concurrently"


def test_a_deleted_file_or_directory_is_noticed_at_the_next_write(
    configure: Configure, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every record logged after the deletion is in the new file: those written to the
    deleted file before it was noticed are written again (with the few before the deletion
    that were not checked yet)."""
    configure(format_string="%(message)s")
    logger = get_logger("deleted")
    before = [f"before {i}" for i in range(100)]
    for line in before:
        logger.info(line)
    (log_dir / "alonechat.log").unlink()
    for index in range(100):
        logger.info("after %d", index)
    lines = read_lines(log_dir / "alonechat.log")
    again = len(lines) - 100
    assert lines[again:] == [f"after {i}" for i in range(100)]
    assert again < VERIFY_EVERY
    assert lines[:again] == before[len(before) - again :]
    (log_dir / "alonechat.log").unlink()
    (log_dir / "alonechat_errors.log").unlink()
    log_dir.rmdir()
    in_new = [f"in a new directory {i}" for i in range(VERIFY_EVERY)]
    for line in in_new:
        logger.error(line)
    lines = read_lines(log_dir / "alonechat.log")
    assert lines[-VERIFY_EVERY:] == in_new
    assert lines[:-VERIFY_EVERY] == [
        f"after {i}" for i in range(100 - len(lines) + VERIFY_EVERY, 100)
    ]
    assert read_lines(log_dir / "alonechat_errors.log") == in_new
    assert capsys.readouterr().err == ""


def test_a_batch_is_written_in_as_few_writes_as_rotation_allows(tmp_path: Path) -> None:
    """Records held in a batch rotate as single ones do: each file at most max_bytes, no
    record split, every record once and in order."""
    file = RotatingFile(tmp_path / "b.log", max_bytes=300, backup_count=20, file_mode=0o600)
    lines = [f"record {n:03d} {'x' * (n % 37)}" for n in range(200)]
    with batch():
        for line in lines:
            file.write(line + "\n")
        assert not (tmp_path / "b.log").stat().st_size  # held until the batch ends
    file.stop()
    assert read_lines(tmp_path / "b.log", backups=True) == lines
    assert all(path.stat().st_size <= 300 for path in tmp_path.glob("b.log*"))
    assert len(list(tmp_path.glob("b.log.*"))) >= 15


def test_a_thread_never_waits_for_another_one_writing_the_file(tmp_path: Path) -> None:
    """A thread that finds the file being written (its lock held) leaves its records and
    returns; the thread writing writes them after its own, in order, before it returns."""
    import threading

    file = RotatingFile(tmp_path / "w.log", max_bytes=1 << 20, backup_count=1, file_mode=0o600)
    file._lock.acquire()  # another thread is writing
    try:
        others = [threading.Thread(target=file.write, args=(f"t{n}\n",)) for n in range(3)]
        for thread in others:
            thread.start()
            thread.join(timeout=10)
        assert not any(thread.is_alive() for thread in others)  # none waited
        assert (tmp_path / "w.log").read_text() == ""
    finally:
        file._lock.release()
    file.write("main\n")  # a writer takes the records left to it, then its own
    assert read_lines(tmp_path / "w.log") == ["t0", "t1", "t2", "main"]
    file.configure(max_bytes=1 << 20, backup_count=1, file_mode=0o600)
    file._lock.acquire()
    threading.Thread(target=file.write, args=("during stop\n",)).start()
    file._lock.release()
    file.stop()  # closing writes what was left first
    assert read_lines(tmp_path / "w.log")[-1] == "during stop"


def test_a_file_that_cannot_rotate_grows_rather_than_drops(
    configure: Configure, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rotation lock cannot be made (its path is a directory): one warning, every record
    written to the growing file; once rotating works again, it rotates and says so."""
    configure(max_bytes=500, backup_count=2, format_string="%(message)s")
    blocker = log_dir / ".alonechat.log.lock"
    blocker.mkdir()
    logger = get_logger("grow")
    for index in range(40):
        logger.info("record %03d %s", index, "x" * 40)
    written = read_lines(log_dir / "alonechat.log")
    assert written == [f"record {n:03d} {'x' * 40}" for n in range(40)]
    assert not (log_dir / "alonechat.log.1").exists()
    err = capsys.readouterr().err
    assert err.count("cannot rotate") == 1
    assert "grows past max_bytes" in err
    blocker.rmdir()
    logger.info("after")
    assert read_lines(log_dir / "alonechat.log") == ["after"]
    assert len(read_lines(log_dir / "alonechat.log.1")) == 40
    assert "rotating" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        ({2: "b", 3: "c"}, {1: "live", 2: "b", 3: "c"}),  # killed before alonechat.log -> .1
        ({1: "a", 3: "c"}, {1: "live", 2: "a", 3: "c"}),
        ({3: "c"}, {1: "live", 2: "c"}),
        ({1: "a", 2: "b", 3: "c"}, {1: "live", 2: "a", 3: "b"}),  # the usual rotation
    ],
)
def test_a_rotation_cut_short_leaves_no_gap_after_the_next(
    configure: Configure, log_dir: Path, left: dict[int, str], expected: dict[int, str]
) -> None:
    """Backups a crashed rotation left with a gap are renumbered .1 .. .N, newest first,
    by the next rotation."""
    log_dir.mkdir()
    (log_dir / "alonechat.log").write_text("live\n")
    for number, text in left.items():
        (log_dir / f"alonechat.log.{number}").write_text(f"{text}\n")
    configure(max_bytes=10, backup_count=3, format_string="%(message)s")
    get_logger("gap").info("next record")
    backups = {
        int(path.suffix[1:]): path.read_text().strip() for path in log_dir.glob("alonechat.log.*")
    }
    assert backups == expected
    assert read_lines(log_dir / "alonechat.log") == ["next record"]


def test_a_symlink_planted_as_the_log_file_is_not_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``logs/alonechat.log -> a file of someone else's``: refused with one warning naming
    the path; the target keeps its content, the error log is still written."""
    from alonechat.core.logging import LogConfig, configure_logging, get_logger, reset_logging

    logs = tmp_path / "logs"
    logs.mkdir()
    target = tmp_path / "target"
    target.write_text("someone else's\n")
    (logs / "alonechat.log").symlink_to(target)
    configure_logging(LogConfig(log_dir=logs, console_output=False, format_string="%(message)s"))
    get_logger("app").error("not through the link")
    reset_logging()
    assert target.read_text() == "someone else's\n"
    assert (logs / "alonechat_errors.log").read_text() == "not through the link\n"
    err = capsys.readouterr().err
    assert err.count(f"{logs / 'alonechat.log'}") >= 1
    assert "symbolic link" in err


@pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("enqueue", [False, True], ids=["direct", "enqueue"])
def test_a_disk_that_fills_up_loses_exactly_the_records_it_counts(
    configure: Configure,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    enqueue: bool,
    json_output: bool,
) -> None:
    """On a real 256 KiB file system that fills up twice: the records found in the file
    plus those ``stats()`` counts as dropped are exactly the records logged (none twice),
    and a record the full disk cut in the middle is one line ending in CUT_MARK; every
    other line is a whole record (a JSON object in JSON files)."""
    disk = tmp_path / "disk"
    with small_disk(disk, "256k"):
        fillers = [disk / "filler-1", disk / "filler-2"]
        for filler in fillers:
            filler.write_bytes(b"f" * 65536)  # freed one at a time: the disk fills twice
        before = stats()["dropped"]
        configure(
            log_dir=disk, max_bytes=10 * 2**20, format_string="%(message)s",
            json_output=json_output, enqueue=enqueue,
        )  # fmt: skip
        logger = get_logger("disk")
        phases = [3000, 1000, 10]  # 97-byte text records: ~1,350 fit, then ~675, then all
        number = 0
        for phase, count in enumerate(phases):
            for _ in range(count):
                logger.info("rec %06d %s end", number, "x" * 81)
                number += 1
            LoggingManager()._writer.flush()
            if phase < len(fillers):
                fillers[phase].unlink()
        path = disk / "alonechat.log"
        data = path.read_bytes()
        dropped = stats()["dropped_by_destination"][str(path)]
        assert stats()["dropped"] - before == dropped  # nothing counted twice elsewhere
    err = capsys.readouterr().err  # a run of losses per fill, each counted
    runs = re.findall(r"alonechat.log again; (\d+) records dropped since", err)
    assert err.count("cannot write") == len(runs) == 2, err
    assert sum(map(int, runs)) == dropped

    found, fragments = [], 0
    mark = CUT_MARK.decode().rstrip("\n")
    assert data.endswith(b"\n")
    for line in data.decode("utf-8").splitlines():
        if line.endswith(mark):
            fragments += 1
            continue
        message = json.loads(line)["message"] if json_output else line
        match = re.fullmatch(r"rec (\d{6}) x{81} end", message)
        assert match, line
        found.append(int(match.group(1)))
    assert len(found) == len(set(found))  # none written twice
    assert len(found) + dropped == sum(phases)
    assert found[-phases[-1] :] == list(range(sum(phases) - phases[-1], sum(phases)))
    assert len(found) < sum(phases) - 1000
    assert fragments <= 2
    if not json_output:  # 97-byte records never end on a 4 KiB page: the first cut tears one
        assert fragments >= 1
    else:  # the viewer sees each fragment as one malformed record, the rest as records
        copy = tmp_path / "copy"
        copy.mkdir()
        (copy / "alonechat.log").write_bytes(data)
        shown = run_module("alonechat", "logs", str(copy), "--json")
        assert len(shown.stdout.splitlines()) == len(found) + fragments
        warned = f"warning: {fragments} malformed line" if fragments else "malformed"
        assert (warned in shown.stderr) == bool(fragments), shown.stderr

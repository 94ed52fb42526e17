"""Backups: rotation by time (an injected clock, no sleeping), compression, cleanup, and
several processes through all of it."""

from __future__ import annotations

import gzip
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, get_logger, reset_logging, stats
from alonechat.core.logging._backups import COMPRESSOR, backups, next_rotation, period_start
from alonechat.core.logging._sinks import CUT_MARK, RotatingFile
from tests.helpers import small_disk, start_python


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


class Clock:
    """A clock the test moves."""

    def __init__(self, text: str) -> None:
        self.now = _utc(text)

    def __call__(self) -> float:
        return self.now

    def set(self, text: str) -> None:
        self.now = _utc(text)


def all_records(path: Path) -> list[str]:
    """Every line of ``path`` and its backups, plain or gzip, oldest backup first."""
    lines: list[str] = []
    for _, name in sorted(backups(str(path)).items(), reverse=True):
        opener = gzip.open if name.endswith(".gz") else open
        with opener(name, "rt", encoding="utf-8") as file:
            lines += file.read().splitlines()
    return lines + (path.read_text().splitlines() if path.exists() else [])


@pytest.mark.parametrize(
    ("rotate_at", "now", "start", "end"),
    [
        ("hourly", "2026-11-30 12:34:56", "2026-11-30 12:00:00", "2026-11-30 13:00:00"),
        ("midnight", "2026-11-30 23:59:59", "2026-11-30 00:00:00", "2026-12-01 00:00:00"),
        ("monday", "2026-11-29 08:00:00", "2026-11-23 00:00:00", "2026-11-30 00:00:00"),
        ("sunday", "2026-11-29 08:00:00", "2026-11-29 00:00:00", "2026-12-06 00:00:00"),
    ],
)
def test_periods_in_utc(rotate_at: str, now: str, start: str, end: str) -> None:
    assert period_start(_utc(now), rotate_at, utc=True) == _utc(start)
    assert next_rotation(_utc(now), rotate_at, utc=True) == _utc(end)


@pytest.fixture
def berlin() -> Iterator[None]:
    """Local time is Europe/Berlin (daylight saving time starts on 2026-03-29)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_a_local_day_with_a_clock_change_has_23_hours(berlin: None) -> None:
    noon = datetime(2026, 3, 29, 12, 0).timestamp()  # local
    start, end = period_start(noon, "midnight", utc=False), next_rotation(noon, "midnight", False)
    assert datetime.fromtimestamp(start).hour == 0
    assert datetime.fromtimestamp(end) == datetime(2026, 3, 30, 0, 0)
    assert end - start == 23 * 3600


def test_rotation_at_midnight_and_by_size_whichever_comes_first(tmp_path: Path) -> None:
    clock = Clock("2026-11-30 23:58:00")
    path = tmp_path / "app.log"
    file = RotatingFile(path, max_bytes=200, backup_count=10, file_mode=0o600,
                        rotate_at="midnight", utc=True, clock=clock)  # fmt: skip
    for index in range(3):
        file.write(f"before midnight {index}\n")
    clock.set("2026-12-01 00:00:01")
    file.write("after midnight\n")  # the period is over: rotates first
    assert path.read_text() == "after midnight\n"
    assert Path(f"{path}.1").read_text().splitlines() == [f"before midnight {i}" for i in range(3)]
    for index in range(20):  # ~17 bytes each: size rotates within the day too
        file.write(f"same day {index:04d}\n")
    file.stop()
    expected = [f"before midnight {i}" for i in range(3)] + ["after midnight"]
    assert all_records(path) == expected + [f"same day {i:04d}" for i in range(20)]
    assert all(os.path.getsize(name) <= 200 for name in backups(str(path)).values())


def test_an_empty_file_does_not_rotate_and_an_old_one_rotates_at_once(tmp_path: Path) -> None:
    clock = Clock("2026-11-30 10:00:00")
    path = tmp_path / "app.log"
    path.write_text("from yesterday\n")
    os.utime(path, (_utc("2026-11-29 18:00:00"),) * 2)
    file = RotatingFile(path, max_bytes=10_000, backup_count=3, file_mode=0o600,
                        rotate_at="hourly", utc=True, clock=clock)  # fmt: skip
    file.write("today\n")
    assert Path(f"{path}.1").read_text() == "from yesterday\n"
    clock.set("2026-11-30 13:30:00")
    file.stop()
    path.write_text("")  # an empty file at the end of its period
    file.write("first of the new period\n")
    file.stop()
    assert path.read_text() == "first of the new period\n"
    assert sorted(backups(str(path))) == [1]


def test_backups_are_compressed_off_the_callers_thread_readable_and_private(
    tmp_path: Path,
) -> None:
    path = tmp_path / "app.log"
    file = RotatingFile(path, max_bytes=300, backup_count=50, file_mode=0o640, compress=True)
    lines = [f"record {index:05d} {'x' * 40}" for index in range(200)]
    for line in lines:
        file.write(line + "\n")
    assert COMPRESSOR.wait(30)
    file.stop()
    names = backups(str(path))
    assert len(names) > 20
    assert all(name.endswith(".gz") for name in names.values())
    for name in names.values():
        assert stat.S_IMODE(os.stat(name).st_mode) == 0o640
    assert all_records(path) == lines  # every record once, in order, readable through gzip


def test_a_crash_mid_compression_leaves_the_plain_or_the_complete_gz(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("live\n")
    Path(f"{path}.1").write_text("one\n")
    with gzip.open(f"{path}.1.gz", "wt") as compressed:  # renamed in, plain not yet removed
        compressed.write("one\n")
    Path(f"{path}.2").write_text("two\n")
    Path(f"{path}.2.gz.tmp-999999999").write_text("half")  # a dead process's temporary file
    file = RotatingFile(path, max_bytes=5, backup_count=5, file_mode=0o600)
    file.write("next record\n")
    file.stop()
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["app.log", "app.log.1", "app.log.2.gz", "app.log.3", ".app.log.lock"]
    )
    assert all_records(path) == ["two", "one", "live", "next record"]


def test_cleanup_by_age_and_by_total_size(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    for number in range(1, 6):
        Path(f"{path}.{number}").write_text("x" * 100 + "\n")
        os.utime(f"{path}.{number}", (time.time() - number * 86_400,) * 2)  # .N is N days old
    path.write_text("live\n")
    file = RotatingFile(path, max_bytes=5, backup_count=10, file_mode=0o600, retention_days=3.5)
    file.write("rotates\n")
    # .1..5 became .2..6 (1..5 days old) and the live file .1: the 4 and 5 days old went
    assert sorted(backups(str(path))) == [1, 2, 3, 4]
    file.configure(max_bytes=5, backup_count=10, file_mode=0o600, max_total_bytes=250)
    file.write("and again\n")
    file.stop()
    # .1 "rotates" (8 bytes), .2 "live" (5), .3 and .4 (101 each): 215; a fifth passes 250
    assert sorted(backups(str(path))) == [1, 2, 3, 4]


def test_the_config_fields_reach_the_files(
    configure: Callable[..., LogConfig], log_dir: Path
) -> None:
    configure(format_string="%(message)s", max_bytes=100, backup_count=50, compress="gz",
              rotate_at="midnight")  # fmt: skip
    for index in range(20):
        get_logger("cfg").info("record %02d %s", index, "y" * 30)
    reset_logging()
    assert COMPRESSOR.wait(30)
    names = backups(str(log_dir / "alonechat.log"))
    assert len(names) > 5
    assert all(name.endswith(".gz") for name in names.values())
    assert all_records(log_dir / "alonechat.log") == [
        f"record {i:02d} {'y' * 30}" for i in range(20)
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rotate_at": "daily"}, "LogConfig.rotate_at: unknown period 'daily'; allowed: None,"),
        ({"compress": "zip"}, "LogConfig.compress: must be None or 'gz', got 'zip'"),
        ({"retention_days": 0}, "LogConfig.retention_days: must be a number of days > 0"),
        ({"max_total_bytes": 0}, "LogConfig.max_total_bytes: must be an int >= 1 (bytes)"),
        ({"rotate_utc": "yes"}, "LogConfig.rotate_utc: must be True or False"),
    ],
)
def test_bad_lifecycle_settings(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        LogConfig(**fields)  # type: ignore[arg-type]


# One worker: its own RotatingFile on the shared path, a clock 3,600 times faster than the
# real one (an hour a second, so "hourly" rotates every second), size rotation, compression.
_WORKER = """
import sys, time
from pathlib import Path
from alonechat.core.logging._backups import COMPRESSOR
from alonechat.core.logging._sinks import RotatingFile
tag, count, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base, start = time.time(), time.monotonic()
def clock():
    return base + (time.monotonic() - start) * 3600
file = RotatingFile(Path(path), max_bytes=4000, backup_count=10_000, file_mode=0o600,
                    rotate_at="hourly", utc=True, compress=True, clock=clock)
for index in range(count):
    file.write(f"{tag} {index:06d}\\n")
    if index % 500 == 0:
        time.sleep(0.05)
file.stop()
assert COMPRESSOR.wait(60)
"""


def test_four_processes_through_time_and_size_rotation_with_compression(tmp_path: Path) -> None:
    path = tmp_path / "shared.log"
    workers = [start_python("-c", _WORKER, tag, "5000", str(path), cwd=tmp_path) for tag in "abcd"]
    for worker in workers:
        assert worker.wait(timeout=120) == 0, worker.stderr.read() if worker.stderr else ""
    lines = all_records(path)
    for tag in "abcd":
        mine = [line for line in lines if line.startswith(f"{tag} ")]
        assert mine == [f"{tag} {index:06d}" for index in range(5000)]  # none lost or twice
    assert len(lines) == 20_000
    names = backups(str(path))
    assert sorted(names) == list(range(1, len(names) + 1))  # .1 .. .N, no gap
    assert sum(name.endswith(".gz") for name in names.values()) >= len(names) - 4


def test_the_docs_production_recipe_runs(tmp_path: Path) -> None:
    from tests.helpers import doc_blocks

    (recipe,) = doc_blocks("docs/files.md", "Rotation by time, compression and cleanup", "python")
    exec(compile(recipe, "docs/files.md", "exec"), {})
    from alonechat.core.logging import LoggingManager

    config = LoggingManager().config
    assert config is not None
    assert (config.rotate_at, config.compress, config.retention_days) == ("midnight", "gz", 30)
    get_logger("recipe").info("written")
    reset_logging()
    assert "written" in (tmp_path / "logs" / "prod" / "alonechat.log").read_text()


def test_a_backup_being_compressed_has_the_logs_mode_from_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The temporary ``.gz.tmp-<pid>`` is never more readable than the log (0640 here),
    whatever the umask (000 in this test)."""
    from alonechat.core.logging import _backups

    path = tmp_path / "app.log"
    path.write_text("current\n")
    Path(f"{path}.1").write_text("secret-free backup\n")
    monkeypatch.setattr(_backups, "SETTLE", 0)
    seen: list[int] = []
    copy = _backups.shutil.copyfileobj

    def watching(source: object, target: object, length: int) -> None:
        (temporary,) = tmp_path.glob("*.gz.tmp-*")
        seen.append(stat.S_IMODE(os.stat(temporary).st_mode))
        copy(source, target, length)  # type: ignore[arg-type]

    monkeypatch.setattr(_backups.shutil, "copyfileobj", watching)
    old = os.umask(0)
    try:
        _backups.compress_backups(str(path), _backups.Lifecycle(backup_count=3, file_mode=0o640))
    finally:
        os.umask(old)
    assert seen == [0o640]
    assert stat.S_IMODE(os.stat(f"{path}.1.gz").st_mode) == 0o640


def test_a_planted_symlink_among_the_backups_is_never_compressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``app.log.1 -> a file of someone else's`` is not read into a readable ``.gz``."""
    from alonechat.core.logging import _backups

    private = tmp_path / "private"
    private.write_text("not yours\n")
    private.chmod(0o600)
    path = tmp_path / "app.log"
    path.write_text("current\n")
    Path(f"{path}.1").symlink_to(private)
    monkeypatch.setattr(_backups, "SETTLE", 0)
    _backups.compress_backups(str(path), _backups.Lifecycle(backup_count=3, file_mode=0o640))
    assert not list(tmp_path.glob("*.gz*"))
    assert private.read_text() == "not yours\n"
    assert "not compressing" in capsys.readouterr().err


def test_a_full_disk_gets_one_compression_warning_and_leaves_no_temporary(
    configure: Callable[..., LogConfig],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """On a real 512 KiB file system filled by the log: the failed compressions say one
    line (not one per rotation) and leave no ``.gz.tmp-<pid>``; once there is room, one
    line with their count, and every backup is compressed; the records found plus those
    counted dropped are the records logged."""
    disk = tmp_path / "disk"
    with small_disk(disk, "512k"):
        (disk / "filler").write_bytes(b"f" * 131_072)
        before = stats()["dropped"]
        configure(
            log_dir=disk, max_bytes=32_768, backup_count=50, compress="gz",
            format_string="%(message)s",
        )  # fmt: skip
        logger = get_logger("disk")
        phases = [20_000, 600]  # 97-byte records: the disk fills; then ~58 KB, after freeing
        number = 0
        for phase, count in enumerate(phases):
            for _ in range(count):
                logger.info("rec %06d %s end", number, "x" * 81)
                number += 1
            assert COMPRESSOR.wait(60)
            assert not list(disk.glob("*.tmp-*"))
            if phase == 0:
                full = capsys.readouterr().err
                (disk / "filler").unlink()
        err = capsys.readouterr().err
        path = disk / "alonechat.log"
        names = backups(str(path))
        lines = all_records(path)
        dropped = stats()["dropped"] - before
    assert full.count("cannot compress the backups") == 1, full
    assert "cannot compress the backups" not in err
    (failed,) = re.findall(r"compressing the backups of .* again; (\d+) attempts? failed", err)
    assert int(failed) >= 2  # each rotation while full tried, and failed, silently
    assert len(names) > 5
    assert all(name.endswith(".gz") for name in names.values())
    mark = CUT_MARK.decode().rstrip("\n")
    found = [int(line.split()[1]) for line in lines if not line.endswith(mark)]
    assert all(re.fullmatch(r"rec \d{6} x{81} end", line) for line in lines if line[-1] != "]")
    assert sorted(found) == found
    assert len(set(found)) == len(found)
    assert len(found) + dropped == sum(phases)
    assert found[-100:] == list(range(sum(phases) - 100, sum(phases)))


def test_temporaries_left_behind_are_removed_at_start(tmp_path: Path) -> None:
    """A ``.gz.tmp-<pid>`` of a process that is gone, or of this pid (a restart that got
    the same pid, as a container's first process does), is removed when the log opens;
    backups stay."""
    path = tmp_path / "app.log"
    Path(f"{path}.1").write_text("one\n")
    for pid in (999_999_999, os.getpid()):
        Path(f"{path}.1.gz.tmp-{pid}").write_text("half")
    file = RotatingFile(path, max_bytes=1000, backup_count=5, file_mode=0o600, compress=True)
    file.stop()
    assert sorted(os.listdir(tmp_path)) == [".app.log.lock", "app.log", "app.log.1"]

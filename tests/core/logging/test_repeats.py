"""RepeatFilter: the first of a run of identical warnings is logged, the rest counted."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from alonechat.core.logging import LogConfig, RepeatFilter, get_logger
from tests.helpers import read_lines

Configure = Callable[..., LogConfig]


def test_repeats_are_held_back_and_counted(configure: Configure, log_dir: Path) -> None:
    configure(format_string="%(levelname)s %(message)s")
    logger = get_logger("flood")
    repeats = RepeatFilter(window=3600)
    logger.addFilter(repeats)
    try:
        for index in range(10_000):
            logger.error("accept failed on socket %d", index)
        logger.warning("a different warning")
        logger.info("routine line")
        logger.info("routine line")  # below WARNING: never collapsed
        try:
            raise OSError("too many open files")
        except OSError:
            for _ in range(3):
                logger.exception("accept failed on socket %d", 1)  # another exception type
        repeats.flush()
    finally:
        logger.removeFilter(repeats)
    lines = read_lines(log_dir / "alonechat.log")
    messages = [line for line in lines if not line.startswith(("Traceback", "  ", "OSError"))]
    assert messages[:4] == [
        "ERROR accept failed on socket 0",
        "WARNING a different warning",
        "INFO routine line",
        "INFO routine line",
    ]
    assert messages[4] == "ERROR accept failed on socket 1"  # the OSError run's first
    summaries = messages[5:]
    assert len(summaries) == 2
    assert re.fullmatch(
        r"ERROR accept failed on socket 9999 \(repeated 9,999 times since \d\d:\d\d:\d\d\)",
        summaries[0],
    )
    assert re.fullmatch(
        r"ERROR accept failed on socket 1 \(repeated 2 times since .*\)", summaries[1]
    )


def test_after_the_window_the_next_record_carries_the_count(
    configure: Configure, log_dir: Path
) -> None:
    configure(format_string="%(message)s")
    logger = get_logger("window")
    repeats = RepeatFilter(window=0.0)  # every repeat is past the window
    logger.addFilter(repeats)
    try:
        for _ in range(3):
            logger.warning("disk full")
    finally:
        logger.removeFilter(repeats)
    assert read_lines(log_dir / "alonechat.log") == ["disk full"] * 3
    assert logging.getLogger("window").filters == []


def test_a_key_collapses_each_clients_repeats_on_their_own(
    configure: Configure, log_dir: Path
) -> None:
    """With ``key`` (here the client address a record is about), each key's run is
    collapsed on its own: one line per client, not one for all of them."""
    configure(format_string="%(message)s")
    logger = get_logger("refusals")
    repeats = RepeatFilter(window=3600, key=lambda record: getattr(record, "address", None))
    logger.addFilter(repeats)
    try:
        for index in range(300):
            address = f"192.0.2.{index % 3}"
            logger.warning("refused %s", address, extra={"address": address})
    finally:
        logger.removeFilter(repeats)
    repeats.flush()
    lines = [
        re.sub(r"since \d\d:\d\d:\d\d", "since T", x) for x in read_lines(log_dir / "alonechat.log")
    ]
    assert lines[:3] == ["refused 192.0.2.0", "refused 192.0.2.1", "refused 192.0.2.2"]
    assert sorted(lines[3:]) == [
        f"refused 192.0.2.{n} (repeated 99 times since T)" for n in range(3)
    ]

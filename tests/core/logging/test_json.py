"""JSON and ECS lines that never break: odd values, long strings, one object per line."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, get_logger
from tests.helpers import read_json, read_lines

Configure = Callable[..., LogConfig]


def test_json_one_odd_value_leaves_the_others_intact(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)

    class BadStr:
        def __str__(self) -> str:
            raise RuntimeError("no str")

    class BadError(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no str either")

    get_logger("j").error(
        "odd",
        exc_info=BadError(),
        extra={
            "request_id": "req-1",
            "count": 3,
            "tags": {("a",): 1},
            "bad": BadStr(),
            "nan": math.nan,
            "when": datetime(2026, 1, 2, 3, 4, 5),
        },
    )
    (record,) = read_json(log_dir / "alonechat.log")
    assert (record["request_id"], record["count"]) == ("req-1", 3)
    assert record["tags"] == "{('a',): 1}"
    assert record["bad"] == "<unprintable BadStr>"
    assert record["nan"] == "nan"
    assert record["when"] == "2026-01-02 03:04:05"
    assert record["exc_message"] == "<unprintable BadError>"
    text = (log_dir / "alonechat.log").read_text()
    assert "NaN" not in text
    json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard {name}"))


def test_json_stays_one_valid_object_per_line(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True, max_message_length=1000)
    get_logger("j").info("nul\x00 cr\r lf\n surrogate\udc80 " + "x" * 5000)
    (line,) = read_lines(log_dir / "alonechat.log")
    record = json.loads(line)
    assert record["message"].startswith("nul\x00 cr\r lf\n surrogate\udc80 xxx")
    assert record["message"].endswith("... [alonechat: 4024 more characters cut]")


@pytest.mark.parametrize("schema", ["alonechat", "ecs"])
def test_long_json_field_strings_are_cut_too(
    configure: Configure, log_dir: Path, schema: str
) -> None:
    configure(json_output=True, json_schema=schema, max_field_length=64)
    get_logger("j").info("short", extra={"body": "0123456789" * 7, "n": 12345678901234})
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["body"] == "0123456789" * 6 + "0123... [alonechat: 6 more characters cut]"
    assert record["n"] == 12345678901234

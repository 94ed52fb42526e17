"""The Elastic Common Schema layout (json_schema="ecs"), checked against Elastic's own
ecs-logging formatter for the same records."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import ecs_logging
import pytest

from alonechat.core.logging import LogConfig, get_logger
from tests.helpers import read_json

Configure = Callable[..., LogConfig]


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"log": {"logger": x}} -> {"log.logger": x}: ECS names a field by its dotted path."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


@pytest.fixture
def reference() -> Iterator[io.StringIO]:
    """What ecs-logging's StdlibFormatter writes for the records of stdlib logger "app"."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ecs_logging.StdlibFormatter())
    app = logging.getLogger("app")
    app.addHandler(handler)
    yield stream
    app.removeHandler(handler)


def test_records_carry_the_field_names_and_values_of_ecs_logging(
    configure: Configure, log_dir: Path, reference: io.StringIO
) -> None:
    configure(json_output=True, json_schema="ecs")
    app = logging.getLogger("app")  # routed into alonechat, and formatted by ecs-logging
    app.info("plain %s", "record", extra={"user_id": 7})
    try:
        raise ValueError("bad value")
    except ValueError:
        app.exception("failed")

    ours = [_flatten(r) for r in read_json(log_dir / "alonechat.log")]
    theirs = [_flatten(json.loads(line)) for line in reference.getvalue().splitlines()]
    assert len(ours) == len(theirs) == 2
    for mine, elastic in zip(ours, theirs, strict=True):
        # every field ecs-logging writes, except log.original (deprecated in ECS in favour
        # of event.original; the message is already in "message")
        assert set(mine) == set(elastic) - {"log.original"}
        same = set(mine) - {"@timestamp", "error.stack_trace"}
        assert {k: mine[k] for k in same} == {k: elastic[k] for k in same}
        ours_time = datetime.strptime(mine["@timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
        theirs_time = datetime.strptime(elastic["@timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
        assert abs((ours_time - theirs_time).total_seconds()) < 1
    assert ours[0]["user_id"] == 7
    assert ours[1]["error.type"] == "ValueError"
    assert elastic["error.stack_trace"].strip() in ours[1]["error.stack_trace"]


def test_the_spec_fields_come_first_and_times_are_utc(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True, json_schema="ecs")
    get_logger("svc").warning("first")
    (record,) = read_json(log_dir / "alonechat.log")
    assert list(record)[:4] == ["@timestamp", "log.level", "message", "ecs.version"]
    stamp = datetime.strptime(record["@timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    assert abs((now - stamp).total_seconds()) < 60
    assert record["log.level"] == "warning"


def test_extra_fields_never_overwrite_ecs_fields(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True, json_schema="ecs")
    extra = {
        "log": "mine",
        "error": "also mine",  # ("message" is one stdlib refuses in extra)
        "extra_log": "kept too",
        "log.logger": "dotted",
        "ecs": {"version": "9"},
        "http.request.id": "r-1",  # not one of alonechat's: kept as it is
    }
    get_logger("svc").info("clash", extra=extra)
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["message"] == "clash"
    assert (record["log"]["logger"], record["ecs.version"]) == ("svc", "1.6.0")
    assert (record["extra_log"], record["extra_error"], record["extra_extra_log"]) == (
        "mine",
        "also mine",
        "kept too",
    )
    assert (record["extra_log.logger"], record["extra_ecs"]) == ("dotted", {"version": "9"})
    assert record["http.request.id"] == "r-1"


def test_the_alonechat_layout_keeps_colliding_fields_too(
    configure: Configure, log_dir: Path
) -> None:
    configure(json_output=True)
    get_logger("svc").info("clash", extra={"time": 1, "extra_time": 2})
    (record,) = read_json(log_dir / "alonechat.log")
    assert (record["extra_time"], record["extra_extra_time"]) == (1, 2)


def test_an_unknown_schema_is_refused(configure: Configure) -> None:
    with pytest.raises(ValueError, match=r"LogConfig.json_schema: .*'gelf'.*alonechat, ecs"):
        configure(json_schema="gelf")

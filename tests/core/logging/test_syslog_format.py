"""Syslog messages, the pure part: PRI, the two headers, fitting JSON into max_bytes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from alonechat.core.logging._syslog_format import (
    fit_bytes,
    local_header,
    priority,
    rfc5424_header,
    severity,
)


@pytest.mark.parametrize(
    ("level", "expected"), [(50, 2), (40, 3), (30, 4), (25, 5), (20, 6), (10, 7), (5, 7), (45, 3)]
)
def test_severity_of_levels(level: int, expected: int) -> None:
    assert severity(level) == expected


def test_priority_is_facility_times_eight_plus_severity() -> None:
    assert priority("user", 40) == 1 * 8 + 3
    assert priority("local0", 20) == 16 * 8 + 6


def test_headers() -> None:
    time = datetime(2026, 3, 5, 7, 8, 9, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert (
        rfc5424_header(11, time, "host", "app", 42)
        == "<11>1 2026-03-05T07:08:09.123456+01:00 host app 42 - - "
    )
    assert local_header(11, time, "app", 42) == "<11>Mar  5 07:08:09 app[42]: "


def test_fit_bytes_cuts_the_longest_strings_and_keeps_json() -> None:
    body = json.dumps({"message": "m" * 5000, "trace": "t" * 3000, "n": 1, "short": "ok"})
    fitted = fit_bytes(body, 1000)
    assert fitted is not None
    assert len(fitted.encode()) <= 1000
    data = json.loads(fitted)
    assert (data["n"], data["short"]) == (1, "ok")
    assert data["message"].startswith("mmm")
    assert "more characters cut" in data["message"]
    assert fit_bytes("not json", 10) is None
    assert fit_bytes(json.dumps({"k": "v"}), 100) == '{"k":"v"}'

"""Bounds on every field: whatever the extras, exception or message, a record has a known
size, stays valid JSON, says what was cut, and reads an object's ``str()`` once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig
from tests.helpers import read_lines, run_python


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "max_field_length",
            63,
            "LogConfig.max_field_length: must be an int >= 64 \\(characters\\)",
        ),
        ("max_field_length", "1k", "LogConfig.max_field_length: must be an int >= 64"),
        ("max_record_length", 1023, "LogConfig.max_record_length: must be an int >= 1024"),
        ("max_record_length", True, "LogConfig.max_record_length: must be an int >= 1024"),
    ],
)
def test_bounds_are_validated(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LogConfig(**{field: value})  # type: ignore[arg-type]


def test_defaults() -> None:
    config = LogConfig()
    assert (config.max_field_length, config.max_record_length) == (32_768, 262_144)


# Logged in a fresh interpreter (alonechat's handler alone on the root): hostile extras,
# each in its own record, to JSON files (main and errors) and a text console (stderr) whose
# template reads the `obj` field; `Huge.calls` counts str() calls.
_HOSTILE = """
import logging
from alonechat.core.logging import LogConfig, configure_logging

class Huge:
    calls = 0
    def __str__(self):
        Huge.calls += 1
        return "password=hunter2 " + "x" * 20_000_000

class Deep(dict):
    pass

deep = {}
node = deep
for _ in range(2000):
    node["d"] = {}
    node = node["d"]

configure_logging(LogConfig(log_dir="logs", json_output=True, json_schema=SCHEMA,
                            redact=REDACT, max_field_length=1000, max_record_length=8192,
                            format_string="%(message)s %(obj)s"))
log = logging.getLogger("hostile")
cases = {
    "object": {"obj": Huge()},
    "ints": {"obj": list(range(1_000_000))},
    "keys": {"obj": {f"k{i}": i for i in range(100_000)}},
    "deep": {"obj": deep},
    "bigint": {"obj": 10 ** 20_000},
    "fields": {f"f{i}": "v" * 900 for i in range(500)},
    "nested strings": {"obj": {"a": ["y" * 50_000, {"b": "z" * 50_000}]}},
    "long key": {"obj": {"k" * 100_000: 1}},
    "escapes": {"obj": "\\x00" * 1000, "other": "\\u2028" * 1000},
}
for name, extra in cases.items():
    log.warning("case %s", name, extra=extra)
try:
    raise ValueError("e" * 500_000)
except ValueError:
    log.exception("case exception", extra={"obj": Huge()}, stack_info=True)
print("calls", Huge.calls)
"""


@pytest.mark.parametrize(("schema", "redact"), [("alonechat", True), ("ecs", False)])
def test_no_record_is_longer_than_its_bound_whatever_the_extras(
    tmp_path: Path, schema: str, redact: bool
) -> None:
    """A 20 MB ``__str__`` (called once per record, whatever the sinks), a million ints,
    100k keys, 2000 levels of nesting, a 20 000-digit int, 500 fields, long nested strings
    and keys, characters JSON escapes six-fold, a 500 000-character exception: every JSON
    line is at most ``max_record_length`` characters, valid, and says what was cut; the
    text console's lines are bounded by their parts."""
    code = _HOSTILE.replace("SCHEMA", repr(schema)).replace("REDACT", str(redact))
    result = run_python(code, tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "calls 2\n"  # two records hold a Huge: one str() each
    lines = read_lines(tmp_path / "logs" / "alonechat.log")
    assert len(lines) == 10
    assert max(len(line) for line in lines) <= 8192
    records = [json.loads(line) for line in lines]
    text = "\n".join(lines)
    if redact:
        assert "hunter2" not in text
        assert "hunter2" not in result.stderr
    by_case = {r["message"].split("\n")[0].split(" ", 1)[1]: r for r in records}
    assert by_case["object"]["obj"].endswith("more characters cut]")
    assert by_case["ints"]["obj"][-1].endswith("more items cut]")
    assert "more keys cut" in by_case["keys"]["obj"]["alonechat_cut"]
    assert by_case["bigint"]["obj"].startswith("[alonechat: int of about 200")
    assert "more fields cut (max_record_length)" in by_case["fields"]["alonechat_cut"]
    assert "more characters cut" in json.dumps(by_case["nested strings"])
    assert "more characters cut" in json.dumps(by_case["long key"])
    error = by_case["exception"]
    trace = error["error"]["stack_trace"] if schema == "ecs" else error["exc_traceback"]
    assert "more characters cut" in trace
    assert "Stack (most recent call last)" in error["message"]  # stack info, in the message
    # the console: message (32 768) + the template's field (4096) + traceback (1000 here)
    console = result.stderr.splitlines()
    assert sum(line.startswith("case ") for line in console) == 10
    assert max(map(len, console)) <= 32_768 + 4096 + 1000 + 200

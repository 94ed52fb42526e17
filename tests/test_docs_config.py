"""docs/configuration.md against the code: its LogConfig table has every field with its real
default, and its environment-variable table every variable the package reads, so neither can
drift from the code."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from alonechat.core.logging import LogConfig, _config, _redact
from tests.helpers import REPO

PAGE = REPO / "docs" / "configuration.md"


def _table(heading: str) -> dict[str, list[str]]:
    """The rows of the first table under ``heading``: first cell (without backticks) -> cells."""
    text = PAGE.read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and re.fullmatch(r"`[^`]+`", cells[0]):
            rows[cells[0].strip("`")] = cells
    assert rows, heading
    return rows


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def test_every_logconfig_field_is_documented_with_its_default() -> None:
    rows = _table("`LogConfig` fields")
    fields = [field for field in dataclasses.fields(LogConfig) if field.init]
    assert sorted(rows) == sorted(field.name for field in fields)  # each once, none stale
    namespace = {**vars(_config), "_redact": _redact}
    for field in fields:
        shown = re.match(r"`([^`]*)`", rows[field.name][2])
        assert shown is not None, f"{field.name}: the default is not a `code` value"
        assert eval(shown.group(1), namespace) == _default(field), field.name


def _variables_read_by_the_package() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "alonechat").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        names.update(re.findall(r'environ(?:\.get\(|\[)"([A-Z][A-Z0-9_]*)"', source))
        names.update(re.findall(r'^[A-Z_]+_VAR = "([A-Z][A-Z0-9_]*)"', source, re.MULTILINE))
    return names


def test_every_environment_variable_is_documented() -> None:
    read = _variables_read_by_the_package()
    assert {"ALONECHAT_ENV", "ALONECHAT_LOG_FORMAT", "ALONECHAT_SYSLOG", "NO_COLOR"} <= read
    assert set(_table("Environment variables")) == read

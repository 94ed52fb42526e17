"""Every ```python block of README.md and docs/*.md is run by a test, or says why not.

A block is run by this file's ``test_the_sample_runs`` (verbatim, in a fresh interpreter, in
an empty directory) unless the line just before it is a marker:

- ``<!-- run-by: tests/some_test.py (what it checks) -->``: that test runs it with checks of its
  own (reading it with ``doc_blocks(page, section, ...)``); the test file must name the page
  and a heading the block is under;
- ``<!-- not-run: reason -->``: it is not run, for the reason given.

docs/logging-system.md is the user's spec, kept verbatim: tests/test_spec_samples.py runs the
samples of its core sections.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import REPO, doc_blocks, run_module, run_python

SPEC = "docs/logging-system.md"
PAGES = [
    "README.md",
    *(f"docs/{p.name}" for p in sorted((REPO / "docs").glob("*.md")) if f"docs/{p.name}" != SPEC),
]
MARKER = re.compile(r"<!-- (run-by|not-run): (.*?) -->")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    language: str
    code: str
    headings: tuple[str, ...]  # the headings it is under, outermost first
    marker: str | None  # "run-by", "not-run" or None
    detail: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def code_blocks(page: str) -> list[Block]:
    """The fenced code blocks of ``page``, with their headings and marker."""
    lines = (REPO / page).read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    headings: list[tuple[int, str]] = []
    start = None
    for number, line in enumerate(lines, 1):
        if start is None and (heading := re.match(r"(#+) (.*)", line)):
            level = len(heading.group(1))
            headings = [*(h for h in headings if h[0] < level), (level, heading.group(2))]
        elif start is None and line.startswith("```"):
            start, language = number, line[3:].strip()
        elif start is not None and line == "```":
            before = next((lines[i] for i in range(start - 2, -1, -1) if lines[i].strip()), "")
            marker = MARKER.fullmatch(before.strip())
            found.append(
                Block(
                    page,
                    start,
                    language,
                    "\n".join(lines[start : number - 1]) + "\n",
                    tuple(text for _, text in headings),
                    marker.group(1) if marker else None,
                    marker.group(2).strip() if marker else "",
                )
            )
            start = None
    assert start is None, f"{page}:{start}: a code block is not closed"
    return found


PYTHON = [block for page in PAGES for block in code_blocks(page) if block.language == "python"]
UNMARKED = [block for block in PYTHON if block.marker is None]


def test_every_python_block_is_run_or_says_why_not() -> None:
    assert len(PYTHON) >= 15  # the pages were read
    assert UNMARKED
    for page in PAGES:  # every python fence is one the parser sees (none indented, no ~~~)
        text = (REPO / page).read_text(encoding="utf-8")
        seen = [block for block in PYTHON if block.page == page]
        fences = re.findall(r"^[ \t>]*(?:```|~~~)[ \t]*python", text, re.MULTILINE)
        assert len(fences) == len(seen), page
    for block in PYTHON:
        if block.marker == "not-run":
            assert len(block.detail) > 10, f"{block}: not-run needs a reason"
        elif block.marker == "run-by":
            test_file = REPO / block.detail.split()[0]
            assert test_file.is_file(), f"{block}: no test file {test_file}"
            source = test_file.read_text(encoding="utf-8")
            assert block.page in source, f"{block}: {test_file.name} does not read {block.page}"
            assert any(f'"{h}"' in source for h in block.headings), (
                f"{block}: {test_file.name} reads none of its sections {block.headings}"
            )


def test_markers_stand_before_code_blocks() -> None:
    """A marker whose block moved away (or a typo in one) is not left behind silently."""
    for page in PAGES:
        lines = (REPO / page).read_text(encoding="utf-8").splitlines()
        fenced = False
        for number, line in enumerate(lines, 1):
            fenced ^= line.startswith("```")
            if not fenced and ("<!-- run-by" in line or "<!-- not-run" in line):
                assert MARKER.fullmatch(line.strip()), f"{page}:{number}: malformed marker"
                following = next((n for n in lines[number:] if n.strip()), "")
                assert following.startswith("```python"), f"{page}:{number}: no block after it"


#: Production samples log to /var/log/app; here they log under the test's directory.
PRODUCTION_DIR = "/var/log/app"


@pytest.mark.parametrize("block", UNMARKED, ids=str)
def test_the_sample_runs(block: Block, tmp_path: Path) -> None:
    code = block.code.replace(PRODUCTION_DIR, str(tmp_path / "var-log-app"))
    done = run_python(code, tmp_path)
    assert done.returncode == 0, f"{block}\n{done.stderr}"
    warnings = [line for line in done.stderr.splitlines() if line.startswith("alonechat: ")]
    assert warnings == [], f"{block}: alonechat warned"
    if PRODUCTION_DIR in block.code and "log_dir" in block.code:
        assert (tmp_path / "var-log-app").is_dir()


def test_the_quick_start_writes_what_it_says(tmp_path: Path) -> None:
    """README's quick start (the first sample, within its first 80 lines) is the docs' one, and
    it writes its records to ./logs/dev, the error to the error log."""
    readme = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    start = readme.index("## Quick start")
    assert start < 80
    (quick,) = doc_blocks("README.md", "Quick start", "python")
    assert quick == doc_blocks("docs/index.md", "alonechat", "python")[0]
    assert run_python(quick, tmp_path).returncode == 0
    log = (tmp_path / "logs" / "dev" / "alonechat.log").read_text()
    assert "User alice logged in from 10.0.0.7" in log
    errors = (tmp_path / "logs" / "dev" / "alonechat_errors.log").read_text()
    assert "An error occurred" in errors
    assert "ZeroDivisionError" in errors


def test_the_conftest_sample_forwards_loguru_records_to_caplog(tmp_path: Path) -> None:
    """docs/migrating.md "Testing your code": the sample as a conftest.py; a test logging with
    loguru directly finds its record in caplog."""
    (conftest,) = doc_blocks("docs/migrating.md", "Testing your code", "python")
    (tmp_path / "conftest.py").write_text(conftest)
    (tmp_path / "test_app.py").write_text(
        "from loguru import logger\n\n"
        "from alonechat.core.logging import LogConfig, configure_logging\n\n\n"
        "def test_loguru_record_in_caplog(caplog):\n"
        "    configure_logging(LogConfig(console_output=False, file_output=False))\n"
        "    logger.warning('from loguru')\n"
        "    assert [r.getMessage() for r in caplog.records] == ['from loguru']\n"
    )
    done = run_module("pytest", "-q", "-p", "no:cacheprovider", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def _run_commands(block: str, cwd: Path) -> list[str]:
    """Run each ``python -m ...`` line of a bash block as shown (``python`` being this
    interpreter; ``# comments`` dropped), in order; their outputs."""
    outputs = []
    for line in filter(None, (line.split("#", 1)[0].strip() for line in block.splitlines())):
        words = shlex.split(line)
        assert words[:2] == ["python", "-m"], line
        done = run_module(*words[2:], cwd=cwd)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        outputs.append(done.stdout)
    return outputs


def test_the_see_it_working_command_runs(tmp_path: Path) -> None:
    """docs/getting-started.md "See it working": the command writes the development files."""
    (commands,) = doc_blocks("docs/getting-started.md", "See it working", "bash")
    _run_commands(commands, tmp_path)
    assert (tmp_path / "logs" / "dev" / "alonechat.log").is_file()


def test_the_readme_commands_run(tmp_path: Path) -> None:
    """README's quick start commands: the demo writes records, and the viewer reads its
    warnings and errors back (and nothing below WARNING)."""
    (commands,) = doc_blocks("README.md", "Quick start", "bash")
    _, shown = _run_commands(commands, tmp_path)
    levels = re.findall(r"^\S+ \S+ \| (\w+) ", shown, re.MULTILINE)
    assert "WARNING" in levels
    assert "ERROR" in levels
    assert not {"DEBUG", "INFO"} & set(levels)


def test_the_loguru_sample_writes_to_the_file(tmp_path: Path) -> None:
    """docs/migrating.md "In one minute": a loguru.logger call lands in alonechat.log."""
    _, loguru_sample = doc_blocks("docs/migrating.md", "In one minute", "python")
    done = run_python(loguru_sample, tmp_path)
    assert done.returncode == 0, done.stderr
    (line,) = (tmp_path / "logs" / "alonechat.log").read_text().splitlines()
    assert line.endswith("| from loguru")

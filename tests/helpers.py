"""Helpers for reading what the sinks wrote, and for running code in a fresh interpreter."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import pytest

#: The checkout: subprocesses import alonechat from here.
REPO = Path(__file__).resolve().parent.parent


def read_lines(path: Path, backups: bool = False) -> list[str]:
    """The lines of a log file (flushing is the sink's job: loguru writes line by line); with
    ``backups``, those of its rotated backups before them, oldest first (``.N`` to ``.1``)."""
    paths = [path]
    if backups:
        numbered = [p for p in path.parent.glob(f"{path.name}.*") if p.suffix[1:].isdigit()]
        paths[:0] = sorted(numbered, key=lambda p: -int(p.suffix[1:]))
    return [
        line for p in paths if p.exists() for line in p.read_text(encoding="utf-8").splitlines()
    ]


def read_json(path: Path, backups: bool = False) -> list[dict[str, Any]]:
    """Every line of a JSON log file (and, with ``backups``, of its backups first), parsed."""
    return [json.loads(line) for line in read_lines(path, backups)]


def python_env(env: Mapping[str, str] | None = None, path: Sequence[Path] = ()) -> dict[str, str]:
    """The environment of a fresh interpreter: this one's without ALONECHAT_* variables, then
    ``env``, and PYTHONPATH ``path`` followed by this checkout (installed or not)."""
    outer = {k: v for k, v in os.environ.items() if not k.startswith("ALONECHAT_")}
    return {**outer, **(env or {}), "PYTHONPATH": os.pathsep.join(map(str, [*path, REPO]))}


def run_python(
    code: str,
    cwd: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that imports this checkout (``env``: variables
    added); wait for it, output captured."""
    return _run(["-c", code], cwd, env, timeout)


def run_module(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m *args`` (the CLI: ``run_module("alonechat", "demo")``) as run_python runs
    code."""
    return _run(["-m", *args], cwd, env, timeout)


def _run(
    args: list[str], cwd: Path | None, env: Mapping[str, str] | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env=python_env(env),
    )


def start_python(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    path: Sequence[Path] = (),
    stdin: int | IO[Any] | None = None,
    stdout: int | IO[Any] | None = None,
    stderr: int | IO[Any] | None = None,
) -> subprocess.Popen[str]:
    """Start ``python *args`` (``"-c", code``, ``"-m", module, ...``) in text mode with the
    environment run_python gives (``path``: directories importable before this checkout),
    for a test that talks to or signals the process while it runs; the rest use run_python."""
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=cwd,
        env=python_env(env, path),
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        text=True,
    )


@contextlib.contextmanager
def small_disk(directory: Path, size: str) -> Iterator[Path]:
    """A real file system of ``size`` (``mount -t tmpfs -o size=256k``) at ``directory``,
    unmounted on the way out (lazily if still busy): a disk that really fills up. Skips the
    test when mounting is refused (not root, no CAP_SYS_ADMIN, not Linux)."""
    directory.mkdir(parents=True, exist_ok=True)
    if sys.platform != "linux" or shutil.which("mount") is None:
        pytest.skip("a small disk needs Linux's mount (tmpfs)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs to fill up (root needed): {mounted.stderr.strip()}")
    try:
        yield directory
    finally:
        if subprocess.run(["umount", str(directory)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(directory)], capture_output=True, check=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (free when asked)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def doc_blocks(page: str, section: str, language: str) -> list[str]:
    """The ``language`` code blocks of ``page`` (``"README.md"``, ``"docs/frameworks.md"``)
    in its section headed ``section`` (any level), up to the next heading of a level as high
    or higher (headings inside code blocks, such as a ``# comment`` line, do not count)."""
    text = (REPO / page).read_text(encoding="utf-8")
    match = re.search(rf"^(#+) {re.escape(section)}\n", text, re.MULTILINE)
    assert match is not None, f"{page}: no section {section!r}"
    level = len(match.group(1))
    body, fenced = [], False
    for line in text[match.end() :].splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(rf"#{{1,{level}}} ", line):
            break
        body.append(line)
    return re.findall(rf"^```{language}\n(.*?)^```", "".join(body), re.DOTALL | re.MULTILINE)

"""The AloneChat import alias: same module objects, python -m, case-safe checkout."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, run_module, run_python


def test_alias_gives_the_same_module_objects() -> None:
    import AloneChat.core.logging

    import alonechat.core.logging

    assert AloneChat.core.logging is alonechat.core.logging
    assert AloneChat.core.logging.get_logger is alonechat.core.logging.get_logger
    assert sys.modules["AloneChat"] is sys.modules["alonechat"]
    assert alonechat.core.logging.__spec__.name == "alonechat.core.logging"


def test_from_import_shares_one_manager() -> None:
    from AloneChat.core.logging import LoggingManager as Aliased
    from AloneChat.core.logging import get_logger as aliased_get_logger

    from alonechat.core.logging import LoggingManager, get_logger

    assert Aliased() is LoggingManager()
    assert aliased_get_logger("same") is get_logger("same")


def test_importlib_and_submodules() -> None:
    aliased = importlib.import_module("AloneChat.core.logging.testing")
    assert aliased is importlib.import_module("alonechat.core.logging.testing")
    with pytest.raises(ModuleNotFoundError, match="AloneChat.nope"):
        importlib.import_module("AloneChat.nope")


def test_fresh_interpreter_loads_each_module_once() -> None:
    code = (
        "import AloneChat.core.logging as a, alonechat.core.logging as b, sys;"
        "assert a is b;"
        "names = [n for n in sys.modules if n.lower().startswith('alonechat')];"
        "print(len(names), len({id(sys.modules[n]) for n in names}))"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    total, unique = map(int, result.stdout.split())
    assert total == unique + 3  # AloneChat, AloneChat.core, AloneChat.core.logging


def test_python_dash_m_aloneChat(tmp_path: Path) -> None:
    result = run_module("AloneChat", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m AloneChat")


def test_no_paths_differ_only_in_case() -> None:
    """A checkout on macOS or Windows would lose one of two such paths."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    paths = {str(Path(*Path(f).parts[:i])) for f in files for i in range(1, len(Path(f).parts) + 1)}
    lowered: dict[str, str] = {}
    for path in sorted(paths):
        assert lowered.setdefault(path.lower(), path) == path, f"{path} clashes in case"

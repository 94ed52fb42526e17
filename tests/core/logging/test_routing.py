"""StdlibRouting: the frameworks' console handlers taken over and given back; loggers a
framework silenced stay silent; the root's console handler taken off with a warning."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, reset_logging
from tests.helpers import read_lines

Configure = Callable[..., LogConfig]


@pytest.fixture
def uvicorn_loggers() -> Iterator[tuple[logging.Logger, logging.Logger, logging.Handler]]:
    """``uvicorn`` with its default console handler and no propagation, and
    ``uvicorn.access`` silenced (``--no-access-log``: no handler, no propagation)."""
    server, access = logging.getLogger("uvicorn"), logging.getLogger("uvicorn.access")
    console = logging.StreamHandler(sys.__stderr__)  # the process's own, whatever pytest does
    before = server.handlers[:]
    server.handlers[:] = [console]
    server.propagate = access.propagate = False
    yield server, access, console
    server.handlers[:] = before
    server.propagate = access.propagate = True


def test_a_frameworks_console_is_taken_and_a_silenced_logger_stays_silent(
    configure: Configure,
    log_dir: Path,
    uvicorn_loggers: tuple[logging.Logger, logging.Logger, logging.Handler],
) -> None:
    server, access, console = uvicorn_loggers
    configure(format_string="%(name)s %(message)s")
    assert console not in server.handlers
    assert server.propagate is True
    assert access.propagate is False
    server.info("Uvicorn running")
    access.info("an access line nobody wants")
    assert read_lines(log_dir / "alonechat.log") == ["uvicorn Uvicorn running"]
    reset_logging()
    assert console in server.handlers
    assert server.propagate is False
    assert access.propagate is False


def test_two_loggers_sharing_one_handler_list_both_propagate_and_get_it_back_once(
    configure: Configure, log_dir: Path
) -> None:
    """gunicorn's UvicornWorker gives ``uvicorn.error`` the very list of
    ``gunicorn.error``'s handlers: both propagate, and reset gives the handler back once."""
    gunicorn, uvicorn = logging.getLogger("gunicorn.error"), logging.getLogger("uvicorn.error")
    console = logging.StreamHandler(sys.__stderr__)
    gunicorn.addHandler(console)
    uvicorn.handlers = gunicorn.handlers
    gunicorn.propagate = uvicorn.propagate = False
    try:
        configure(format_string="%(name)s %(message)s")
        assert (gunicorn.propagate, uvicorn.propagate) == (True, True)
        gunicorn.info("Booting worker")
        uvicorn.info("Application startup complete")
        reset_logging()
        assert gunicorn.handlers == [console]
        assert uvicorn.handlers is gunicorn.handlers
        assert (gunicorn.propagate, uvicorn.propagate) == (False, False)
    finally:
        gunicorn.handlers = []
        uvicorn.handlers = []
        gunicorn.propagate = uvicorn.propagate = True
    assert read_lines(log_dir / "alonechat.log") == [
        "gunicorn.error Booting worker",
        "uvicorn.error Application startup complete",
    ]


def test_the_roots_console_handler_is_taken_off_with_a_warning_and_given_back(
    configure: Configure, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    console = logging.StreamHandler(sys.stderr)
    mine = logging.FileHandler(log_dir.parent / "mine.log")
    root.addHandler(console)
    root.addHandler(mine)
    try:
        configure(format_string="%(message)s")
        assert console not in root.handlers
        assert mine in root.handlers
        err = capsys.readouterr().err
        assert err.count("took <StreamHandler") == 1
        assert "reset_logging() puts it back" in err
        logging.getLogger("app").warning("once")
        reset_logging()
        assert console in root.handlers
    finally:
        root.removeHandler(console)
        root.removeHandler(mine)
        mine.close()
    assert read_lines(log_dir / "alonechat.log") == ["once"]
    assert (log_dir.parent / "mine.log").read_text() == "once\n"
    assert "once" not in capsys.readouterr().err

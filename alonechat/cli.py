"""Command line: ``python -m alonechat`` (or ``python -m AloneChat``)."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from alonechat.core.logging import LogConfig, auto_configure, get_logger
from alonechat.core.logging._config import ALLOWED_ENVS, ENV_VAR


def _demo(config: LogConfig) -> None:
    logger = get_logger("alonechat.demo")
    logger.debug("Debug information")
    logger.info("User %s logged in from %s", "john_doe", "127.0.0.1")
    logger.info("Processing request", extra={"request_id": "req-1", "duration": 0.123})
    logger.warning("Something unexpected but not critical")
    logging.getLogger("third_party.client").warning("a stdlib logger, routed into the same sinks")
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logger.error("An error occurred", exc_info=True)
    logger.critical("Critical failure (a demonstration)")
    if config.file_output:
        for path in sorted(Path(config.log_dir).glob("alonechat*.log*")):
            print(f"wrote {path}")


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog=prog or "python -m alonechat",
        description="AloneChat: the unified logging system at work.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="log sample records through an environment's configuration",
        description="Configure logging for an environment, log sample records (levels, a "
        "stdlib logger, an exception, extra fields) and list the log files written.",
    )
    demo.add_argument(
        "--env",
        help=f"environment: {ALLOWED_ENVS}; default: ${ENV_VAR}, else development",
    )
    args = parser.parse_args(argv)
    try:
        config = auto_configure(args.env)
    except ValueError as exc:
        parser.error(str(exc))
    _demo(config)
    return 0

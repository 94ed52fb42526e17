"""Command line: ``python -m alonechat`` (or ``python -m AloneChat``): ``server``, ``demo``
and ``logs``."""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

from alonechat.core.logging import (
    LogConfig,
    RepeatFilter,
    auto_configure,
    get_logger,
    reset_logging,
    uvicorn_log_config,
    viewer,
)
from alonechat.core.logging._config import (
    ALLOWED_ENVS,
    ENV_VAR,
    PRESETS,
    parse_address,
    resolve_environment,
)
from alonechat.core.logging._levels import INFO, level_no
from alonechat.core.logging._text import wants_color

if TYPE_CHECKING:
    from alonechat.core.server import UnifiedWebSocketManager

_ENV_HELP = f"logging environment: {ALLOWED_ENVS}; default: ${ENV_VAR}, else development"


def _demo(config: LogConfig) -> int:
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
    if config.file_output and not config.stdout_json:
        for path in sorted(Path(config.log_dir).glob("alonechat*.log*")):
            print(f"wrote {path}")
    return 0


def _stop(signum: int, frame: FrameType | None) -> None:
    """SIGTERM once uvicorn has shut down gracefully (it re-raises the signal): exit cleanly."""
    raise SystemExit(0)


def _syslog_address(text: str) -> str:
    """A syslog address, for argparse."""
    try:
        parse_address(text, "--syslog")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--syslog: ")) from None
    return text


def _port(text: str) -> int:
    """A TCP port number, 0..65535, for argparse."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0..65535, got {text!r}")
    return port


def _load_hooks(spec: str) -> Callable[[UnifiedWebSocketManager], object]:
    """The callable named by ``module:function``."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"--hooks: expected MODULE:FUNCTION, got {spec!r}")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"--hooks: cannot load {spec!r}: {exc}") from None
    if not callable(found):
        raise ValueError(f"--hooks: {spec!r} is not callable")
    return cast("Callable[[UnifiedWebSocketManager], object]", found)


@dataclass(frozen=True)
class Limits:
    """What one client, and all of them, may use of the server (see ``--help``)."""

    max_messages_per_second: float
    message_burst: int
    max_connections: int
    max_connections_per_address: int
    limit_concurrency: int
    timeout_keep_alive: int
    ws_ping_interval: float
    allow_origin: list[str]


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type: ``kind(text)`` when it is > 0, else a clear error."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0:
            raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


class _StartupErrors(logging.Handler):
    """Keeps the ERROR messages uvicorn logs before the server has started (a port in use),
    so that they can be shown on stderr whatever the console setting."""

    def __init__(self, server: object) -> None:
        super().__init__(logging.ERROR)
        self.server = server
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not getattr(self.server, "started", True):
            self.messages.append(record.getMessage())


def _serve(config: LogConfig, host: str, port: int, hooks: list[str], limits: Limits) -> int:
    import uvicorn

    from alonechat.core.server import UnifiedWebSocketManager, create_app
    from alonechat.core.server._limits import RefusedHandshakes, record_address

    manager = UnifiedWebSocketManager(
        max_messages_per_second=limits.max_messages_per_second,
        message_burst=limits.message_burst,
        max_connections=limits.max_connections,
        max_connections_per_address=limits.max_connections_per_address,
    )
    for setup in [_load_hooks(spec) for spec in hooks]:
        setup(manager)
    logger = get_logger("alonechat.server")
    files = config.file_output and not config.stdout_json
    logger.info(
        "starting AloneChat on http://%s:%d",
        host,
        port,
        extra={"log_dir": str(config.log_dir)} if files else None,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(manager, limits.allow_origin),
            host=host,
            port=port,
            log_config=uvicorn_log_config(),
            ws_max_size=manager.max_message_bytes + 4096,  # the manager gives the reason
            timeout_graceful_shutdown=10,
            limit_concurrency=limits.limit_concurrency,
            timeout_keep_alive=limits.timeout_keep_alive,
            ws_ping_interval=limits.ws_ping_interval,
            ws_ping_timeout=limits.ws_ping_interval,
            # uvicorn's DEBUG dumps every frame and header (cookies included): INFO at least.
            log_level=max(level_no(config.level), INFO),
        )
    )
    # One line on stderr whatever the console setting (production has none): where to look.
    where = f"log files in {config.log_dir}" if files else "no log files"
    print(f"alonechat: AloneChat on http://{host}:{port} (level {config.level}, {where})",
          file=sys.stderr, flush=True)  # fmt: skip
    errors = _StartupErrors(server)
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addHandler(errors)
    # an attack repeats one error thousands of times a second (asyncio's "socket.accept()
    # out of system resource", a client refused over and over): each is logged once, then
    # counted, per client address; uvicorn's INFO lines about each refused handshake too
    repeats = RepeatFilter(key=record_address)
    handshakes = RefusedHandshakes()
    noisy = [
        (logging.getLogger("asyncio"), repeats),
        (logging.getLogger("alonechat.server"), repeats),
        (logging.getLogger("uvicorn.error"), repeats),
        (logging.getLogger("uvicorn.error"), handshakes),
    ]
    for noisy_logger, collapsing in noisy:
        noisy_logger.addFilter(collapsing)
    previous = signal.signal(signal.SIGTERM, _stop)
    code = 0
    try:
        server.run()
    except KeyboardInterrupt:  # Ctrl-C, re-raised by uvicorn after its graceful shutdown
        pass
    except SystemExit as exc:  # uvicorn could not start (a port in use): code 3
        if server.started:
            raise
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        signal.signal(signal.SIGTERM, previous)
        uvicorn_errors.removeHandler(errors)
        for noisy_logger, collapsing in noisy:
            noisy_logger.removeFilter(collapsing)
        repeats.flush()
        handshakes.flush()
        logger.info("AloneChat stopped")
        reset_logging()  # flush and close every sink
    if not server.started:
        reason = "; ".join(errors.messages) or "see the log"
        print(f"alonechat: AloneChat could not start: {reason}", file=sys.stderr, flush=True)
        return code or 1
    return 0


def _checked(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a function raising ValueError: its message, not argparse's."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


def _add_logs_parser(commands: Any) -> None:
    """The ``logs`` command: read a log directory back (see ``_logs``)."""
    logs = commands.add_parser(
        "logs",
        help="show the records of a log directory (alonechat.log and its backups)",
        description="Print the records of alonechat.log and its backups (alonechat.log.N "
        "oldest .. .1, plain or .gz), oldest first, in alonechat's default text format or "
        "JSON lines (flat or ECS), filtered; colored by level on a terminal. Lines in another "
        "layout are shown as they are (only --grep applies to them), and so are malformed "
        "lines, counted in one warning at the end. Exit 1 when there is no log file.",
    )
    logs.add_argument(
        "log_dir",
        nargs="?",
        metavar="LOG_DIR",
        help="the log directory (default: the --env preset's log_dir: ./logs/dev, "
        "./logs/prod or ./logs/test)",
    )
    logs.add_argument(
        "--env",
        type=_checked(resolve_environment),
        help=f"read this environment's log directory: {ALLOWED_ENVS}; default: ${ENV_VAR}, "
        "else development",
    )
    logs.add_argument(
        "--errors", action="store_true", help="read alonechat_errors.log (ERROR and above)"
    )
    logs.add_argument(
        "--level",
        type=_checked(viewer.parse_level),
        metavar="LEVEL",
        help="records at or above LEVEL (DEBUG, INFO, WARNING, ERROR, CRITICAL, TRACE, "
        "SUCCESS, any case, or a number)",
    )
    logs.add_argument(
        "--logger",
        action="append",
        default=[],
        metavar="NAME",
        help="records of logger NAME or below it (app: app and app.db, not application); "
        "repeatable",
    )
    for option, word in (("--since", "at or after"), ("--until", "at or before")):
        logs.add_argument(
            option,
            type=_checked(viewer.parse_time),
            metavar="TIME",
            help=f"records made {word} TIME: ISO (2026-11-30T12:00, '2026-11-30 12:00:00'; "
            "local time unless it has an offset) or ago (30s, 10m, 2h, 3d, 1w)",
        )
    logs.add_argument(
        "--request-id", metavar="ID", help="records whose request_id is ID (JSON files)"
    )
    logs.add_argument(
        "--grep",
        type=_checked(viewer.parse_pattern),
        metavar="PATTERN",
        help="records whose message or traceback holds PATTERN: plain text, or a regular "
        "expression (RE2 syntax: Python's less lookarounds and backreferences) when it has "
        "any of . ^ $ * + ? { } [ ] \\ | ( ), which needs google-re2 (pip install "
        "'alonechat[viewer]'); either way linear in time, whatever the pattern",
    )
    logs.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="then print the records appended, across rotations, until Ctrl-C or SIGTERM",
    )
    output = logs.add_mutually_exclusive_group()
    output.add_argument(
        "--json",
        action="store_true",
        help="print JSON lines with alonechat's flat keys, whatever the files' layout",
    )
    output.add_argument(
        "--stats",
        action="store_true",
        help="print counts per level and per logger and the time span instead (with "
        "--follow: once stopped)",
    )
    logs.add_argument(
        "--no-color", action="store_true", help="no colors, even on a terminal (or $NO_COLOR)"
    )


def _logs(args: argparse.Namespace) -> int:
    """``logs``: print (or count) the records of a log directory, and follow it."""
    try:
        log_dir = args.log_dir or PRESETS[args.env or resolve_environment()]().log_dir
    except ValueError as exc:  # a bad $ALONECHAT_ENV
        print(f"alonechat logs: error: {exc}", file=sys.stderr)
        return 2
    name = viewer.ERRORS_FILE if args.errors else viewer.LOG_FILE
    if not viewer.log_files(log_dir, name):
        print(
            f"alonechat logs: no log files in {log_dir} ({name}, {name}.1, {name}.2.gz, ...)",
            file=sys.stderr,
        )
        return 1
    selection = viewer.RecordFilter(
        args.level, tuple(args.logger), args.since, args.until, args.request_id, args.grep
    )

    def note(text: str) -> None:
        print(f"alonechat logs: {text}", file=sys.stderr, flush=True)

    out = sys.stdout
    # each batch read (~1 MiB) is flushed: a match is shown once found, even in a pipe
    reader = viewer.LogReader(log_dir, selection, name=name, note=note, progress=out.flush)
    if isinstance(out, io.TextIOWrapper):  # text no encoding can write (a lone surrogate)
        out.reconfigure(errors="backslashreplace")
    color = not (args.no_color or args.json) and wants_color(out)
    stats = viewer.Stats() if args.stats else None
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C
    try:
        records = reader.follow(idle=out.flush) if args.follow else reader.read()
        for record in records:
            if stats is not None:
                stats.add(record)
            else:
                out.write((record.to_json() if args.json else record.to_text(color)) + "\n")
        out.flush()
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: how --follow ends
        pass
    except BrokenPipeError:  # the reader went away (| head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    if stats is not None:
        out.write(stats.render())
    if reader.malformed:
        one = reader.malformed == 1
        print(
            f"alonechat logs: warning: {reader.malformed:,} malformed {'line' if one else 'lines'}"
            f" (a record cut short, or not a record), shown as {'it is' if one else 'they are'}",
            file=sys.stderr,
        )
    return 0


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog=prog or "python -m alonechat",
        description="AloneChat: a chat server, and the unified logging system at work.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    server = commands.add_parser(
        "server",
        help="run the chat server (needs the 'server' extra)",
        description="Configure logging for an environment, then serve the chat (page at /, "
        "WebSocket at /ws?user=NAME, /health, /metrics) with uvicorn; uvicorn's own records "
        "go to the same log files. Ctrl-C or SIGTERM shut it down cleanly.",
    )
    server.add_argument("--env", help=_ENV_HELP)
    server.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    server.add_argument("--port", type=_port, default=8000, help="port to bind (default 8000)")
    server.add_argument(
        "--max-messages-per-second",
        type=_positive(float),
        default=10.0,
        metavar="N",
        help="messages (and joins) a client address may send a second on average, however "
        "many connections it makes; over it, an error frame, and a client that keeps on is "
        "closed (1008, rate limit); a join over it is refused with HTTP 429 (default 10)",
    )
    server.add_argument(
        "--message-burst",
        type=_positive(int),
        default=20,
        metavar="N",
        help="messages (and joins) a client address may send at once (default 20)",
    )
    server.add_argument(
        "--max-connections-per-address",
        type=_positive(int),
        default=20,
        metavar="N",
        help="connections one client address may have at once; beyond, HTTP 429 (default 20)",
    )
    server.add_argument(
        "--max-connections",
        type=_positive(int),
        default=500,
        metavar="N",
        help="chat users connected at once; beyond, a join is refused (1013, server full) "
        "(default 500)",
    )
    server.add_argument(
        "--limit-concurrency",
        type=_positive(int),
        default=800,
        metavar="N",
        help="open connections of any kind (uvicorn's limit_concurrency); beyond, new "
        "requests get HTTP 503, so that slow or idle clients cannot use up the file "
        "descriptors (default 800, below the usual limit of 1024)",
    )
    server.add_argument(
        "--timeout-keep-alive",
        type=_positive(int),
        default=5,
        metavar="SECONDS",
        help="close an idle HTTP keep-alive connection after this long (default 5)",
    )
    server.add_argument(
        "--ws-ping-interval",
        type=_positive(float),
        default=20.0,
        metavar="SECONDS",
        help="ping each WebSocket this often and close one that does not answer within "
        "as long again (default 20)",
    )
    server.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="also accept WebSocket handshakes from pages of ORIGIN, e.g. "
        "https://chat.example.com (repeatable; '*' accepts any); by default only the "
        "server's own host",
    )
    server.add_argument(
        "--hooks",
        action="append",
        default=[],
        metavar="MODULE:FUNCTION",
        help="call FUNCTION(manager) before serving, to register hooks (repeatable)",
    )
    demo = commands.add_parser(
        "demo",
        help="log sample records through an environment's configuration",
        description="Configure logging for an environment, log sample records (levels, a "
        "stdlib logger, an exception, extra fields) and list the log files written.",
    )
    demo.add_argument("--env", help=_ENV_HELP)
    for command in (server, demo):
        command.add_argument(
            "--json-logs", action="store_true", help="write the log files as JSON lines"
        )
        command.add_argument(
            "--syslog",
            type=_syslog_address,
            metavar="ADDRESS",
            help="also send every record to a syslog server: udp://host:514, "
            "tcp://host:514 or unix:///dev/log (default: $ALONECHAT_SYSLOG)",
        )
    _add_logs_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "logs":
        return _logs(args)
    if args.command == "server":
        try:
            import starlette  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError as exc:
            parser.error(
                f"the server needs the 'server' extra: pip install 'alonechat[server]' ({exc})"
            )
    overrides: dict[str, object] = {"json_output": True} if args.json_logs else {}
    if args.syslog is not None:
        overrides["syslog_address"] = args.syslog
    try:
        config = auto_configure(args.env, **overrides)
        if args.command == "server":
            limits = Limits(**{f.name: getattr(args, f.name) for f in fields(Limits)})
            return _serve(config, args.host, args.port, args.hooks, limits)
    except ValueError as exc:
        parser.error(str(exc))
    return _demo(config)

"""LoggingManager: the process-wide owner of alonechat's loguru handlers and levels."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from loguru import logger as _global_loguru

from ._bounds import CUT_KEY, bounded_fields
from ._config import FORMAT_VAR, PRESETS, SYSLOG_VAR, LogConfig, parse_address, resolve_environment
from ._deferred import Deferred
from ._engine import LOGURU
from ._intercept import BRIDGE, FROM_STDLIB, InterceptHandler
from ._json import json_layout
from ._levels import ERROR, level_no
from ._redact import Redactor
from ._report import warn
from ._routing import StdlibRouting
from ._sinks import (
    ERROR_LOG,
    MAIN_LOG,
    WRITTEN,
    RotatingFile,
    StreamSink,
    Writable,
    ensure_directory,
)
from ._syslog import SyslogSink
from ._templates import text_layout
from ._text import Layout, wants_color
from ._tracing import span_ids

# Key alonechat puts on a loguru record while its handlers see it: the state the first of them
# read (all judge the record by it). The sinks note on it which destinations wrote it.
_STATE = "_alonechat_state"


def _files(state: _State) -> Layout:
    return state.files


@dataclasses.dataclass(frozen=True)
class _Destination:
    """Where one loguru handler writes, and what cannot change without replacing it."""

    target: str  # an absolute file path, "<stderr ID>", "<stdout ID>" or "<syslog ...>"
    level_floor: int  # the destination's own minimum level: ERROR for the error log
    colorize: bool
    diagnose: bool
    layout: Callable[[_State], Layout] = _files  # picks its layout from a state


@dataclasses.dataclass(frozen=True)
class _State:
    """Everything a record is checked and formatted against; swapped in one assignment."""

    config: LogConfig | None
    console: Layout
    files: Layout
    structured: Layout  # the JSON layout (syslog)
    active: frozenset[str]  # the targets written to
    directory: Path | None = None
    redactor: Redactor | None = None


def _blank(record: dict[str, Any]) -> str:
    return ""


def _console(state: _State) -> Layout:
    return state.console


def _structured(state: _State) -> Layout:
    return state.structured


_UNCONFIGURED = _State(None, _blank, _blank, _blank, frozenset())
_Owned = RotatingFile | SyslogSink


class LoggingManager:
    """Owns the loguru handlers that alonechat installs; one per process (a singleton:
    ``LoggingManager()`` returns the same object every time).

    Records reach the sinks through one :class:`InterceptHandler` on the root logger; levels
    are stdlib logger levels (``LogConfig.level`` is the root logger's, ``component_levels``
    those of the loggers they name). Each destination (stderr, ``alonechat.log``,
    ``alonechat_errors.log``) has a loguru handler whose filter and format read a
    :class:`_State`, which ``configure`` swaps in one assignment. The first handler to see a
    record pins the state on it, so every handler judges the record alike; a destination
    whose handler is being replaced (new ``colorize`` or ``diagnose``, another stderr)
    writes a record once, whichever handler gets there first. Reconfiguring therefore never
    doubles a record, and one that keeps the handlers never loses one; replacing a handler
    can lose a record that was between loguru's handler snapshot and the old handler's write
    at that instant.
    """

    _instance: ClassVar[LoggingManager | None] = None
    _create_lock: ClassVar[threading.Lock] = threading.Lock()

    lock: threading.RLock

    def __new__(cls) -> LoggingManager:
        with cls._create_lock:
            if cls._instance is None:
                instance = super().__new__(cls)
                instance._init()
                cls._instance = instance
            return cls._instance

    def _init(self) -> None:
        self.lock = threading.RLock()
        self._state = _UNCONFIGURED
        self._handlers: dict[_Destination, int] = {}  # -> loguru handler id
        self._sinks: dict[str, _Owned] = {}  # the sinks alonechat opened, by target
        self._streams: dict[str, StreamSink] = {}  # the wrappers of streams and syslog sinks
        self._dropped_before: dict[str, int] = {}  # counts of sinks since closed, by target
        self._stdlib = StdlibRouting()
        self._removed_default = False
        self._bridged = False
        #: Whether the active configuration came from the process's logging config
        #: (``configured_handler``); :func:`auto_configure` with no argument keeps it.
        self.from_logging_config = False
        self._writer = Deferred()
        # Registered at import, this runs after the application's exit functions (and after
        # the writer's own, which it registers when it starts): every record is in by then.
        atexit.register(self._at_exit)

    @property
    def deferred(self) -> Deferred | None:
        """The background writer when ``LogConfig.enqueue`` is on, else None."""
        config = self._state.config
        return self._writer if config is not None and config.enqueue else None

    @property
    def handler(self) -> InterceptHandler:
        """The InterceptHandler that ``configure`` puts on the root logger."""
        return self._stdlib.handler

    @property
    def config(self) -> LogConfig | None:
        """The active configuration (a validated copy), or ``None`` before configuring."""
        return self._state.config

    def configure(self, config: LogConfig) -> LogConfig:
        """Replace the active configuration with ``config``; returns the copy in use.

        Records queued by ``enqueue`` are written first, as configured until now. A log
        directory or file that cannot be opened is reported on stderr and left out (records
        go to stderr when nothing else is left); a syslog server that cannot be reached is
        reported and retried. Neither is raised.

        Raises:
            ValueError: if ``config`` (or a field changed after construction) is invalid;
                the previous configuration then stays active.
        """
        config = dataclasses.replace(config)  # re-validates, and later edits do not leak in
        with self.lock:
            self.from_logging_config = False
            self._writer.flush()  # records queued so far are written as configured then
            self._writer.size, self._writer.full = config.queue_size, config.queue_full
            directory, wanted = self._destinations(config)
            for destination, sink in wanted.items():
                if destination not in self._handlers:
                    self._handlers[destination] = self._add(destination, sink)
            redactor = (
                Redactor(config.redact_keys, config.redact_patterns) if config.redact else None
            )
            limits = config.max_message_length, config.max_field_length
            text = text_layout(config.template, *limits, redactor, own_traceback=False)
            file_text = text_layout(config.template, *limits, redactor, own_traceback=True)
            json = json_layout(
                config.max_message_length,
                redactor,
                config.json_schema,
                config.max_field_length,
                config.max_record_length,
            )
            self._state = _State(
                config,
                console=json if config.stdout_json else text,
                files=json if config.json_output else file_text,
                structured=json,
                redactor=redactor,
                active=frozenset(d.target for d in wanted),
                directory=directory,
            )
            self._drop(set(self._handlers) - set(wanted))
            if not self._removed_default:  # loguru's own stderr sink would double the console
                self._removed_default = True
                with contextlib.suppress(ValueError):  # already removed by someone else
                    _global_loguru.remove(0)
            if not self._bridged:  # records logged with loguru.logger directly
                self._bridged = True
                BRIDGE.acquire()
            self._stdlib.install(
                level_no(config.level),
                {name: level_no(level) for name, level in config.component_levels.items()},
                self.deferred,
            )
            tcp_syslog = any(
                isinstance(sink, SyslogSink) and sink.scheme == "tcp" for sink in wanted.values()
            )
            self._catch_sigterm(config.enqueue or tcp_syslog)
        return config

    def reset(self) -> None:
        """Undo ``configure``: write what is queued, remove alonechat's sinks (files are
        closed) and the stdlib routing (the root and component loggers get their levels
        from before back, the root logger the console handler taken off it, the frameworks'
        loggers their console handlers and ``propagate``).

        loguru's default stderr sink, removed by the first ``configure``, is not re-added.
        """
        with self.lock:
            self.from_logging_config = False
            self._writer.flush()
            self._state = _UNCONFIGURED
            self._drop(set(self._handlers))
            self._stdlib.uninstall()
            if self._bridged:
                self._bridged = False
                BRIDGE.release()
            self._catch_sigterm(False)

    def _at_exit(self) -> None:
        """At interpreter exit: write what is queued and send what syslog sinks hold.

        alonechat's sinks stay open (loguru's exit function removes only ``loguru.logger``'s
        handlers): records logged later (by ``atexit`` functions registered before
        alonechat, by daemon threads) are written, as stdlib's handlers write them after
        ``logging.shutdown``.
        """
        self._write_out()

    def _write_out(self) -> None:
        """Write what is queued, then send what syslog sinks hold (files are written as
        records come)."""
        self._writer.flush()
        for sink in list(self._sinks.values()):
            if isinstance(sink, SyslogSink):
                sink.stop()

    def _catch_sigterm(self, queued: bool) -> None:
        """While records may be queued (enqueue, a TCP syslog), SIGTERM writes and sends
        them before terminating as usual.

        Only when nobody else handles SIGTERM (it is SIG_DFL) and from the main thread.
        """
        if threading.current_thread() is not threading.main_thread():
            return
        current = signal.getsignal(signal.SIGTERM)
        if queued and current == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, self._flush_and_terminate)
        elif not queued and current == self._flush_and_terminate:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def _flush_and_terminate(self, signum: int, frame: object) -> None:
        self._write_out()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    def _destinations(self, config: LogConfig) -> tuple[Path | None, dict[_Destination, Writable]]:
        """The destinations ``config`` asks for, with their sinks (directories and files are
        created here; one that cannot be is reported and left out)."""
        wanted: dict[_Destination, Writable] = {}
        options: dict[str, Any] = {"diagnose": config.diagnose}
        if config.syslog_address is not None:
            destination, syslog = self._syslog(config)
            wanted[destination] = syslog
        if config.stdout_json:  # 12-factor: JSON lines on stdout, no stderr text, no files
            target = f"<stdout {id(sys.stdout)}>"
            wanted[_Destination(target, 0, False, layout=_console, **options)] = sys.stdout
            return None, wanted
        if config.console_output:
            wanted[_stderr(config)] = sys.stderr
        if not config.file_output:
            return None, wanted
        try:
            directory = ensure_directory(config.log_dir, config.dir_mode)
        except OSError as exc:
            then = "records go to stderr instead" if not wanted else "the other outputs continue"
            warn(
                f"cannot write log files to LogConfig.log_dir={str(config.log_dir)!r} "
                f"({exc}); file logging is off, {then}"
            )
            wanted = wanted or {_stderr(config): sys.stderr}
            return None, wanted
        for filename, level_floor in ((MAIN_LOG, 0), (ERROR_LOG, ERROR)):
            path = str(directory / filename)
            settings: dict[str, Any] = {
                "max_bytes": config.max_bytes,
                "backup_count": config.backup_count,
                "file_mode": config.file_mode,
                "rotate_at": config.rotate_at,
                "utc": config.rotate_utc,
                "compress": config.compress == "gz",
                "retention_days": config.retention_days,
                "max_total_bytes": config.max_total_bytes,
            }
            try:
                file = self._sinks.get(path)
                if not isinstance(file, RotatingFile):
                    file = self._sinks[path] = RotatingFile(Path(path), **settings)
                else:
                    file.configure(**settings)
            except OSError as exc:
                warn(f"cannot open {path} ({exc}); that file is not written")
                continue
            wanted[_Destination(path, level_floor, False, **options)] = file
        if not wanted:  # no file could be opened and nothing else was asked for
            warn("no log file could be opened; records go to stderr instead")
            wanted[_stderr(config)] = sys.stderr
        return directory, wanted

    def _syslog(self, config: LogConfig) -> tuple[_Destination, SyslogSink]:
        """The syslog destination of ``config`` and its sink (kept while the settings stay;
        a new datagram sink connects now, a TCP sink on its own thread)."""
        assert config.syslog_address is not None
        settings: dict[str, Any] = {
            "facility": config.syslog_facility,
            "app": config.syslog_app_name,
            "buffer": config.syslog_buffer,
            "max_bytes": config.syslog_max_bytes,
        }
        target = f"<syslog {config.syslog_address} {sorted(settings.items())}>"
        sink = self._sinks.get(target)
        if not isinstance(sink, SyslogSink):
            sink = self._sinks[target] = SyslogSink(config.syslog_address, **settings)
        return _Destination(target, 0, False, config.diagnose, layout=_structured), sink

    def _add(self, destination: _Destination, sink: Writable) -> int:
        target, layout_of = destination.target, destination.layout

        def accept(record: Any) -> bool:
            state = self._prepared(record)
            if target not in state.active:
                return False
            if not record.get(FROM_STDLIB) and not _enabled(record):
                return False
            return target not in record.get(WRITTEN, ())  # not already, by a replaced handler

        def layout(record: Any) -> str:
            return layout_of(record[_STATE])(record)

        if not isinstance(sink, RotatingFile):
            replaced = self._streams.get(target)
            if replaced is not None:  # a handler replaced (colorize, diagnose): keep its count
                self._count_before(target, replaced.losses.count)
            sink = self._streams[target] = StreamSink(sink, target)
        return LOGURU.add(
            sink,
            level=destination.level_floor,
            format=layout,
            filter=accept,
            colorize=destination.colorize,
            backtrace=False,
            diagnose=destination.diagnose,
        )

    def _prepared(self, record: Any) -> _State:
        """Prepare a loguru record once, whichever of alonechat's handlers sees it first:
        bound its fields, mask its secrets, add the active span's trace ids, and pin the
        state every handler then judges and formats it by; returns that state. (loguru
        changes records in patchers, but those belong to a logger, and would also reach the
        records users send to their own loguru sinks; alonechat's handlers' filters call
        this instead, and otherwise only decide.)"""
        state: _State | None = record.get(_STATE)
        if state is None:
            state = self._state
            if record["extra"] and state.config is not None:
                _bound(state.config, record)
            if state.redactor is not None:
                _redact(state.redactor, record)
            ids = span_ids()
            if ids is not None:
                record["extra"].setdefault("trace_id", ids[0])
                record["extra"].setdefault("span_id", ids[1])
            record[_STATE] = state
        return state

    def _drop(self, destinations: set[_Destination]) -> None:
        """Remove the handlers of ``destinations`` and close files no handler uses."""
        for destination in destinations:
            _remove(self._handlers.pop(destination))
        in_use = {d.target for d in self._handlers}
        for target in [t for t in self._sinks if t not in in_use]:
            sink = self._sinks.pop(target)
            sink.stop()
            self._count_before(target, sink.losses.count)
        for target in [t for t in self._streams if t not in in_use]:
            self._count_before(target, self._streams.pop(target).losses.count)

    def _count_before(self, target: str, dropped: int) -> None:
        """Keep the loss count of a sink that goes, for :meth:`stats`."""
        if dropped:
            self._dropped_before[target] = self._dropped_before.get(target, 0) + dropped

    def stats(self) -> dict[str, Any]:
        """Records alonechat could not write, in this process; every count is an int of
        records (for syslog, messages: one per record)::

            {"dropped": int,                          # the two counts below, summed
             "dropped_by_destination": {name: int},   # a sink could not write them
             "dropped_from_queue": int,               # enqueue's queue was full
             "queued": int}                           # waiting in enqueue's queue now

        A name is a log file's absolute path, ``stderr``, ``stdout`` or ``syslog
        <address>``; every destination configured now is listed (0 when it lost nothing),
        and one closed since only if it lost records. Counts add up across reconfigurations
        and ``reset_logging``. Each loss was also reported on stderr (one line when it
        starts, one with the count when it ends). Never raises."""
        with self.lock:
            counts = dict(self._dropped_before)
            for target, owned in self._sinks.items():
                counts[target] = counts.get(target, 0) + owned.losses.count
            for target, stream in self._streams.items():
                counts[target] = counts.get(target, 0) + stream.losses.count
        named: dict[str, int] = {}
        for target, count in counts.items():
            name = _destination_name(target)
            named[name] = named.get(name, 0) + count
        queue = self._writer
        return {
            "dropped": sum(named.values()) + queue.losses.count,
            "dropped_by_destination": named,
            "dropped_from_queue": queue.losses.count,
            "queued": queue.queued,
        }


def _destination_name(target: str) -> str:
    """A destination's name for people: the file path, stderr, stdout or syslog ADDRESS."""
    if not target.startswith("<"):
        return target
    kind, _, rest = target[1:].partition(" ")
    return f"syslog {rest.split(' ', 1)[0]}" if kind == "syslog" else kind


def _stderr(config: LogConfig) -> _Destination:
    """The console destination: stderr text, colored as ``colorize`` says, else on a
    terminal, with ``$NO_COLOR`` and ``$FORCE_COLOR`` honoured (see ``wants_color``)."""
    colorize = config.colorize
    if colorize is None:
        colorize = wants_color(sys.stderr)
    target = f"<stderr {id(sys.stderr)}>"
    return _Destination(target, 0, colorize, config.diagnose, layout=_console)


def _enabled(record: Any) -> bool:
    """Whether a record logged with loguru directly (not through a stdlib logger) passes
    the level a stdlib record of the logger named after its module would need: that of the
    nearest existing logger up the dotted name, else the root logger's; ``logging.disable``
    applies. No logger is created (and none's ``disabled`` flag applies)."""
    levelno: int = record["level"].no
    manager = logging.Logger.manager
    if levelno <= manager.disable:
        return False
    name, loggers = record["name"] or "", manager.loggerDict
    while name:
        found = loggers.get(name)
        if isinstance(found, logging.Logger):
            return levelno >= found.getEffectiveLevel()
        name = name.rpartition(".")[0]
    return levelno >= logging.getLogger().getEffectiveLevel()


def _bound(config: LogConfig, record: Any) -> None:
    """Bound the record's fields (``max_field_length``, ``max_record_length``); if that
    fails, withhold them."""
    try:
        record["extra"] = bounded_fields(
            record["extra"], config.max_field_length, config.max_record_length
        )
    except Exception as exc:
        record["extra"] = {CUT_KEY: f"fields withheld, bounding them failed: {exc!r}"}


def _redact(redactor: Redactor, record: Any) -> None:
    """Mask the record's secrets; if that fails, withhold what could not be checked."""
    try:
        record["message"] = redactor.text(record["message"])
    except Exception as exc:
        record["message"] = f"[alonechat: message withheld, redaction failed: {exc!r}]"
    try:
        if record["extra"]:
            record["extra"] = redactor.fields(record["extra"])
    except Exception as exc:
        record["extra"] = {"alonechat_redaction_error": f"fields withheld: {exc!r}"}


def _remove(handler_id: int) -> None:
    with contextlib.suppress(ValueError):  # already removed by someone else
        LOGURU.remove(handler_id)


def configure_logging(config: LogConfig | None = None) -> LogConfig:
    """Configure the unified logging system (``LogConfig()`` defaults when omitted).

    Calling it again replaces the previous setup: no sink is duplicated and records already
    written are kept (old sinks are flushed and closed). Returns the configuration in use.

    Records reach the sinks through one :class:`InterceptHandler` on the root logger. Levels
    are stdlib's: ``config.level`` becomes the root logger's level and ``component_levels``
    the levels of the loggers they name, set again by each call (the last call wins, over
    ``setLevel`` and ``dictConfig``); ``reset_logging`` restores the levels from before.

    A ``log_dir`` or file that cannot be opened, or an unreachable syslog server, is
    reported on stderr, not raised (see :meth:`LoggingManager.configure`).

    Raises:
        ValueError: if ``config`` is invalid (the previous configuration then stays).
    """
    return LoggingManager().configure(config if config is not None else LogConfig())


def auto_configure(env: str | None = None, **overrides: Any) -> LogConfig:
    """Configure from an environment preset: ``env``, else ``$ALONECHAT_ENV``, else development.

    ``env`` accepts development/dev, production/prod, testing/test in any case; keyword
    ``overrides`` replace preset fields (``auto_configure("prod", log_dir="/var/log/x")``).
    For containers and log shippers, environment variables override the preset too:
    ``$ALONECHAT_LOG_FORMAT=json`` (or ``ecs``) sends JSON lines (with ECS field names) to
    stdout and nothing else; ``$ALONECHAT_SYSLOG=udp://host:514`` also sends every record
    to that syslog server. Keyword ``overrides`` win over both.

    Called with no argument at all while the process's logging config (a ``dictConfig`` or
    ``fileConfig`` naming :func:`configured_handler`: gunicorn's ``logconfig_dict``, Django's
    ``LOGGING``) configured the system, it keeps that configuration and returns it: the
    deployment's config is the more specific one (an app module that calls
    ``auto_configure()`` for plain ``uvicorn`` runs unchanged under gunicorn).

    Raises:
        ValueError: for an unknown environment name or variable value, or an invalid
            override (the message names it and lists the allowed values).
        TypeError: for an override that is not a :class:`LogConfig` field.
    """
    manager = LoggingManager()
    if env is None and not overrides and manager.from_logging_config:
        config = manager.config
        assert config is not None  # set together with it
        return config
    return _configure_from_environment(env, overrides)


def _configure_from_environment(env: str | None, overrides: dict[str, Any]) -> LogConfig:
    """What :func:`auto_configure` does (whatever configured the system before)."""
    log_format = os.environ.get(FORMAT_VAR, "").strip().lower()
    if log_format not in ("", "text", "json", "ecs"):
        raise ValueError(
            f"{FORMAT_VAR}: unknown log format {os.environ[FORMAT_VAR]!r}; allowed: text, json, ecs"
        )
    if log_format in ("json", "ecs"):
        overrides.setdefault("stdout_json", True)
        overrides.setdefault("json_schema", "alonechat" if log_format == "json" else "ecs")
    syslog = os.environ.get(SYSLOG_VAR, "").strip()
    if syslog and "syslog_address" not in overrides:
        parse_address(syslog, SYSLOG_VAR)  # an error names the variable, not the field
        overrides["syslog_address"] = syslog
    return configure_logging(PRESETS[resolve_environment(env)](**overrides))


def stats() -> dict[str, Any]:
    """Records alonechat's sinks could not write in this process, as counts of records:
    ``{"dropped": int, "dropped_by_destination": {name: int}, "dropped_from_queue": int,
    "queued": int}`` (see :meth:`LoggingManager.stats`). Never raises."""
    return LoggingManager().stats()


def configured_handler(env: str | None = None, **overrides: Any) -> InterceptHandler:
    """Configure the system as :func:`auto_configure` does and return its handler, for
    ``logging.config.dictConfig`` (a Django ``LOGGING`` dict, ``uvicorn --log-config``,
    gunicorn's ``logconfig_dict``)::

        "handlers": {"alonechat": {"()": "alonechat.core.logging.configured_handler",
                                   "env": "production", "log_dir": "/var/log/app"}},
        "root": {"handlers": ["alonechat"], "level": "INFO"},

    The other keys of the handler's entry are ``auto_configure`` keyword arguments. The
    handler is the one ``configure_logging`` puts on the root logger, so naming it there
    keeps one; the ``level`` and ``loggers`` of the dict are applied after this and win. Keep
    ``"disable_existing_loggers": False``: with True, dictConfig disables every logger that
    exists when it runs, those alonechat just set levels on included.

    Raises:
        ValueError, TypeError: as :func:`auto_configure`. ``dictConfig`` re-raises them as
            "Unable to configure handler 'alonechat'" (and gunicorn shows only that), so the
            reason, naming the field and the allowed values, is also written on stderr.
    """
    manager = LoggingManager()
    try:
        _configure_from_environment(env, overrides)
    except (ValueError, TypeError) as exc:
        warn(f"the logging config's alonechat handler: {exc}")
        raise
    manager.from_logging_config = True
    return manager.handler


class ConfiguredHandler(InterceptHandler):
    """:func:`configured_handler` as a class, for ``logging.config.fileConfig`` (an ``.ini``
    file: ``gunicorn --log-config``, ``uvicorn --log-config x.ini``), which wants a class::

        [handler_alonechat]
        class=alonechat.core.logging.ConfiguredHandler
        args=("production",)
        kwargs={"log_dir": "/var/log/app"}

    Making one configures the system and returns the handler ``configure_logging`` put on
    the root logger (an :class:`InterceptHandler`), as :func:`configured_handler` does.

    Raises:
        ValueError, TypeError: as :func:`auto_configure`.
    """

    def __new__(cls, env: str | None = None, **overrides: Any) -> InterceptHandler:  # type: ignore[misc]
        return configured_handler(env, **overrides)


def reset_logging() -> None:
    """Remove alonechat's sinks and stdlib routing (tests use it between cases).

    Queued records are written first; stdlib loggers get back the levels, console handlers
    and ``propagate`` they had before :func:`configure_logging`.
    """
    LoggingManager().reset()

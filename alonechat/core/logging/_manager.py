"""LoggingManager: the process-wide owner of alonechat's loguru handlers and levels."""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from loguru import logger as _loguru

if TYPE_CHECKING:
    from loguru import Record

from ._config import PRESETS, LogConfig, resolve_environment
from ._formatting import DETAILED_FORMAT, json_format, text_format, text_template
from ._intercept import StdlibRouting
from ._levels import ERROR, LevelTable, level_no
from ._sinks import ERROR_LOG, MAIN_LOG, ensure_directory, file_sink_options

# Key stamped on every loguru record: the configuration generation it was logged under.
_GENERATION = "_alonechat_generation"


class LevelAware(Protocol):
    """What the manager keeps in its logger registry: a name and a cached threshold."""

    name: str
    _level: int


def _warn(message: str) -> None:
    """One clear line on stderr, outside the logging system (which may be what failed)."""
    try:
        sys.stderr.write(f"alonechat: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # pragma: no cover - stderr itself is gone
        pass


class LoggingManager:
    """Owns the loguru handlers that alonechat installs; one per process (a singleton).

    ``configure`` swaps one configuration for the next: the new sinks are added before the
    old ones are removed (which flushes them), and every record is stamped with the
    generation it was logged under so that it is written by one configuration, never two.
    """

    _instance: ClassVar[LoggingManager | None] = None
    _create_lock: ClassVar[threading.Lock] = threading.Lock()

    lock: threading.RLock
    loggers: dict[str, Any]

    def __new__(cls) -> LoggingManager:
        with cls._create_lock:
            if cls._instance is None:
                instance = super().__new__(cls)
                instance._init()
                cls._instance = instance
            return cls._instance

    def _init(self) -> None:
        self.lock = threading.RLock()
        #: get_logger's registry: name -> facade logger (kept in step with the levels).
        self.loggers = {}
        self._config: LogConfig | None = None
        self._handler_ids: list[int] = []
        self._generation = 0
        self._table = LevelTable(0)
        self._stdlib = StdlibRouting()
        self._removed_default = False
        self._patched = False

    @property
    def config(self) -> LogConfig | None:
        """The active configuration (a validated copy), or ``None`` before configuring."""
        return self._config

    def level_for(self, name: str) -> int:
        """The minimum level a record of logger ``name`` needs to be written (0: any)."""
        return self._table.effective(name)

    def configure(self, config: LogConfig) -> LogConfig:
        """Replace the active configuration with ``config``; returns the copy in use.

        Raises:
            ValueError: if ``config`` (or a field changed after construction) is invalid;
                the previous configuration then stays active.
        """
        config = dataclasses.replace(config)  # re-validates, and later edits do not leak in
        table = LevelTable(
            level_no(config.level),
            {name: level_no(level) for name, level in config.component_levels.items()},
        )
        with self.lock:
            generation = self._generation + 1
            new_ids = self._add_sinks(config, table, self._filter(generation, table))
            if not self._patched:
                _loguru.configure(patcher=self._stamp)
                self._patched = True
            self._generation = generation
            old_ids, self._handler_ids = self._handler_ids, new_ids
            for handler_id in old_ids:
                self._remove(handler_id)
            if not self._removed_default:  # loguru's own stderr sink would double the console
                self._removed_default = self._remove(0) or True
            self._config, self._table = config, table
            self._stdlib.install(table.level, table.components)
            self._refresh_loggers()
        return config

    def reset(self) -> None:
        """Undo ``configure``: remove alonechat's sinks and the stdlib routing.

        loguru's default stderr sink, removed by the first ``configure``, is not re-added.
        """
        with self.lock:
            for handler_id in self._handler_ids:
                self._remove(handler_id)
            self._handler_ids = []
            self._stdlib.uninstall()
            self._config, self._table = None, LevelTable(0)
            self._refresh_loggers()

    def _refresh_loggers(self) -> None:
        for facade in self.loggers.values():
            facade._level = self._table.effective(facade.name)

    def _stamp(self, record: Record) -> None:
        record[_GENERATION] = self._generation  # type: ignore[literal-required]

    @staticmethod
    def _filter(generation: int, table: LevelTable) -> Callable[[dict[str, Any]], bool]:
        effective = table.effective
        if not table.components:
            return lambda record: record.get(_GENERATION, generation) == generation
        return lambda record: (
            record.get(_GENERATION, generation) == generation
            and record["level"].no >= effective(record["name"])
        )

    @staticmethod
    def _remove(handler_id: int) -> bool:
        try:
            _loguru.remove(handler_id)
        except ValueError:  # already removed by someone else
            return False
        return True

    def _add_sinks(
        self, config: LogConfig, table: LevelTable, accept: Callable[[dict[str, Any]], bool]
    ) -> list[int]:
        template = text_template(
            config.format_string or DETAILED_FORMAT, config.date_format, "LogConfig.format_string"
        )
        text = text_format(template)
        self._check_markup(text)
        common: dict[str, Any] = {
            "filter": accept,
            "enqueue": config.enqueue,
            "backtrace": False,
            "diagnose": config.diagnose,
        }
        sinks: list[dict[str, Any]] = []
        if config.console_output:
            colorize = config.colorize
            if colorize is None:
                colorize = bool(getattr(sys.stderr, "isatty", lambda: False)())
            sinks.append(
                {
                    "sink": sys.stderr,
                    "level": table.minimum,
                    "format": text,
                    "colorize": colorize,
                    **common,
                }
            )
        if config.file_output:
            try:
                directory = ensure_directory(config.log_dir, config.dir_mode)
            except OSError as exc:
                _warn(
                    f"cannot write log files to LogConfig.log_dir={str(config.log_dir)!r} "
                    f"({exc}); file logging is off, console output continues"
                )
            else:
                layout = json_format if config.json_output else text
                for filename, level in ((MAIN_LOG, table.minimum), (ERROR_LOG, ERROR)):
                    options = file_sink_options(
                        directory / filename,
                        max_bytes=config.max_bytes,
                        backup_count=config.backup_count,
                        file_mode=config.file_mode,
                    )
                    sinks.append(
                        {**options, "level": max(level, table.minimum), "format": layout, **common}
                    )
        ids: list[int] = []
        for sink in sinks:
            try:
                ids.append(_loguru.add(**sink))
            except OSError as exc:
                _warn(f"cannot open {sink['sink']} ({exc}); that file is not written")
        return ids

    @staticmethod
    def _check_markup(layout: Any) -> None:
        """Let loguru parse the color markup, on a sink no record reaches, before files open."""
        try:
            _loguru.remove(_loguru.add(lambda _: None, format=layout, level=sys.maxsize))
        except ValueError as exc:
            raise ValueError(f"LogConfig.format_string: {exc}") from None


def configure_logging(config: LogConfig | None = None) -> LogConfig:
    """Configure the unified logging system (``LogConfig()`` defaults when omitted).

    Calling it again replaces the previous setup: no sink is duplicated and records already
    written are kept (old sinks are flushed and closed). Returns the configuration in use.
    """
    return LoggingManager().configure(config if config is not None else LogConfig())


def auto_configure(env: str | None = None, **overrides: Any) -> LogConfig:
    """Configure from an environment preset: ``env``, else ``$ALONECHAT_ENV``, else development.

    ``env`` accepts development/dev, production/prod, testing/test in any case; keyword
    ``overrides`` replace preset fields (``auto_configure("prod", log_dir="/var/log/x")``).

    Raises:
        ValueError: for an unknown environment name (the allowed names are listed).
    """
    return configure_logging(PRESETS[resolve_environment(env)](**overrides))


def reset_logging() -> None:
    """Remove alonechat's sinks and stdlib routing (tests use it between cases)."""
    LoggingManager().reset()

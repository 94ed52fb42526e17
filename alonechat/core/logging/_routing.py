"""StdlibRouting: what configuring does to stdlib's logger tree, and undoes.

One InterceptHandler on the root logger; the root and component loggers' levels; and the
console handlers that frameworks give their own loggers (with ``propagate=False``), taken
over so that their records reach alonechat's sinks, once.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping

from ._deferred import Deferred
from ._intercept import InterceptHandler
from ._report import warn

#: Loggers to which frameworks give console handlers of their own, most with
#: ``propagate=False``: uvicorn's default ``LOGGING_CONFIG`` (``uvicorn``, ``uvicorn.access``),
#: gunicorn's error and access logs (which its ``UvicornWorker`` copies onto ``uvicorn.error``
#: and ``uvicorn.access``), Django's ``DEFAULT_LOGGING`` (``django``, ``django.server``).
FRAMEWORK_LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "gunicorn.error",
    "gunicorn.access",
    "django",
    "django.server",
)


def _is_console(handler: logging.Handler) -> bool:
    """Whether ``handler`` is a plain ``StreamHandler`` writing to stderr or stdout."""
    if type(handler) is not logging.StreamHandler:
        return False
    stream = handler.stream
    return any(stream is s for s in (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__))


class StdlibRouting:
    """Puts one InterceptHandler on the root logger, takes the console over and sets stdlib
    logger levels, undoably.

    Console handlers (a plain ``StreamHandler`` on stderr or stdout, as
    ``logging.basicConfig`` makes) found on the root logger when alonechat's handler is put
    on are taken off while the system is configured, so that records are not printed twice,
    with one warning naming them; every other handler stays (a ``FileHandler`` of yours keeps
    getting records), and so does any handler added after alonechat's.

    The frameworks' loggers (:data:`FRAMEWORK_LOGGERS`) lose their console handlers each time
    ``install`` runs, and those that had one propagate to the root logger: uvicorn's,
    gunicorn's and Django's lines reach alonechat's sinks once. Other handlers on them (a
    gunicorn ``--error-logfile``, Django's ``mail_admins``, alonechat's own named in a dict
    config) stay, and so does a logger silenced on purpose (no handler, no propagation).

    Levels: the root logger gets ``level``, each named logger its component level, each
    time ``install`` runs (the last call wins, as with ``dictConfig``). A logger named by an
    earlier call but not by this one gets its level from before back, unless something else
    (``setLevel``, ``dictConfig``) changed it since. ``uninstall`` restores them all.
    """

    def __init__(self) -> None:
        #: The handler ``install`` puts on the root logger.
        self.handler = InterceptHandler()
        self._root_level: int | None = None
        self._taken: list[tuple[logging.Logger, logging.Handler]] = []
        self._propagate: dict[logging.Logger, bool] = {}  # before alonechat changed it
        # logger name -> (its level before alonechat set one, the level alonechat set)
        self._levels: dict[str, tuple[int, int]] = {}

    def install(
        self, level: int, components: Mapping[str, int], deferred: Deferred | None = None
    ) -> None:
        """Route the root logger into loguru at ``level``; set the component loggers' levels.

        ``level`` and the values of ``components`` (logger name -> level) are stdlib level
        numbers. With ``deferred``, records are written from its thread.
        """
        InterceptHandler.deferred = deferred
        root = logging.getLogger()
        if self._root_level is None:
            self._root_level = root.level
        if not any(isinstance(h, InterceptHandler) for h in root.handlers):
            taken = self._take(root)
            if taken:
                warn(
                    f"took {', '.join(map(repr, taken))} off the root logger: alonechat's "
                    "outputs get its records, which would print twice (reset_logging() "
                    "puts it back)"
                )
            root.addHandler(self.handler)
        self._take_frameworks()
        root.setLevel(level)
        self._restore_levels(keep=components)
        for name, component_level in components.items():
            stdlib_logger = logging.getLogger(name)
            before = self._levels.get(name, (stdlib_logger.level, 0))[0]
            stdlib_logger.setLevel(component_level)
            self._levels[name] = (before, component_level)

    def uninstall(self) -> None:
        """Remove every InterceptHandler from the root logger, give back the handlers
        taken and restore ``propagate`` and the levels."""
        InterceptHandler.deferred = None
        root = logging.getLogger()
        for intercept in [h for h in root.handlers if isinstance(h, InterceptHandler)]:
            root.removeHandler(intercept)
        # what a dictConfig set on it (level, filters, name) goes with it
        self.handler = InterceptHandler()
        if self._root_level is not None:
            root.setLevel(self._root_level)
            self._root_level = None
        for logger, handler in self._taken:
            if handler not in logger.handlers:  # once, where two loggers share one list
                logger.addHandler(handler)
        self._taken = []
        for logger, propagate in self._propagate.items():
            if logger.propagate:  # unless something changed it since
                logger.propagate = propagate
        self._propagate = {}
        self._restore_levels(keep={})

    def _take(self, logger: logging.Logger) -> list[logging.Handler]:
        """Take the console handlers off ``logger``; returns them."""
        taken = [handler for handler in logger.handlers if _is_console(handler)]
        for handler in taken:
            logger.removeHandler(handler)
            self._taken.append((logger, handler))
        return taken

    def _take_frameworks(self) -> None:
        """Take the frameworks' console handlers over (see the class docstring). Each
        logger that has one propagates from now on; the handlers are looked up before any
        is taken, since a framework may give two loggers one list (gunicorn's
        ``UvicornWorker`` hands ``gunicorn.error``'s to ``uvicorn.error``). A logger a
        framework silenced on purpose (no handler, ``propagate=False``: ``uvicorn
        --no-access-log``) stays silent."""
        manager = logging.Logger.manager
        found = [
            logger
            for logger in map(manager.loggerDict.get, FRAMEWORK_LOGGERS)
            if isinstance(logger, logging.Logger) and any(map(_is_console, logger.handlers))
        ]
        for logger in found:
            self._take(logger)
            if not logger.propagate:
                self._propagate.setdefault(logger, logger.propagate)
                logger.propagate = True

    def _restore_levels(self, keep: Mapping[str, int]) -> None:
        for name in [name for name in self._levels if name not in keep]:
            before, ours = self._levels.pop(name)
            stdlib_logger = logging.getLogger(name)
            if stdlib_logger.level == ours:
                stdlib_logger.setLevel(before)

"""Request-scoped context: fields bound to every record logged inside a block."""

from __future__ import annotations

from contextlib import AbstractContextManager

from ._engine import LOGURU


def log_context(**fields: object) -> AbstractContextManager[None]:
    """Bind ``fields`` to every record logged inside the ``with`` block (or decorated call).

    Records of any logger carry them, intercepted stdlib ones included, as ``extra``
    fields: JSON keys, ``%(name)s`` in a text format; a field the logging call passes in
    ``extra`` wins over one of the same name bound here. Nested blocks merge
    their fields and each exit restores the outer ones. The fields live in a ``contextvars``
    variable (loguru's ``contextualize``), so each thread and each asyncio task sees only
    its own: a task started inside the block inherits a copy, and nothing leaks back.
    """
    return LOGURU.contextualize(**fields)

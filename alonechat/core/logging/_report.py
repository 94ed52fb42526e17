"""Reporting the logging system's own trouble: one clear line on stderr."""

from __future__ import annotations

import sys


def warn(message: str) -> None:
    """Write ``alonechat: <message>`` to stderr, outside the logging system (which may be
    what failed); never raises."""
    try:
        sys.stderr.write(f"alonechat: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stderr itself is gone
        pass

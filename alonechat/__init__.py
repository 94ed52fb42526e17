"""AloneChat: the unified logging system lives in :mod:`alonechat.core.logging`."""

__version__ = "0.1.0"

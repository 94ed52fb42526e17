"""The public surface is the spec's names, and nothing private leaks into __all__."""

from __future__ import annotations

import alonechat.core.logging as public


def test_all_is_complete() -> None:
    assert len(set(public.__all__)) == len(public.__all__)  # ruff (RUF022) keeps it sorted
    for name in public.__all__:
        assert hasattr(public, name), name
    spec_names = {
        "get_logger",
        "LogConfig",
        "configure_logging",
        "auto_configure",
        "create_development_config",
        "create_production_config",
        "create_testing_config",
        "LoggingManager",
        "InterceptHandler",
    }
    assert spec_names <= set(public.__all__)
    assert not [name for name in public.__all__ if name.startswith("_")]

"""Property-based: any config is refused clearly or works; any message is written and parses."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alonechat.core.logging import LogConfig, configure_logging, get_logger, reset_logging
from alonechat.core.logging._intercept import RESERVED
from alonechat.core.logging._text import strip_ansi
from tests.conftest import detach_pytest_handlers
from tests.helpers import read_lines

ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(
    level=st.one_of(ANY, st.sampled_from(["debug", "WARN", "fatal", "Info", 10, 55])),
    max_bytes=ANY,
    backup_count=ANY,
    format_string=st.one_of(st.none(), st.text(max_size=30), st.just("%(message)s %(x)d")),
    component_levels=st.one_of(ANY, st.dictionaries(st.text(max_size=8), ANY, max_size=2)),
)
def test_config_is_refused_clearly_or_works(
    level: object,
    max_bytes: object,
    backup_count: object,
    format_string: object,
    component_levels: object,
) -> None:
    try:
        config = LogConfig(
            level=level,  # type: ignore[arg-type]
            max_bytes=max_bytes,  # type: ignore[arg-type]
            backup_count=backup_count,  # type: ignore[arg-type]
            format_string=format_string,  # type: ignore[arg-type]
            component_levels=component_levels,  # type: ignore[arg-type]
            console_output=False,
            file_output=False,
        )
    except ValueError as exc:
        message = str(exc)
        config = None
    if config is None:
        assert message.startswith("LogConfig.")
        return
    configure_logging(config)
    get_logger("fuzz").critical("still works")


@FUZZ
@given(
    message=st.text(),
    args=st.lists(st.one_of(st.text(), st.integers(), st.floats()), max_size=3),
    # keys stdlib refuses in extra (LogRecord attributes) raise KeyError, as in stdlib
    extra=st.dictionaries(
        st.text(min_size=1, max_size=10).filter(lambda key: key not in RESERVED), ANY, max_size=4
    ),
    route=st.sampled_from(["alone", "beside"]),
)
def test_any_message_is_written_as_one_parseable_line(
    tmp_path_factory: object,
    message: str,
    args: list[object],
    extra: dict[str, object],
    route: str,
) -> None:
    """By either route (alonechat's handler alone, or beside another root handler)."""
    log_dir = Path(tmp_path_factory.mktemp("fuzz"))  # type: ignore[attr-defined]
    configure_logging(LogConfig(log_dir=log_dir, console_output=False, json_output=True))
    detach_pytest_handlers()  # pytest's own handler raises on a message that does not fit
    second = logging.NullHandler()
    if route == "beside":
        logging.getLogger().addHandler(second)
    try:
        get_logger("fuzz").warning(message, *args, extra=extra)
    finally:
        logging.getLogger().removeHandler(second)
        reset_logging()
    lines = read_lines(log_dir / "alonechat.log")
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["level"] == "WARNING"
    if not args:  # as written, but for terminal escape sequences (a console's business)
        assert record["message"] == strip_ansi(message)

"""One route that every tool sees: stdlib's, with alonechat's handler alone on the root.

Each test runs a script in a fresh interpreter, as production runs (no pytest handler on
the root logger), with the real tools: sentry-sdk, opentelemetry-sdk, wrappers of stdlib's
``Logger`` and ``Handler`` methods, a record factory. Each counts what the tool saw and what
alonechat's files hold.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import doc_blocks, read_json, read_lines, run_python

_SENTRY = """
import json, logging, sys
import sentry_sdk
from sentry_sdk.transport import Transport
from AloneChat.core.logging import auto_configure, get_logger

events = []

class Capture(Transport):
    def capture_envelope(self, envelope):
        events.extend(item.payload.json for item in envelope.items if item.type == "event")

init_mode, order, root = sys.argv[1:4]
options = {}
if init_mode == "logging-only":
    from sentry_sdk.integrations.logging import LoggingIntegration
    options = {"default_integrations": False, "integrations": [LoggingIntegration()]}

def alonechat():
    auto_configure("production", log_dir="logs", console_output=False, json_output=True)

if order == "alonechat-first":
    alonechat()
sentry_sdk.init(transport=Capture(), **options)
if order == "sentry-first":
    alonechat()
if order == "no":  # sentry-sdk alone, at the production preset's level
    logging.getLogger().setLevel(logging.INFO)
if root == "beside":
    logging.getLogger().addHandler(logging.NullHandler())
log = get_logger("myapp")
log.info("checkout started for %s", "o-1")
log.error("order %s failed", "o-1")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("charge %s crashed", "o-2")
sentry_sdk.flush()
print(json.dumps(events))
"""


def _run(code: str, cwd: Path, *args: str) -> str:
    done = run_python(f"import sys; sys.argv[1:] = {list(args)!r}\n" + textwrap.dedent(code), cwd)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def _summary(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What a Sentry user sees of each event: message template, params, logger, level,
    breadcrumb messages, exception types."""
    return [
        (
            event["logentry"]["message"],
            event["logentry"]["params"],
            event["logger"],
            event["level"],
            [crumb["message"] for crumb in event["breadcrumbs"]["values"]],
            [value["type"] for value in event.get("exception", {}).get("values", [])],
        )
        for event in events
    ]


@pytest.fixture(scope="module")
def sentry_without_alonechat(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The events sentry-sdk makes of the script's calls with no alonechat configured."""
    return {
        mode: _summary(
            json.loads(_run(_SENTRY, tmp_path_factory.mktemp(mode), mode, "no", "beside"))
        )
        for mode in ("default", "logging-only")
    }


@pytest.mark.parametrize("root", ["alone", "beside"])
@pytest.mark.parametrize("order", ["alonechat-first", "sentry-first"])
@pytest.mark.parametrize("init_mode", ["default", "logging-only"])
def test_sentry_gets_one_event_per_error_with_the_template(
    tmp_path: Path,
    init_mode: str,
    order: str,
    root: str,
    sentry_without_alonechat: dict[str, Any],
) -> None:
    """sentry-sdk (its default init, which turns its loguru integration on, or its
    LoggingIntegration alone) gets one event per error()/exception(), whose message is the
    record's template with its params and whose breadcrumbs hold the INFO record: the same
    events as without alonechat. alonechat's files hold every record once."""
    events = _summary(json.loads(_run(_SENTRY, tmp_path, init_mode, order, root)))
    assert events == [
        ("order %s failed", ["o-1"], "myapp", "error", ["checkout started for o-1"], []),
        (
            "charge %s crashed",
            ["o-2"],
            "myapp",
            "error",
            ["checkout started for o-1", "order o-1 failed"],
            ["ZeroDivisionError"],
        ),
    ]
    assert events == sentry_without_alonechat[init_mode]
    written = read_json(tmp_path / "logs" / "alonechat.log")
    assert [r["message"] for r in written] == [
        "checkout started for o-1",
        "order o-1 failed",
        "charge o-2 crashed",
    ]
    assert all(r["module"] == "<string>" for r in written)  # the caller, not a wrapper
    errors = read_json(tmp_path / "logs" / "alonechat_errors.log")
    assert [r["message"] for r in errors] == ["order o-1 failed", "charge o-2 crashed"]


_LOGURU_USER = """
import json
import sentry_sdk
from loguru import logger
from sentry_sdk.transport import Transport
from AloneChat.core.logging import auto_configure

events = []

class Capture(Transport):
    def capture_envelope(self, envelope):
        events.extend(item.payload.json for item in envelope.items if item.type == "event")

sentry_sdk.init(transport=Capture())
auto_configure("production", log_dir="logs", console_output=False, json_output=True)
logger.error("raw loguru {}", "error")
sentry_sdk.flush()
print(json.dumps(events))
"""


def test_records_logged_with_loguru_directly_reach_sentry_once_and_the_files(
    tmp_path: Path,
) -> None:
    """A record logged with ``loguru.logger`` is seen by sentry's loguru integration once
    (sentry's own handler, as without alonechat) and written to alonechat's files."""
    events = json.loads(_run(_LOGURU_USER, tmp_path))
    assert len(events) == 1
    assert "raw loguru error" in events[0]["logentry"]["message"]
    written = read_json(tmp_path / "logs" / "alonechat.log")
    assert [(r["message"], r["level"]) for r in written] == [("raw loguru error", "ERROR")]


_OTEL = """
import logging
from opentelemetry import trace
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from AloneChat.core.logging import auto_configure, get_logger

exporter = InMemoryLogRecordExporter()
provider = LoggerProvider()
provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
trace.set_tracer_provider(TracerProvider())
auto_configure("production", log_dir="logs", console_output=False, json_output=True)
otel_handler = LoggingHandler(logger_provider=provider)
logging.getLogger().addHandler(otel_handler)
with trace.get_tracer("t").start_as_current_span("checkout") as span:
    get_logger("shop").warning("paid %s", "o-9")
    trace_id = format(span.get_span_context().trace_id, "032x")
# logging.shutdown flushes every live handler at exit, and this one's flush starts a thread
# (opentelemetry-sdk's, with or without alonechat): let it go first
logging.getLogger().removeHandler(otel_handler)
del otel_handler
provider.shutdown()
exported = exporter.get_finished_logs()
print(len(exported), format(exported[0].log_record.trace_id, "032x") == trace_id, trace_id)
"""


def test_opentelemetry_handler_beside_alonechat_gets_each_record_once(tmp_path: Path) -> None:
    """opentelemetry-sdk's LoggingHandler on the root beside alonechat's gets one log record
    with the active span's trace id; alonechat's file has it once, with the same id."""
    count, same, trace_id = _run(_OTEL, tmp_path).split()
    assert (count, same) == ("1", "True")
    (written,) = read_json(tmp_path / "logs" / "alonechat.log")
    assert (written["message"], written["trace_id"]) == ("paid o-9", trace_id)


_WRAPPERS = """
import logging, sys
from AloneChat.core.logging import LogConfig, configure_logging, get_logger

seen = {"callHandlers": 0, "makeRecord": 0, "Handler.handle": 0, "factory": 0}

def wrap_methods():
    def wrap(owner, name, key):
        original = getattr(owner, name)
        def wrapper(*args, **kwargs):
            seen[key] += 1
            return original(*args, **kwargs)
        setattr(owner, name, wrapper)
    wrap(logging.Logger, "callHandlers", "callHandlers")
    wrap(logging.Logger, "makeRecord", "makeRecord")
    wrap(logging.Handler, "handle", "Handler.handle")
    factory = logging.getLogRecordFactory()
    def tagged(*args, **kwargs):
        seen["factory"] += 1
        record = factory(*args, **kwargs)
        record.tenant = "t-1"
        return record
    logging.setLogRecordFactory(tagged)

if sys.argv[1] == "before":
    wrap_methods()
configure_logging(LogConfig(log_dir="logs", console_output=False, json_output=True))
if sys.argv[1] == "after":
    wrap_methods()
log = get_logger("wrapped")
for number in range(3):
    log.info("record %d", number)
log.debug("below the level: no record is made")
print(" ".join(f"{key}={count}" for key, count in seen.items()))
"""


@pytest.mark.parametrize("when", ["before", "after"])
def test_wrappers_of_stdlibs_route_see_each_record_once(tmp_path: Path, when: str) -> None:
    """Wrappers of ``Logger.callHandlers``, ``Logger.makeRecord``, ``Handler.handle`` and a
    record factory, installed before or after ``configure_logging``, each see every record
    once, and what the factory added reaches the file."""
    seen = _run(_WRAPPERS, tmp_path, when).split()
    assert seen == ["callHandlers=3", "makeRecord=3", "Handler.handle=3", "factory=3"]
    written = read_json(tmp_path / "logs" / "alonechat.log")
    assert [(r["message"], r["tenant"]) for r in written] == [
        (f"record {n}", "t-1") for n in range(3)
    ]


def test_a_record_logged_by_an_exit_function_registered_first_is_written(
    tmp_path: Path,
) -> None:
    """loguru's exit function removes ``loguru.logger``'s handlers (CPython 3.14 runs exit
    functions from a snapshot, so it cannot be unregistered from inside one); alonechat's
    sinks are not among them, so a record logged after it is still written."""
    code = """
        import atexit, logging
        atexit.register(lambda: logging.getLogger("late").warning("logged at exit"))
        from loguru import logger
        from AloneChat.core.logging import LogConfig, configure_logging
        configure_logging(LogConfig(log_dir="logs", console_output=False))
        logger.remove()  # what loguru's exit function does, done early
        logging.getLogger("early").warning("after loguru removed its handlers")
    """
    _run(code, tmp_path)
    lines = (tmp_path / "logs" / "alonechat.log").read_text().splitlines()
    assert [line.rsplit(" | ", 1)[-1] for line in lines] == [
        "after loguru removed its handlers",
        "logged at exit",
    ]


def test_the_docs_sentry_sample_gives_one_event_with_a_breadcrumb(tmp_path: Path) -> None:
    """The Sentry sample of docs/error-trackers.md, run verbatim (sentry-sdk's transport
    captured, no DSN)."""
    (sample,) = doc_blocks("docs/error-trackers.md", "Error trackers: Sentry", "python")
    prelude = """
import functools, json
import sentry_sdk
from sentry_sdk.transport import Transport

events = []

class Capture(Transport):
    def capture_envelope(self, envelope):
        events.extend(item.payload.json for item in envelope.items if item.type == "event")

sentry_sdk.init = functools.partial(sentry_sdk.init, transport=Capture())
SENTRY_DSN, order_id = None, "o-1"
"""
    epilogue = "\nsentry_sdk.flush()\nprint(json.dumps(events))\n"
    done = run_python(prelude + sample + epilogue, tmp_path)
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout)
    assert _summary(events) == [
        ("order %s failed", ["o-1"], "shop", "error", ["checkout started for o-1"], [])
    ]
    written = read_lines(tmp_path / "logs" / "alonechat.log")
    assert [line.rsplit(" | ", 1)[-1] for line in written] == [
        "checkout started for o-1",
        "order o-1 failed",
    ]

"""InterceptHandler: stdlib and uvicorn records reach the sinks once, with their own caller."""

from __future__ import annotations

import json
import logging
import logging.config
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alonechat.core.logging import (
    InterceptHandler,
    LogConfig,
    configure_logging,
    reset_logging,
    uvicorn_log_config,
)
from tests.conftest import detach_pytest_handlers
from tests.helpers import doc_blocks, free_port, read_json, read_lines, start_python

Configure = Callable[..., LogConfig]


def test_stdlib_records_reach_the_sinks_once(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    configure(json_output=True)  # reconfiguring does not add a second handler
    assert sum(isinstance(h, InterceptHandler) for h in logging.getLogger().handlers) == 1
    stdlib = logging.getLogger("urllib3.connectionpool")
    line = sys._getframe().f_lineno + 1
    stdlib.warning("Retrying %s (%d)", "GET /", 2)
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["logger"] == "urllib3.connectionpool"
    assert record["level"] == "WARNING"
    assert record["message"] == "Retrying GET / (2)"
    assert record["function"] == "test_stdlib_records_reach_the_sinks_once"
    assert record["line"] == line
    assert record["module"] == "test_intercept"
    assert record["file"] == __file__


def test_stdlib_levels_follow_the_config(configure: Configure, log_dir: Path) -> None:
    configure(level="WARNING", json_output=True)
    logging.getLogger("lib").info("dropped")
    logging.getLogger("lib").error("kept")
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["kept"]


def test_stdlib_stacklevel_and_thread_are_kept(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)

    def helper() -> None:
        logging.getLogger("lib").warning("from helper", stacklevel=2)

    line = sys._getframe().f_lineno + 1
    thread = threading.Thread(target=lambda: (helper(), None), name="worker-7")
    thread.start()
    thread.join()
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["thread"] == "worker-7"
    assert record["line"] == line


def test_custom_stdlib_levels(configure: Configure, log_dir: Path) -> None:
    """A named custom level keeps its name; an unnamed one shows as 'Level N'."""
    configure(level=1, json_output=True)
    logging.addLevelName(25, "NOTICE")
    logging.addLevelName(5, "TRACE")
    try:
        logging.getLogger("lib").log(25, "notice")
        logging.getLogger("lib").log(35, "unnamed")
        logging.getLogger("lib").log(5, "trace")
    finally:
        del logging._levelToName[25], logging._nameToLevel["NOTICE"]
        del logging._levelToName[5], logging._nameToLevel["TRACE"]
    assert [(r["level"], r["message"]) for r in read_json(log_dir / "alonechat.log")] == [
        ("NOTICE", "notice"),
        ("Level 35", "unnamed"),
        ("TRACE", "trace"),
    ]


def test_stdlib_exceptions_and_extra(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    try:
        raise OSError("disk")
    except OSError:
        logging.getLogger("lib").exception(
            "write failed", extra={"path": "/tmp/x", "color_message": "\x1b[31mwrite\x1b[0m"}
        )
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["exc_type"] == "OSError"
    assert "raise OSError" in record["exc_traceback"]
    assert record["path"] == "/tmp/x"
    assert "color_message" not in record
    assert "\x1b" not in (log_dir / "alonechat.log").read_text()
    assert read_json(log_dir / "alonechat_errors.log")[0]["message"] == "write failed"


def test_stdlib_bad_format_gets_a_marker(
    configure: Configure, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where stdlib prints '--- Logging error ---', the record is written with a marker."""
    configure(json_output=True)
    isolated = logging.getLogger("isolated.bad.format")  # away from pytest's root handlers
    isolated.propagate = False
    isolated.addHandler(InterceptHandler())
    try:
        isolated.info("%s %s", "only one")
    finally:
        isolated.handlers.clear()
        isolated.propagate = True
    (record,) = read_json(log_dir / "alonechat.log")
    assert record["message"].startswith("%s %s [alonechat: message does not fit its args")
    assert "Logging error" not in capsys.readouterr().err


def test_stdlib_stack_info(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    logging.getLogger("lib").info("look", stack_info=True)
    assert read_json(log_dir / "alonechat.log")[0]["message"].startswith(
        "look\nStack (most recent call last):"
    )


def test_reset_removes_the_routing(configure: Configure, log_dir: Path) -> None:
    configure(level="DEBUG", component_levels={"noisy": "ERROR"})
    assert logging.getLogger("noisy").level == logging.ERROR
    reset_logging()
    assert not any(isinstance(h, InterceptHandler) for h in logging.getLogger().handlers)
    assert logging.getLogger("noisy").level == logging.NOTSET


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_uvicorn_records_go_through_once(configure: Configure, log_dir: Path) -> None:
    """A real uvicorn server: startup and access lines each once, access args as fields."""
    uvicorn = pytest.importorskip("uvicorn")
    configure(json_output=True)
    port = free_port()
    config = uvicorn.Config(
        _app, host="127.0.0.1", port=port, lifespan="off", log_config=uvicorn_log_config()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello?token=x") as response:
            assert response.read() == b"ok"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
    got = read_json(log_dir / "alonechat.log")
    running = [r for r in got if r["message"].startswith("Uvicorn running on")]
    assert len(running) == 1
    assert running[0]["logger"] == "uvicorn.error"
    access = [r for r in got if r["logger"] == "uvicorn.access"]
    assert len(access) == 1
    assert access[0]["method"] == "GET"
    assert access[0]["status_code"] == 200
    assert access[0]["path"] == "/hello"  # no query string
    assert access[0]["message"].endswith('"GET /hello HTTP/1.1" 200')
    assert "token=x" not in (log_dir / "alonechat.log").read_text()
    assert access[0]["client_addr"].startswith("127.0.0.1:")
    assert all("color_message" not in r for r in got)
    assert len({(r["time"], r["message"]) for r in got}) == len(got), "a line came twice"


def test_basic_config_handlers_are_taken_over_and_given_back(
    configure: Configure, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Migration Guide's old basicConfig handler does not print stdlib records twice."""
    root = logging.getLogger()
    old_handler = logging.StreamHandler(sys.stderr)
    root.addHandler(old_handler)
    try:
        configure(json_output=True)
        logging.getLogger("lib").warning("once")
        assert "once" not in capsys.readouterr().err
        assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["once"]
        reset_logging()
        assert old_handler in root.handlers
    finally:
        root.removeHandler(old_handler)


def test_levels_are_stdlib_levels_and_the_last_configuration_wins(
    configure: Configure, log_dir: Path
) -> None:
    """level is the root logger's level, component_levels those of the loggers named; a
    reconfiguration sets them again, and a logger it no longer names gets its old level back
    unless something else changed it since."""
    logging.getLogger("lv.kept").setLevel(logging.CRITICAL)
    configure(level="WARNING", component_levels={"lv.a": "DEBUG", "lv.b": "ERROR"})
    assert logging.getLogger().level == logging.WARNING
    assert logging.getLogger("lv.a").level == logging.DEBUG
    logging.getLogger("lv.b").setLevel(logging.INFO)  # a user's setLevel since
    configure(level="INFO", component_levels={"lv.kept": "DEBUG"})
    assert logging.getLogger().level == logging.INFO
    assert logging.getLogger("lv.a").level == logging.NOTSET  # its own level from before
    assert logging.getLogger("lv.b").level == logging.INFO  # the user's, kept
    assert logging.getLogger("lv.kept").level == logging.DEBUG
    reset_logging()
    assert logging.getLogger("lv.kept").level == logging.CRITICAL


def test_the_presets_quiet_chatty_libraries_only(log_dir: Path) -> None:
    """With the DEBUG presets, asyncio's DEBUG records stay out while its warnings and
    every other logger's DEBUG records are written; component_levels brings one back."""
    from alonechat.core.logging import auto_configure

    auto_configure("testing", file_output=True, console_output=False, log_dir=log_dir)
    detach_pytest_handlers()
    logging.getLogger("asyncio").debug("Using selector: EpollSelector")
    logging.getLogger("asyncio").warning("slow callback")
    logging.getLogger("anything.mine").debug("mine")
    logging.getLogger("websockets.client").debug("> TEXT '...' [12 bytes]")
    auto_configure(
        "testing",
        file_output=True,
        console_output=False,
        log_dir=log_dir,
        component_levels={"asyncio": "DEBUG"},
    )
    logging.getLogger("asyncio").debug("wanted now")
    messages = [line.rsplit(" | ", 1)[-1] for line in read_lines(log_dir / "alonechat.log")]
    assert messages == ["slow callback", "mine", "wanted now"]


def test_basic_config_force_after_configuring_replaces_the_handler(
    configure: Configure, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """logging.basicConfig(force=True) removes every root handler, alonechat's too:
    records then go where basicConfig says until configure_logging runs again."""
    configure(json_output=True)
    logging.basicConfig(force=True, format="basic: %(message)s", stream=sys.stderr)
    root = logging.getLogger()
    try:
        assert not any(isinstance(h, InterceptHandler) for h in root.handlers)
        logging.getLogger("after").warning("to stderr only")
        assert "basic: to stderr only" in capsys.readouterr().err
        assert read_json(log_dir / "alonechat.log") == []
        configure(json_output=True)  # takes basicConfig's StreamHandler over again
        logging.getLogger("after").warning("back in the files")
        assert "back in the files" not in capsys.readouterr().err
    finally:
        reset_logging()
        for handler in root.handlers[:]:
            if type(handler) is logging.StreamHandler:
                root.removeHandler(handler)
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["back in the files"]


def _dict_config(log_dir: Path, **handler: object) -> dict[str, Any]:
    """A dictConfig whose root logger's one handler is alonechat's, configured for
    production with JSON files in ``log_dir`` (``handler``: more keys for its entry)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {
            "alonechat": {
                "()": "alonechat.core.logging.configured_handler",
                "env": "production",
                "log_dir": str(log_dir),
                "json_output": True,
                **handler,
            }
        },
        "root": {"handlers": ["alonechat"], "level": "INFO"},
    }


def test_a_dict_config_names_alonechat_handler(log_dir: Path) -> None:
    """A Django-style LOGGING dict configures alonechat through configured_handler; the
    root logger ends with that one handler and the dict's levels apply."""
    logging_config = _dict_config(log_dir)
    logging_config["loggers"] = {"django.db.backends": {"level": "WARNING"}}
    logging.config.dictConfig(logging_config)
    detach_pytest_handlers()
    root = logging.getLogger()
    assert [type(h) for h in root.handlers] == [InterceptHandler]
    logging.getLogger("django.db.backends").info("(0.001) SELECT 1")
    logging.getLogger("django.request").warning("Not Found: /x")
    logging.getLogger("django.request").debug("below the dict's root level")
    assert [(r["logger"], r["message"]) for r in read_json(log_dir / "alonechat.log")] == [
        ("django.request", "Not Found: /x")
    ]


def test_a_handler_named_twice_writes_a_record_once(configure: Configure, log_dir: Path) -> None:
    """alonechat's handler on the root logger and on a child logger: one line per record."""
    configure(json_output=True)
    child = logging.getLogger("twice")
    child.addHandler(InterceptHandler())
    child.warning("once")
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["once"]


def test_uvicorn_log_config_file_routes_uvicorn_into_the_files(tmp_path: Path) -> None:
    """`uvicorn --log-config` with a JSON dict config naming configured_handler: a real
    server's startup and access lines land in alonechat.log."""
    pytest.importorskip("uvicorn")
    log_dir = tmp_path / "uv-logs"
    (tmp_path / "log-config.json").write_text(json.dumps(_dict_config(log_dir)))
    (tmp_path / "app_module.py").write_text(
        "async def app(scope, receive, send):\n"
        "    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
        "    await send({'type': 'http.response.body', 'body': b'ok'})\n"
    )
    port = free_port()
    server = start_python(
        *("-m", "uvicorn", "app_module:app", "--port", str(port)),
        *("--lifespan", "off", "--log-config", "log-config.json"),
        cwd=tmp_path,
        path=[tmp_path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/hi?token=x") as response:
                    assert response.read() == b"ok"
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("uvicorn did not answer")
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    got = read_json(log_dir / "alonechat.log")
    assert any(r["message"].startswith("Uvicorn running on") for r in got), err
    access = [r for r in got if r["logger"] == "uvicorn.access"]
    assert len(access) == 1
    assert access[0]["path"] == "/hi"
    assert "token=x" not in (log_dir / "alonechat.log").read_text()
    assert out == ""


def test_the_docs_dict_config_sample(log_dir: Path) -> None:
    """The Django LOGGING sample of docs/frameworks.md, applied with dictConfig, writes to
    alonechat.log."""
    (sample,) = doc_blocks(
        "docs/frameworks.md",
        "`dictConfig`: Django `LOGGING`, `uvicorn --log-config`, gunicorn",
        "python",
    )
    assert '"/var/log/app"' in sample
    namespace: dict[str, Any] = {}
    exec(sample.replace('"/var/log/app"', repr(str(log_dir))), namespace)
    logging.config.dictConfig(namespace["LOGGING"])
    detach_pytest_handlers()
    logging.getLogger("django.db.backends").info("(0.001) SELECT 1")
    logging.getLogger("django.request").warning("Not Found: /favicon.ico")
    lines = read_lines(log_dir / "alonechat.log")
    assert len(lines) == 1
    assert lines[0].endswith("| Not Found: /favicon.ico")


def test_what_a_dict_config_set_on_the_handler_ends_with_reset(log_dir: Path) -> None:
    """A level or filter that a dictConfig put on alonechat's handler does not outlive
    reset_logging: the next configuration starts with a fresh handler."""
    logging.config.dictConfig(_dict_config(log_dir, level="ERROR"))
    detach_pytest_handlers()
    logging.getLogger("app").warning("below the handler's level")
    reset_logging()
    configure_logging(LogConfig(log_dir=log_dir, console_output=False, json_output=True))
    detach_pytest_handlers()
    logging.getLogger("app").warning("written")
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["written"]


def test_handlers_added_after_alonechats_stay_through_reconfiguration(
    configure: Configure, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A StreamHandler a user adds once alonechat's handler is on the root logger is theirs:
    configuring again keeps it (only what was there before is taken for basicConfig's)."""
    configure(json_output=True)
    mine = logging.StreamHandler(sys.stderr)
    mine.setFormatter(logging.Formatter("mine: %(message)s"))
    root = logging.getLogger()
    root.addHandler(mine)
    try:
        configure(json_output=True, level="DEBUG")
        assert mine in root.handlers
        logging.getLogger("app").warning("to both")
    finally:
        root.removeHandler(mine)
    assert "mine: to both" in capsys.readouterr().err
    assert [r["message"] for r in read_json(log_dir / "alonechat.log")] == ["to both"]

"""The frameworks people run, started for real: each record (app, framework, access line,
traceback) lands in alonechat.log once, errors in the error log once, with the right caller.

uvicorn and gunicorn (2 UvicornWorkers) run as real servers on 127.0.0.1; Flask's development
server (werkzeug) in a real process; Django through its test client and a real ``runserver``;
``logging.config.fileConfig`` with an ``.ini`` file. Every start-up is bounded by a timeout
and every process is ended (killed if it does not stop).
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import doc_blocks, free_port, read_json, run_python, start_python

_STARLETTE_APP = """
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from AloneChat.core.logging import auto_configure, get_logger

auto_configure("production", log_dir="logs", json_output=True)
log = get_logger("shop")


async def hello(request):
    log.info("hello handled")
    return PlainTextResponse("hi")


async def boom(request):
    raise RuntimeError("boom in the app")


app = Starlette(routes=[Route("/", hello), Route("/boom", boom)])
"""


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode} before listening")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"nothing listened on port {port} within {timeout}s")


@contextmanager
def _running(cwd: Path, *args: str, port: int | None = None) -> Iterator[tuple[Path, Path]]:
    """``python *args`` until the block ends (SIGTERM, then SIGKILL after 20 s), listening
    on ``port`` first when one is given; yields the files of its stdout and stderr
    (complete once the block ends)."""
    run = len(list(cwd.glob("stdout-*.txt")))
    out, err = cwd / f"stdout-{run}.txt", cwd / f"stderr-{run}.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = start_python(*args, cwd=cwd, path=[cwd], stdout=stdout, stderr=stderr)
        try:
            if port is not None:
                _wait_for_port(port, process)
            yield out, err
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _wait_for(path: Path, *texts: str, count: int = 1, timeout: float = 30) -> None:
    """Wait until each of ``texts`` is in the file ``count`` times (a server logs a request
    after answering it; workers start one after the other)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text() if path.exists() else ""
        if all(content.count(text) >= count for text in texts):
            return
        time.sleep(0.05)
    pytest.fail(f"{path} did not get {texts} ({count} each) within {timeout}s")


def _messages(records: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return [r for r in records if text in r["message"]]


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["one", "workers"])
def test_plain_uvicorn_with_an_app_that_configures_itself(
    tmp_path: Path, workers: list[str]
) -> None:
    """``uvicorn app:app`` with no --log-config (one process, or ``--workers 2``): uvicorn's
    start-up, access and error lines (its console handlers taken over) reach the files,
    each once, and not its console."""
    (tmp_path / "app.py").write_text(_STARLETTE_APP)
    port = free_port()
    args = ("-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port), *workers)
    with _running(tmp_path, *args, port=port) as (out, err):
        if workers:
            _wait_for(tmp_path / "logs" / "alonechat.log", "startup complete", count=2)
        assert _get(f"http://127.0.0.1:{port}/") == 200
        assert _get(f"http://127.0.0.1:{port}/boom") == 500
        _wait_for(tmp_path / "logs" / "alonechat.log", "GET /boom HTTP/1.1")
    records = read_json(tmp_path / "logs" / "alonechat.log")
    errors = read_json(tmp_path / "logs" / "alonechat_errors.log")
    assert len(_messages(records, "hello handled")) == 1
    (hello,) = _messages(records, "hello handled")
    assert (hello["logger"], hello["function"]) == ("shop", "hello")
    processes = 2 if workers else 1
    assert len(_messages(records, "Application startup complete")) == processes
    assert len(_messages(records, "Started server process")) == processes
    assert len(_messages(records, '"GET / HTTP/1.1" 200')) == 1
    assert len(_messages(records, '"GET /boom HTTP/1.1" 500')) == 1
    (failure,) = _messages(errors, "Exception in ASGI application")
    assert "RuntimeError: boom in the app" in failure["exc_traceback"]
    assert len(_messages(records, "Exception in ASGI application")) == 1
    console = out.read_text() + err.read_text()
    assert "Application startup complete" not in console
    assert "GET / HTTP/1.1" not in console


def test_gunicorn_with_two_uvicorn_workers(tmp_path: Path) -> None:
    """gunicorn (master + 2 UvicornWorkers) with the docs' ``gunicorn_log_config`` recipe as
    ``logconfig_dict``: the master's and the workers' lines, the access lines and the
    traceback reach the dict's log_dir once each, although the app module calls
    ``auto_configure()`` with a log_dir of its own."""
    app = _STARLETTE_APP.replace(
        'auto_configure("production", log_dir="logs", json_output=True)', "auto_configure()"
    )
    assert app != _STARLETTE_APP
    (tmp_path / "app.py").write_text(app)
    (recipe,) = doc_blocks("docs/frameworks.md", "gunicorn with uvicorn workers", "python")
    conf = recipe.replace('"/var/log/app")', '"gunicorn-logs", json_output=True)')
    assert conf != recipe
    (tmp_path / "gunicorn.conf.py").write_text(conf)
    port = free_port()
    args = (
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "--workers",
        "2",
        "--worker-class",
        "uvicorn_worker.UvicornWorker",
        "--bind",
        f"127.0.0.1:{port}",
        "app:app",
    )
    with _running(tmp_path, *args, port=port):
        _wait_for(tmp_path / "gunicorn-logs" / "alonechat.log", "Booting worker", count=2)
        assert _get(f"http://127.0.0.1:{port}/") == 200
        assert _get(f"http://127.0.0.1:{port}/boom") == 500
        _wait_for(tmp_path / "gunicorn-logs" / "alonechat.log", "GET /boom HTTP/1.1")
    logs = tmp_path / "gunicorn-logs"
    records = read_json(logs / "alonechat.log")
    errors = read_json(logs / "alonechat_errors.log")
    assert not (tmp_path / "logs").exists()  # the app's auto_configure() kept the dict's
    assert len(_messages(records, "hello handled")) == 1
    assert len(_messages(records, "Booting worker with pid")) == 2
    assert {r["logger"] for r in _messages(records, "Booting worker")} == {"gunicorn.error"}
    assert len(_messages(records, "Listening at")) == 1
    assert len(_messages(records, '"GET / HTTP/1.1" 200')) == 1
    assert len(_messages(records, "Exception in ASGI application")) == 1
    (failure,) = _messages(errors, "Exception in ASGI application")
    assert "RuntimeError: boom in the app" in failure["exc_traceback"]


_FLASK_APP = """
import sys
from flask import Flask
from AloneChat.core.logging import auto_configure, get_logger

auto_configure("production", log_dir="logs", json_output=True)
log = get_logger("shop")
app = Flask(__name__)


@app.route("/")
def hello():
    log.info("hello handled")
    return "hi"


@app.route("/boom")
def boom():
    raise RuntimeError("boom in flask")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]))
"""


def test_flask_development_server_lines_carry_no_terminal_styles(tmp_path: Path) -> None:
    """Flask's development server (werkzeug styles its request lines with ANSI colors):
    the files hold the plain text, the request and the traceback once each."""
    (tmp_path / "flask_app.py").write_text(_FLASK_APP)
    port = free_port()
    with _running(tmp_path, "flask_app.py", str(port), port=port):
        assert _get(f"http://127.0.0.1:{port}/") == 200
        assert _get(f"http://127.0.0.1:{port}/boom") == 500
        _wait_for(tmp_path / "logs" / "alonechat.log", "GET /boom HTTP/1.1")
    records = read_json(tmp_path / "logs" / "alonechat.log")
    assert not [r for r in records if "\x1b" in r["message"]]
    assert len(_messages(records, '"GET /boom HTTP/1.1" 500')) == 1
    assert len(_messages(records, '"GET / HTTP/1.1" 200')) == 1
    assert len(_messages(records, "hello handled")) == 1
    errors = read_json(tmp_path / "logs" / "alonechat_errors.log")
    (failure,) = [r for r in errors if "RuntimeError: boom in flask" in r.get("exc_traceback", "")]
    assert failure["logger"] == "flask_app"


_DJANGO_SETTINGS = """
SECRET_KEY = "not-a-secret-test-key"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
ROOT_URLCONF = "urls"
INSTALLED_APPS = []
MIDDLEWARE = []
"""

_DJANGO_URLS = """
from django.http import HttpResponse
from django.urls import path
from AloneChat.core.logging import get_logger

log = get_logger("shop")


def hello(request):
    log.info("hello handled")
    return HttpResponse("hi")


def boom(request):
    raise RuntimeError("boom in django")


urlpatterns = [path("", hello), path("boom", boom)]
"""


def _django_project(tmp_path: Path) -> None:
    """settings.py with the docs' LOGGING recipe (log_dir in tmp_path, JSON), and urls.py."""
    (recipe,) = doc_blocks("docs/frameworks.md", "Django", "python")
    recipe = recipe.replace('"/var/log/app"', '"logs"').replace(
        '"env": "production",', '"env": "production", "json_output": True,'
    )
    (tmp_path / "settings.py").write_text(_DJANGO_SETTINGS + recipe)
    (tmp_path / "urls.py").write_text(_DJANGO_URLS)


def test_django_runserver_request_lines_and_errors_once(tmp_path: Path) -> None:
    """``manage.py runserver`` with the docs' LOGGING: ``django.server`` request lines and
    the ``django.request`` error reach the files once, and not the console twice."""
    _django_project(tmp_path)
    port = free_port()
    code = (
        "import os, sys; os.environ['DJANGO_SETTINGS_MODULE'] = 'settings'\n"
        "from django.core.management import execute_from_command_line\n"
        f"execute_from_command_line(['manage.py', 'runserver', '127.0.0.1:{port}', "
        "'--noreload', '--skip-checks'])\n"
    )
    with _running(tmp_path, "-c", code, port=port) as (_, err):
        assert _get(f"http://127.0.0.1:{port}/") == 200
        assert _get(f"http://127.0.0.1:{port}/boom") == 500
        _wait_for(tmp_path / "logs" / "alonechat.log", "GET /boom HTTP/1.1")
    records = read_json(tmp_path / "logs" / "alonechat.log")
    assert len(_messages(records, '"GET / HTTP/1.1" 200')) == 1
    assert len(_messages(records, '"GET /boom HTTP/1.1" 500')) == 1
    assert len(_messages(records, "hello handled")) == 1
    errors = read_json(tmp_path / "logs" / "alonechat_errors.log")
    (failure,) = _messages(errors, "Internal Server Error: /boom")
    assert failure["logger"] == "django.request"
    assert "RuntimeError: boom in django" in failure["exc_traceback"]
    assert err.read_text().count("Internal Server Error: /boom") == 0  # no console of its own


def test_django_test_client(tmp_path: Path) -> None:
    """Django's test client with the docs' LOGGING: the app record and the error once."""
    _django_project(tmp_path)
    code = """
        import os
        os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
        import django
        django.setup()
        from django.test import Client
        client = Client(raise_request_exception=False)
        print(client.get("/").status_code, client.get("/boom").status_code)
    """
    done = run_python(textwrap.dedent(code), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["200", "500"]
    records = read_json(tmp_path / "logs" / "alonechat.log")
    assert len(_messages(records, "hello handled")) == 1
    assert len(_messages(records, "Internal Server Error: /boom")) == 1


_INI = """
[loggers]
keys=root

[handlers]
keys=alonechat

[formatters]
keys=

[logger_root]
level=INFO
handlers=alonechat

[handler_alonechat]
class=alonechat.core.logging.ConfiguredHandler
args=("production",)
kwargs={"log_dir": "logs", "json_output": True}
"""


def test_file_config_accepts_alonechats_handler_class(tmp_path: Path) -> None:
    """``logging.config.fileConfig`` (``--log-config x.ini``) with ConfiguredHandler."""
    (tmp_path / "logging.ini").write_text(_INI)
    code = """
        import logging, logging.config
        logging.config.fileConfig("logging.ini", disable_existing_loggers=False)
        from alonechat.core.logging import LoggingManager
        assert logging.getLogger().handlers == [LoggingManager().handler]
        logging.getLogger("lib").warning("through an ini file")
    """
    done = run_python(textwrap.dedent(code), tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    (record,) = read_json(tmp_path / "logs" / "alonechat.log")
    assert (record["logger"], record["message"]) == ("lib", "through an ini file")


def test_a_users_own_file_handler_is_kept(tmp_path: Path) -> None:
    """A FileHandler the user's own dictConfig put on the root before auto_configure()
    keeps getting records; a console handler taken off is named in one warning."""
    code = """
        import logging, logging.config
        logging.config.dictConfig({
            "version": 1,
            "handlers": {
                "file": {"class": "logging.FileHandler", "filename": "mine.log"},
                "console": {"class": "logging.StreamHandler"},
            },
            "root": {"handlers": ["file", "console"], "level": "INFO"},
        })
        from alonechat.core.logging import auto_configure
        auto_configure("production", log_dir="logs", json_output=True)
        logging.getLogger("app").warning("to both files")
    """
    done = run_python(textwrap.dedent(code), tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mine.log").read_text() == "to both files\n"
    (record,) = read_json(tmp_path / "logs" / "alonechat.log")
    assert record["message"] == "to both files"
    assert done.stderr.count("<StreamHandler <stderr> (NOTSET)>") == 1
    assert "to both files" not in done.stderr


def test_werkzeug_styles_never_reach_the_files(tmp_path: Path) -> None:
    """A library's ANSI-styled message is written plain, in text and JSON."""
    code = """
        import logging
        from alonechat.core.logging import LogConfig, configure_logging
        configure_logging(LogConfig(log_dir="logs", console_output=False, json_output=True))
        logging.getLogger("werkzeug").info('\\x1b[35m\\x1b[1m"GET /boom HTTP/1.1" 500 -\\x1b[0m')
    """
    done = run_python(textwrap.dedent(code), tmp_path)
    assert done.returncode == 0, done.stderr
    (record,) = read_json(tmp_path / "logs" / "alonechat.log")
    assert record["message"] == '"GET /boom HTTP/1.1" 500 -'
    assert json.dumps(record).count("\\u001b") == 0


_CELERY_TASKS = """
app.conf.broker_transport_options = {
    "data_folder_in": "broker", "data_folder_out": "broker", "processed_folder": "broker"
}
app.conf.beat_schedule = {"tick": {"task": "tasks.tick", "schedule": 0.5}}
log = get_logger(__name__)


@app.task
def add(x, y):
    log.info("adding %s and %s", x, y)
    return x + y


@app.task
def boom():
    raise RuntimeError("boom in a task")


@app.task
def tick():
    pass
"""


def _celery_app() -> str:
    """The docs' Celery recipe with a broker on the file system and JSON files here, and
    three tasks."""
    (recipe,) = doc_blocks("docs/frameworks.md", "Celery worker and beat", "python")
    app = recipe.replace('"redis://localhost:6379/0"', '"filesystem://"').replace(
        '"/var/log/app")', '"logs", json_output=True)'
    )
    assert app.count("filesystem://") == 1
    assert "json_output" in app
    return app + "from AloneChat.core.logging import get_logger\n" + _CELERY_TASKS


def test_celery_worker_prefork_and_beat(tmp_path: Path) -> None:
    """A real Celery worker (prefork, 2 children, ``-l info``, a broker on the file system)
    and beat, with the docs' ``configure_celery_logging`` recipe: the worker's start-up, the
    task's own record, "succeeded" and the failing task's traceback land in the files once;
    DEBUG stays out (``-l info``); beat's "Sending due task" lines arrive too."""
    (tmp_path / "tasks.py").write_text(_celery_app())
    (tmp_path / "broker").mkdir()
    log = tmp_path / "logs" / "alonechat.log"
    worker = ("-m", "celery", "-A", "tasks", "worker", "-l", "info", "-c", "2", "-P", "prefork")
    with _running(tmp_path, *worker):
        _wait_for(log, "ready.", timeout=60)
        send = "from tasks import add, boom\nadd.delay(1, 2)\nboom.delay()\n"
        sent = run_python(send, tmp_path)
        assert sent.returncode == 0, sent.stderr
        _wait_for(log, "succeeded", "raised unexpected", timeout=60)
    with _running(tmp_path, "-m", "celery", "-A", "tasks", "beat", "-l", "info"):
        _wait_for(log, "Sending due task tick", timeout=60)
    records = read_json(log)
    assert len(_messages(records, "adding 1 and 2")) == 1
    (adding,) = _messages(records, "adding 1 and 2")
    assert (adding["logger"], adding["function"]) == ("tasks", "add")
    assert len(_messages(records, "succeeded in")) == 1
    assert len(_messages(records, "raised unexpected")) == 1
    assert _messages(records, "Sending due task tick")
    assert not [r for r in records if r["level"] == "DEBUG"]
    errors = read_json(tmp_path / "logs" / "alonechat_errors.log")
    (failure,) = _messages(errors, "raised unexpected")
    assert "RuntimeError: boom in a task" in failure["exc_traceback"]


def test_gunicorn_log_config_passes_every_setting_to_alonechat(tmp_path: Path) -> None:
    """``level`` included (dictConfig keeps a handler entry's own ``level`` for itself)."""
    code = """
        import logging, logging.config
        from alonechat.core.logging import LoggingManager, gunicorn_log_config
        logging.config.dictConfig(gunicorn_log_config("production", level="DEBUG", log_dir="x"))
        config = LoggingManager().config
        print(config.level, config.log_dir, logging.getLogger().level)
    """
    done = run_python(textwrap.dedent(code), tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.split() == ["DEBUG", "x", "10"]


def test_a_bad_setting_in_a_logging_config_is_named_on_stderr(tmp_path: Path) -> None:
    """dictConfig (and gunicorn after it) says only "Unable to configure handler"; the
    field and its allowed values reach stderr, and nothing is configured."""
    code = """
        import logging.config
        from alonechat.core.logging import LoggingManager, gunicorn_log_config
        try:
            logging.config.dictConfig(gunicorn_log_config("production", max_bytes=-1))
        except ValueError as exc:
            print(exc)
        print(LoggingManager().config)
    """
    done = run_python(textwrap.dedent(code), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Unable to configure handler 'alonechat'", "None"]
    assert "LogConfig.max_bytes" in done.stderr
    assert done.stderr.count("\n") == 1  # one line

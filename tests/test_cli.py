"""The command line: python -m alonechat demo --env ..."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from alonechat.cli import main
from tests.helpers import doc_blocks, python_env, run_module


def test_demo_writes_the_environment_files(tmp_path: Path) -> None:
    result = run_module("alonechat", "demo", "--env", "prod", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # production: no console
    log = (tmp_path / "logs" / "prod" / "alonechat.log").read_text()
    assert "User john_doe logged in from 127.0.0.1" in log
    assert "third_party.client" in log  # a stdlib logger, routed
    assert "Debug information" not in log  # production is INFO
    errors = (tmp_path / "logs" / "prod" / "alonechat_errors.log").read_text()
    assert "ZeroDivisionError: division by zero" in errors
    assert f"wrote {Path('logs/prod/alonechat.log')}" in result.stdout


def test_demo_reads_the_environment_variable(tmp_path: Path) -> None:
    result = run_module("AloneChat", "demo", cwd=tmp_path, env={"ALONECHAT_ENV": "testing"})
    assert result.returncode == 0
    assert "DEBUG    | alonechat.demo | Debug information" in result.stderr
    assert not (tmp_path / "logs").exists()  # testing: no files


def test_unknown_environment_exits_2_with_the_allowed_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--env", "staging"])
    assert exited.value.code == 2
    assert "unknown environment 'staging'; allowed: development (dev)" in capsys.readouterr().err


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "demo" in capsys.readouterr().out


def test_demo_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--env", "development"]) == 0
    out, err = capsys.readouterr()
    assert "wrote logs/dev/alonechat.log" in out.replace("\\", "/")
    assert "alonechat.demo | cli.py:" in err  # the development console, detailed format
    log = (tmp_path / "logs" / "dev" / "alonechat.log").read_text()
    assert "Debug information" in log
    assert "a stdlib logger, routed into the same sinks" in log


def test_run_module(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import runpy

    monkeypatch.setattr(sys, "argv", ["alonechat", "demo", "--env", "test"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("alonechat", run_name="__main__")
    assert exited.value.code == 0
    assert "Critical failure (a demonstration)" in capsys.readouterr().err


def test_server_sigterm_shuts_down_cleanly(tmp_path: Path) -> None:
    """SIGTERM: uvicorn's graceful shutdown, every record flushed, exit code 0."""
    from tests.server_helpers import get, run_server

    with run_server(tmp_path) as server:
        get(server.url + "/health")
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=20) == 0
    messages = [r["message"] for r in server.records()]
    assert messages[-1] == "AloneChat stopped"
    assert messages.count("Shutting down") == 1
    assert any(m.startswith("Finished server process") for m in messages)


def test_server_ctrl_c_shuts_down_cleanly(tmp_path: Path) -> None:
    from tests.server_helpers import run_server

    with run_server(tmp_path) as server:
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(timeout=20) == 0
    assert server.records()[-1]["message"] == "AloneChat stopped"
    assert "Traceback" not in server.stderr()


def test_server_environment_from_variable(tmp_path: Path) -> None:
    """ALONECHAT_ENV=production: files in logs/prod; on the console only the one line that
    says where the server is and where its logs go."""
    from tests.server_helpers import get, run_server

    with run_server(
        tmp_path, env=None, log="logs/prod/alonechat.log", extra_env={"ALONECHAT_ENV": "prod"}
    ) as server:
        get(server.url + "/health")
        server.wait_for(lambda rs: any(r.get("path") == "/health" for r in rs))
    assert server.stderr() == (
        f"alonechat: AloneChat on http://127.0.0.1:{server.port} "
        "(level INFO, log files in ./logs/prod)\n"
    )
    assert not (tmp_path / "logs" / "dev").exists()


def test_a_port_in_use_is_one_line_on_stderr_in_production(tmp_path: Path) -> None:
    """The server cannot bind: a non-zero exit and the reason on stderr, console or not."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = run_module(
            "AloneChat", "server", "--env=production", f"--port={port}", cwd=tmp_path, timeout=60
        )
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"alonechat: AloneChat on http://127.0.0.1:{port} ")
    assert lines[1].startswith("alonechat: AloneChat could not start: ")
    assert "address already in use" in lines[1]
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "staging"], "unknown environment 'staging'"),
        (["--hooks", "nonsense"], "--hooks: expected MODULE:FUNCTION, got 'nonsense'"),
        (["--hooks", "no_such_module:setup"], "--hooks: cannot load 'no_such_module:setup'"),
        (["--syslog", "nowhere"], "argument --syslog: unknown scheme in 'nowhere'"),
        (["--max-connections", "0"], "argument --max-connections: must be a number > 0, got '0'"),
        (["--max-messages-per-second", "x"], "--max-messages-per-second: must be a number > 0"),
        (["--limit-concurrency", "-5"], "argument --limit-concurrency: must be a number > 0"),
    ],
)
def test_server_bad_arguments_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["server", *args])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_server_help_documents_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["server", "--help"])
    out = capsys.readouterr().out
    options = ("--env", "--host", "--port", "--hooks", "--json-logs", "--syslog", "SIGTERM",
               "--max-messages-per-second", "--message-burst", "--max-connections",
               "--limit-concurrency", "--timeout-keep-alive", "--ws-ping-interval",
               "--allow-origin")  # fmt: skip
    for option in options:
        assert option in out


def test_sigterm_with_clients_connected_is_an_ordinary_shutdown(tmp_path: Path) -> None:
    """Five chatting clients, then SIGTERM: exit 0 and nothing in the error log."""
    from contextlib import ExitStack

    from websockets.sync.client import connect

    from tests.server_helpers import run_server

    with (
        run_server(
            tmp_path, env="production", log="logs/prod/alonechat.log", hooks=False
        ) as server,
        ExitStack() as clients,
    ):
        users = [clients.enter_context(connect(server.ws(f"user{n}"))) for n in range(5)]
        users[0].send('{"text": "hello all"}')
        server.wait_for(lambda rs: any(r.get("size") for r in rs))
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
    disconnects = [r for r in server.records() if r.get("event_type") == "disconnect"]
    assert len(disconnects) == 5
    assert {r["code"] for r in disconnects} <= {1000, 1001, 1012}
    assert (tmp_path / "logs" / "prod" / "alonechat_errors.log").read_text() == ""


def test_bad_port_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["server", "--port", "70000"])
    assert exited.value.code == 2
    assert "must be a port number 0..65535, got '70000'" in capsys.readouterr().err


def test_demo_sends_its_records_to_syslog(tmp_path: Path) -> None:
    from tests.rsyslog import running_rsyslog

    with running_rsyslog(tmp_path / "rsyslog") as rsyslog:
        address = f"tcp://127.0.0.1:{rsyslog.tcp}"
        assert main(["demo", "--env", "testing", "--syslog", address]) == 0
        messages = [json.loads(line[6])["message"] for line in rsyslog.wait_for(7)]
    assert "User john_doe logged in from 127.0.0.1" in messages
    assert "Critical failure (a demonstration)" in messages


def test_demo_with_json_on_stdout_writes_only_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "logs" / "dev"
    old.mkdir(parents=True)
    (old / "alonechat.log").write_text("an old file\n")
    monkeypatch.setenv("ALONECHAT_LOG_FORMAT", "json")
    assert main(["demo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 7
    assert all(json.loads(line)["message"] for line in lines)


def test_logs_prints_json_lines_and_warns_once_about_malformed_lines(tmp_path: Path) -> None:
    """``logs --json``: the demo's ECS records as flat JSON lines, oldest backup first; a
    garbage line and a line cut short are shown as they are, with one warning."""
    env = {"ALONECHAT_LOG_FORMAT": "ecs"}  # stdout only: run it twice into two "files"
    first = run_module("alonechat", "demo", "--env", "prod", cwd=tmp_path, env=env)
    second = run_module("alonechat", "demo", "--env", "prod", cwd=tmp_path, env=env)
    logs = tmp_path / "logs" / "prod"
    logs.mkdir(parents=True)
    (logs / "alonechat.log.1").write_text(first.stdout)
    cut = second.stdout.splitlines()[0][:50]
    (logs / "alonechat.log").write_text(second.stdout + "garbage\n" + cut)
    result = run_module("AloneChat", "logs", "--json", cwd=tmp_path, env={"ALONECHAT_ENV": "prod"})
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    messages = [o["message"] for o in objects]
    assert messages[:6] == messages[6:12]  # the backup, then the file
    assert messages[0] == "User john_doe logged in from 127.0.0.1"
    assert messages[12:] == ["garbage", cut]
    assert objects[1]["request_id"] == "req-1"
    assert objects[4]["exc_type"] == "ZeroDivisionError"
    assert {o["level"] for o in objects[:12]} == {"INFO", "WARNING", "ERROR", "CRITICAL"}
    assert result.stderr.splitlines() == [
        "alonechat logs: warning: 2 malformed lines (a record cut short, or not a record), "
        "shown as they are"
    ]


def test_logs_filters_and_stats(tmp_path: Path) -> None:
    assert run_module("alonechat", "demo", "--env", "dev", cwd=tmp_path).returncode == 0
    logs = str(tmp_path / "logs" / "dev")
    result = run_module("alonechat", "logs", logs, "--level", "error", "--no-color")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert " | ERROR    | alonechat.demo | cli.py:" in lines[0]
    assert lines[1] == "Traceback (most recent call last):"
    assert "ZeroDivisionError: division by zero" in lines
    assert " | CRITICAL | " in lines[-1]
    grep = run_module("alonechat", "logs", logs, "--grep", "stdlib", "--logger", "third_party")
    assert [line.split(" | ")[2] for line in grep.stdout.splitlines()] == ["third_party.client"]
    prefix = run_module("alonechat", "logs", logs, "--logger", "third")  # dotted: no match
    assert (prefix.returncode, prefix.stdout) == (0, "")
    stats = run_module("alonechat", "logs", logs, "--stats")
    assert stats.stdout.startswith("records: 7, ")
    rows = [line.split() for line in stats.stdout.splitlines()[1:]]
    assert rows == [
        ["level", "records"],
        ["DEBUG", "1"],
        ["INFO", "2"],
        ["WARNING", "2"],
        ["ERROR", "1"],
        ["CRITICAL", "1"],
        ["logger", "records"],
        ["alonechat.demo", "6"],
        ["third_party.client", "1"],
    ]


def test_logs_without_log_files_exits_1(tmp_path: Path) -> None:
    result = run_module("alonechat", "logs", cwd=tmp_path, env={"ALONECHAT_ENV": "testing"})
    assert result.returncode == 1
    assert result.stderr.startswith("alonechat logs: no log files in ./logs/test (alonechat.log")


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (["--level", "loud"], "argument --level: unknown level 'loud'"),
        (["--since", "soon"], "argument --since: expected an ISO time"),
        (["--grep", "("], "argument --grep: invalid regular expression '('"),
        (["--json", "--stats"], "argument --stats: not allowed with argument --json"),
    ],
)
def test_logs_bad_arguments_exit_2(
    capsys: pytest.CaptureFixture[str], argument: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["logs", *argument])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_logs_shows_text_no_encoding_can_write_and_goes_on(tmp_path: Path) -> None:
    """A JSON record holding a lone surrogate is shown escaped, and the records after it
    too (it used to end the viewer with UnicodeEncodeError)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    lines = [
        {"time": "2026-12-04T10:00:00+00:00", "level": "WARNING", "logger": "app",
         "message": "bad \ud800 char", "module": "m", "function": "f", "line": 1},
        {"time": "2026-12-04T10:00:01+00:00", "level": "INFO", "logger": "app",
         "message": "after it", "module": "m", "function": "f", "line": 2},
    ]  # fmt: skip
    (logs / "alonechat.log").write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = run_module("alonechat", "logs", str(logs), env={"NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    shown = done.stdout.splitlines()
    assert len(shown) == 2
    assert shown[0].endswith("bad \\ud800 char")
    assert shown[1].endswith("after it")


def _json_line(message: str, second: int = 0, **extra: object) -> str:
    """One record in alonechat's flat JSON layout."""
    record = {"time": f"2026-12-04T10:00:{second:02d}+00:00", "level": "INFO", "logger": "app",
              "message": message, "module": "m", "function": "f", "line": 1, **extra}  # fmt: skip
    return json.dumps(record) + "\n"


def test_logs_grep_with_a_catastrophic_pattern_ends_and_shows_the_matches(
    tmp_path: Path,
) -> None:
    """``--grep '(a+)+$'`` on long runs of ``a`` (Python's re backtracks for ever on the one
    ending in ``b``): RE2 answers, and the two records that match are shown."""
    logs = tmp_path / "logs"
    logs.mkdir()
    messages = ["a" * 5000, "a" * 5000 + "b", "record " + "a" * 100, "no match"]
    text = "".join(_json_line(message, n) for n, message in enumerate(messages))
    (logs / "alonechat.log").write_text(text)
    done = run_module("alonechat", "logs", str(logs), "--grep", "(a+)+$", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    shown = [json.loads(line)["message"] for line in done.stdout.splitlines()]
    assert shown == [messages[0], messages[2]]


def test_logs_grep_without_re2_takes_plain_text_and_says_what_a_regex_needs(
    tmp_path: Path,
) -> None:
    """Without google-re2, --grep with plain text works, and a regular expression is refused
    (exit 2) with the install command, not run on Python's re."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "alonechat.log").write_text(_json_line("disk full") + _json_line("all fine", 1))
    run = (
        "import sys; sys.modules['re2'] = None  # as if google-re2 were not installed\n"
        "from alonechat.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    plain = subprocess.run(
        [sys.executable, "-c", run, "logs", str(logs), "--grep", "disk full", "--json"],
        capture_output=True, text=True, timeout=120, env=python_env(), check=False,
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    assert [json.loads(line)["message"] for line in plain.stdout.splitlines()] == ["disk full"]
    regex = subprocess.run(
        [sys.executable, "-c", run, "logs", str(logs), "--grep", "disk|fine"],
        capture_output=True, text=True, timeout=120, env=python_env(), check=False,
    )  # fmt: skip
    assert (regex.returncode, regex.stdout) == (2, "")
    assert "argument --grep: 'disk|fine' is a regular expression" in regex.stderr
    assert "pip install 'alonechat[viewer]'" in regex.stderr


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's VmHWM")
def test_logs_shows_a_100_mb_line_cut_with_bounded_memory_and_the_records_after(
    tmp_path: Path,
) -> None:
    """A 100 MB line of NULs is shown as its first MiB (escaped) and a marker counting the
    bytes cut; the viewer's peak memory stays far below the line; the record after it is
    shown."""
    logs = tmp_path / "logs"
    logs.mkdir()
    size = 100 * 1000 * 1000
    with open(logs / "alonechat.log", "wb") as file:
        file.write(_json_line("before").encode())
        for _ in range(100):
            file.write(b"\0" * (size // 100))
        file.write(b"\n" + _json_line("after", 1).encode())
    # the peak RSS of the viewer's own memory (ru_maxrss would count the parent's too: Linux
    # keeps it across exec, and pytest's process is bigger than the bound)
    run = (
        "import sys\nfrom alonechat.cli import main\ncode = main(sys.argv[1:])\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print('maxrss', peak.split()[1], file=sys.stderr)\nsys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", run, "logs", str(logs), "--no-color"],
        capture_output=True, text=True, timeout=300, env=python_env(), check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    before, cut, after = done.stdout.splitlines()
    assert before.endswith("| before")
    assert cut == "\\x00" * (1 << 20) + f" [... {size - (1 << 20):,} bytes cut]"
    assert after.endswith("| after")
    rss_kb = int(done.stderr.split("maxrss ")[1].split()[0])  # kB
    assert rss_kb < 64_000, rss_kb  # the line is 100,000 KB; Python and alonechat: ~30,000
    assert "1 malformed line" in done.stderr


def test_logs_goes_on_after_undecodable_bytes_and_with_an_ascii_stdout(tmp_path: Path) -> None:
    """Invalid UTF-8 in a text file, a lone surrogate in a JSON record, non-ASCII text on an
    ASCII stdout: each is shown (replaced or escaped), the records after them too, exit 0."""
    assert run_module("alonechat", "demo", cwd=tmp_path).returncode == 0
    log = tmp_path / "logs" / "dev" / "alonechat.log"
    header = log.read_bytes().splitlines()[0].rsplit(b" | ", 1)[0]
    with open(log, "ab") as file:
        file.write(header + b" | bad \xff\xfe bytes\n" + header + b" | caf\xc3\xa9 \xe2\x9c\x93\n")
        file.write(_json_line("lone \ud800 surrogate", 1).encode())
        file.write(header + b" | the last one\n")
    as_json = ["bad \ufffd\ufffd bytes", "caf\u00e9 \u2713", "lone \ud800 surrogate"]
    shown = {  # what each output shows of the four lines
        ("utf-8", "text"): ["bad \ufffd\ufffd bytes", "caf\u00e9 \u2713", "lone \\ud800 surrogate"],
        ("ascii", "text"): [r"bad \ufffd\ufffd bytes", r"caf\xe9 \u2713", r"lone \ud800 surrogate"],
        ("utf-8", "json"): as_json,
        ("ascii", "json"): as_json,
    }  # fmt: skip
    for (encoding, output), expected in shown.items():
        done = run_module(
            "AloneChat", "logs", "--no-color", *(["--json"] if output == "json" else []),
            cwd=tmp_path, env={"PYTHONIOENCODING": encoding},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        if output == "json":
            messages = [json.loads(line)["message"] for line in lines]
        else:
            messages = [line.rsplit(" | ", 1)[-1] for line in lines if " | " in line]
        assert messages[-4:] == [*expected, "the last one"], (encoding, output)


def test_logs_prints_a_first_match_while_it_reads_on(tmp_path: Path) -> None:
    """The first record --grep finds reaches a pipe while the viewer is still reading: the
    log is a FIFO whose writer has sent the match and 2.5 MB more, and has not closed it."""
    logs = tmp_path / "logs"
    logs.mkdir()
    os.mkfifo(logs / "alonechat.log")
    env = python_env()
    env.pop("PYTHONUNBUFFERED", None)  # stdout into a pipe is block-buffered, as usual
    viewer = subprocess.Popen(
        [sys.executable, "-m", "alonechat", "logs", str(logs), "--grep", "needle", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )  # fmt: skip
    assert viewer.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(viewer.stdout.readline()), daemon=True).start()
    try:
        with open(logs / "alonechat.log", "w") as writer:  # once the viewer opens it
            writer.write(_json_line("the needle") + _json_line("hay " * 100) * 6000)
            writer.flush()
            first = lines.get(timeout=120)  # the viewer still waits for the rest
            assert json.loads(first)["message"] == "the needle"
        out, err = viewer.communicate(timeout=120)
    finally:
        if viewer.poll() is None:
            viewer.kill()
            viewer.communicate()
    assert (viewer.returncode, out, err) == (0, "", "")


def test_readme_request_id_example_prints_the_demo_request(tmp_path: Path) -> None:
    """The viewer page's ``--request-id ... | jq`` example, run as a newcomer does after the quick
    start's demo (text files): with the JSON files it says to write, jq prints the
    message of the demo's request."""
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    (block,) = doc_blocks("docs/viewer.md", "Reading logs: `python -m alonechat logs`", "bash")
    commands = [
        line.split("  #")[0].strip()
        for line in block.splitlines()
        if "--json-logs" in line or "--request-id" in line
    ]
    assert len(commands) == 2, commands
    bin_dir = tmp_path / "bin"  # `python` is the interpreter running the tests
    bin_dir.mkdir()
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bin_dir / "python").chmod(0o755)
    env = python_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    for command in ["python -m AloneChat demo", *commands]:
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env, check=False,
        )  # fmt: skip
        assert done.returncode == 0, (command, done.stderr)
    assert done.stdout == '"Processing request"\n'

"""A real rsyslog for the tests: its own config, on 127.0.0.1 with free ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import free_port, read_lines

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
# What each received message becomes in the output file: one line, fields split by "|".
LINE = "%syslogseverity%|%syslogfacility%|%app-name%|%procid%|%msgid%|%hostname%|%msg%\\n"


def require_rsyslog() -> None:
    """Skip without rsyslog, except in CI (where .ci/run installs it): there, fail."""
    if not os.path.exists(RSYSLOGD) and not os.environ.get("CI"):
        pytest.skip("Debian's rsyslog is not installed")


class Rsyslog:
    """rsyslogd listening on UDP and TCP ports and a unix socket (each input with rsyslog's
    default settings), writing what it receives to ``out`` (one :data:`LINE` per message).
    Restartable on the same ports."""

    def __init__(self, workdir: Path, extra_config: str = "") -> None:
        self.workdir = workdir
        self.out = workdir / "received.log"
        self.udp, self.tcp = free_port(), free_port()
        # unix socket paths are limited to ~100 bytes: keep it short
        self.socket = Path(tempfile.mkdtemp(prefix="rs")) / "log"
        self.config = workdir / "rsyslog.conf"
        self.config.write_text(
            f'global(workDirectory="{workdir}")\n'
            'module(load="imudp")\nmodule(load="imtcp")\n'
            'module(load="imuxsock" SysSock.Use="off")\n'
            f'input(type="imudp" address="127.0.0.1" port="{self.udp}")\n'
            f'input(type="imtcp" address="127.0.0.1" port="{self.tcp}")\n'
            f'input(type="imuxsock" Socket="{self.socket}")\n'
            f'template(name="line" type="string" string="{LINE}")\n'
            f'if $inputname != "imfile" then action(type="omfile" file="{self.out}" '
            'template="line")\n' + extra_config
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        pidfile = self.workdir / "rsyslogd.pid"
        pidfile.unlink(missing_ok=True)
        errors = self.workdir / "rsyslogd.err"
        with errors.open("ab") as stderr:
            self.process = subprocess.Popen(
                [RSYSLOGD, "-n", "-f", str(self.config), "-i", str(pidfile)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # ready once TCP accepts and the socket exists
            assert self.process.poll() is None, errors.read_text()
            try:
                socket.create_connection(("127.0.0.1", self.tcp), timeout=1).close()
                if self.socket.exists():
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("rsyslogd did not start")

    def stop(self) -> None:
        """Stop rsyslogd (it writes out everything received first)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(15)
        self.process = None

    def lines(self) -> list[list[str]]:
        """The received messages, each split into its 7 fields."""
        return [line.split("|", 6) for line in read_lines(self.out)]

    def wait_for(self, count: int, timeout: float = 15) -> list[list[str]]:
        """The received messages once there are ``count`` (or at ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(lines := self.lines()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return lines


@contextmanager
def running_rsyslog(workdir: Path, extra_config: str = "") -> Iterator[Rsyslog]:
    require_rsyslog()
    workdir.mkdir(parents=True, exist_ok=True)
    server = Rsyslog(workdir, extra_config)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.socket.parent, ignore_errors=True)

"""Starting the real chat server (the CLI in a subprocess) and reading its JSON log."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.helpers import free_port, start_python

# Hooks loaded into the server with --hooks chat_hooks:setup.
HOOKS_PLUGIN = """
from alonechat.core.logging import get_logger
from alonechat.core.server import HookPhase

log = get_logger("test.hooks")


def first(ctx):
    log.info("hook first %s %s", ctx.phase.name, ctx.user_id)
    return ctx


def broken(ctx):
    raise RuntimeError("hook bug")


async def second(ctx):
    log.info("hook second %s %s", ctx.phase.name, ctx.user_id)
    if ctx.message is not None and ctx.message.startswith("shout "):
        ctx.message = ctx.message[len("shout "):].upper()
    if ctx.message == "forbidden":
        ctx.reject("that word is not allowed")
    return ctx


def ban_mallory(ctx):
    if ctx.user_id == "mallory":
        ctx.reject("mallory is banned")
    if ctx.user_id == "verbose":
        ctx.reject("nope " * 40)
    return ctx


async def slow_lookup(ctx):  # like a token check against a slow service
    if ctx.user_id.startswith("slowpoke"):
        await asyncio.sleep(0.5)
    ctx.metadata["seen"] = ctx.metadata.get("seen", 0) + 1
    return ctx


def trouble(ctx):
    if ctx.user_id == "exiter":
        raise SystemExit("a hook must not stop the server")
    if ctx.message == "make it a number":
        ctx.message = 42
    log.info("metadata %s %s %s", ctx.phase.name, ctx.user_id, ctx.metadata.get("request_id"),
             extra={"seen": ctx.metadata.get("seen")})
    return ctx


def setup(manager):
    manager.max_queued_bytes = 256 * 1024  # so that a test can be a slow client quickly
    manager.send_timeout = 3.0
    manager.register_hook(HookPhase.PRE_CONNECT, ban_mallory)
    manager.register_hook(HookPhase.PRE_CONNECT, slow_lookup)
    for phase in HookPhase:
        manager.register_hook(phase, trouble)
    for phase in HookPhase:
        manager.register_hook(phase, first)
        manager.register_hook(phase, broken)
        manager.register_hook(phase, second)
"""


@dataclass
class Server:
    """A running server: its URLs, process, directory and log file."""

    port: int
    process: subprocess.Popen[str]
    directory: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws(self, user: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?user={user}"

    def socket_from(self, address: str) -> socket.socket:
        """A TCP connection to the server from ``address`` (any of 127.0.0.0/8 on Linux),
        for ``connect(server.ws(...), sock=...)``: a client with an address of its own."""
        return socket.create_connection(("127.0.0.1", self.port), 10, source_address=(address, 0))

    def records(self) -> list[dict[str, Any]]:
        """The records written so far: complete lines only (a poll may catch the server in
        the middle of writing its last line; that one is read by the next poll)."""
        text = self.log.read_text(encoding="utf-8") if self.log.exists() else ""
        return [json.loads(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]

    def wait_for(
        self, check: Callable[[list[dict[str, Any]]], bool], timeout: float = 15
    ) -> list[dict[str, Any]]:
        """The log's records once ``check`` accepts them (the server writes asynchronously)."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.records()
            if check(records):
                return records
            if time.monotonic() > deadline:
                raise AssertionError(f"log never satisfied the check; last records: {records[-5:]}")
            time.sleep(0.05)

    def stderr(self) -> str:
        return (self.directory / "stderr.txt").read_text(encoding="utf-8", errors="replace")


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@contextmanager
def run_server(
    directory: Path,
    *args: str,
    env: str | None = "development",
    log: str = "logs/dev/alonechat.log",
    extra_env: dict[str, str] | None = None,
    hooks: bool = True,
    port: int | None = None,
) -> Iterator[Server]:
    """``python -m AloneChat server`` on ``port`` (a free one by default) in ``directory``;
    SIGTERM at the end."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "chat_hooks.py").write_text(HOOKS_PLUGIN)
    port = port if port is not None else free_port()
    command = ["-m", "AloneChat", "server", "--port", str(port)]
    command += ["--hooks", "chat_hooks:setup"] if hooks else []
    command += ["--json-logs", *args]
    if env is not None:
        command += ["--env", env]
    with open(directory / "stderr.txt", "wb") as stderr:
        # The hooks module is importable, then this checkout (so coverage follows the
        # server's own files); no ALONECHAT_* variable but ``extra_env``.
        process = start_python(
            *command, cwd=directory, env=extra_env, path=[directory], stdout=stderr, stderr=stderr
        )
    server = Server(port, process, directory, directory / log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"server exited {process.returncode}:\n{server.stderr()}")
            try:
                get(server.url + "/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"server did not start:\n{server.stderr()}") from None
                time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

"""Limits per client address: a real uvicorn (through the CLI), real WebSocket clients, each
with a loopback address of its own (127.0.0.0/8 is all local on Linux)."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from alonechat.core.server._limits import AddressLimits
from tests.server_helpers import Server, run_server

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="clients need addresses of their own in 127.0.0.0/8"
)
RATE, BURST = 10, 20  # the server's defaults: --max-messages-per-second, --message-burst
#: Every record the server writes about one event is shorter than this (JSON, production).
LINE = 1024
#: Records per accepted join: uvicorn's "[accepted]" and "connection open", ours "connect"
#: and "disconnect", uvicorn's "connection closed"; an accepted message has one.
PER_JOIN = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The production preset with the default limits."""
    directory = tmp_path_factory.mktemp("limits")
    with run_server(
        directory, env="production", log="logs/prod/alonechat.log", hooks=False
    ) as running:
        yield running


def log_bytes(server: Server) -> int:
    return sum(path.stat().st_size for path in server.log.parent.glob("alonechat*"))


def log_lines(server: Server, start: int) -> list[str]:
    """The lines of alonechat.log after its first ``start`` bytes (no rotation here)."""
    with open(server.log, "rb") as file:
        file.seek(start)
        return file.read().decode("utf-8").splitlines()


def opened(server: Server, user: str, address: str) -> ClientConnection:
    """A WebSocket of ``user`` from ``address``, open until ``.close()``."""
    return connect(server.ws(user), sock=server.socket_from(address)).__enter__()


class Reader(threading.Thread):
    """A chat user from an address of its own who only reads: the flooder's messages it
    gets, and whether the server closed it."""

    def __init__(self, server: Server, number: int) -> None:
        super().__init__()
        self.name = f"reader{number}"
        self.client = opened(server, self.name, f"127.0.1.{number}")
        self.joined = threading.Event()
        self.done = threading.Event()  # the sentinel arrived
        self.flood: list[str] = []
        self.closed: ConnectionClosed | None = None
        self.start()

    def run(self) -> None:
        try:
            while True:
                frame = json.loads(self.client.recv(timeout=30))
                if frame["type"] == "join" and frame["user"] == self.name:
                    self.joined.set()
                elif frame["type"] == "message" and frame["user"].startswith("flood"):
                    self.flood.append(f"{frame['user']} {frame['text']}")
                elif frame["type"] == "message" and frame["text"] == "the flood is over":
                    self.done.set()
                    return
        except ConnectionClosed as closed:
            self.closed = closed


def flood(server: Server, seconds: float, counts: dict[str, int], number: int) -> None:
    """Reconnect under a new name after each burst of 20 messages, for ``seconds``."""
    deadline = time.monotonic() + seconds
    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        try:
            client = opened(server, f"flood{number}x{attempt}", "127.0.0.2")
        except InvalidStatus as refused:
            counts["refused" if refused.response.status_code == 429 else "other"] += 1
            continue
        counts["joined"] += 1
        try:
            for index in range(20):
                client.send(json.dumps({"text": f"m{index}"}))
        except ConnectionClosed:
            pass
        # gone without a closing handshake (shutdown, not close: the descriptor stays the
        # connection's until it is closed, so no other socket can get its number meanwhile)
        client.socket.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(ConnectionClosed, OSError):
            client.__exit__(None, None, None)


def test_a_reconnecting_flooder_gets_the_address_rate_and_readers_stay(server: Server) -> None:
    """A client that reconnects under a new name after each burst: what it gets in (joins
    and messages) is bounded by its address's rate, the readers keep their connections and
    all get the same messages, and the log grows by a bounded number of lines per
    accepted event (refusals collapsed)."""
    readers = [Reader(server, number) for number in range(1, 11)]
    for reader in readers:
        assert reader.joined.wait(10)
    before = log_bytes(server)
    counts = {"joined": 0, "refused": 0, "other": 0}
    start = time.monotonic()
    flooders = [
        threading.Thread(target=flood, args=(server, 3.0, counts, number)) for number in (1, 2)
    ]
    for flooder in flooders:
        flooder.start()
    for flooder in flooders:
        flooder.join()
    elapsed = time.monotonic() - start
    readers[0].client.send(json.dumps({"text": "the flood is over"}))
    for reader in readers:
        reader.join(30)
        assert reader.closed is None, reader.closed
        assert reader.done.is_set()
    lines = server.wait_for(
        lambda rs: any(r["message"].startswith("message from reader1") for r in rs)
    )
    grown = log_bytes(server) - before
    for reader in readers:
        reader.client.close()

    seen = readers[0].flood
    assert all(reader.flood == seen for reader in readers)  # each reader got every one
    allowed = BURST + RATE * elapsed  # joins and messages of one address
    assert counts["joined"] >= 1
    assert counts["other"] == 0
    assert counts["refused"] >= 10  # it did try far more than it got
    assert counts["joined"] + len(seen) <= allowed
    assert len(set(seen)) == len(seen)
    written = log_lines(server, before)
    assert all(len(line.encode()) < LINE for line in written)
    assert len(written) <= PER_JOIN * counts["joined"] + len(seen) + 20  # 20: collapsed ones
    assert grown <= (PER_JOIN * allowed + 20) * LINE
    refusals = [r for r in lines if r["message"].startswith("websocket refused from 127.0.0.2")]
    assert len(refusals) == 1  # the rest held back and counted (60 s window)


def test_a_foreign_origin_loop_costs_a_few_lines(server: Server) -> None:
    """A page of another site retrying over and over (HTTP 403 each time): uvicorn's two
    lines and our WARNING are each written once, the repeats counted."""
    before = log_bytes(server)
    refused = 0
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        with (
            pytest.raises(InvalidStatus),
            connect(
                server.ws("mallory"),
                origin="https://evil.example",  # type: ignore[arg-type]
                sock=server.socket_from("127.0.0.3"),
            ),
        ):
            pass
        refused += 1
    assert refused >= 50
    server.wait_for(lambda rs: any(r.get("origin") == "https://evil.example" for r in rs))
    time.sleep(0.5)  # whatever was still to be written of the loop (it is bounded anyway)
    written = log_lines(server, before)
    assert len(written) <= 3, written  # not 3 per refusal
    assert log_bytes(server) - before <= 3 * LINE


def test_an_address_has_at_most_its_connections(tmp_path: Path) -> None:
    """The fourth connection from one address is refused with 429 and the reason; another
    address still gets in, and so does the first one after it closed a connection."""
    with run_server(tmp_path, "--max-connections-per-address", "3", hooks=False) as server:
        mine = [opened(server, f"tab{n}", "127.0.0.5") for n in range(3)]
        with pytest.raises(InvalidStatus) as refused:
            opened(server, "tab4", "127.0.0.5")
        assert refused.value.response.status_code == 429
        assert (
            refused.value.response.body == b"too many connections from your address (at most 3)\n"
        )
        with connect(server.ws("other"), sock=server.socket_from("127.0.0.6")) as other:
            assert json.loads(other.recv(timeout=10))["type"] == "join"
        mine.pop().close()
        again = admitted(server, "tab5", "127.0.0.5")  # once the server has seen the close
        assert json.loads(again.recv(timeout=10))["user"] == "tab5"
        again.close()
        for client in mine:
            client.close()


def admitted(server: Server, user: str, address: str) -> ClientConnection:
    """A connection of ``user`` from ``address``, retried while refused (at most 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return opened(server, user, address)
        except InvalidStatus:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_an_address_keeps_its_bucket_when_its_connections_close() -> None:
    """Reconnecting buys nothing: the bucket outlives the connection; another address has
    its own."""
    limits = AddressLimits(rate=0.001, burst=3, max_connections=10)
    for _ in range(3):
        assert limits.admit("192.0.2.1") is None
        limits.release("192.0.2.1")
    assert limits.admit("192.0.2.1") == (
        "rate limit: at most 0.001 messages and joins a second per address"
    )
    assert limits.admit("192.0.2.2") is None

"""The chat server as users meet it: a real uvicorn (through the CLI) and real WebSockets."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.server_helpers import Server, get, run_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose per-address limits let this module's clients, all from 127.0.0.1,
    connect as often as they do (the limits are tested with ``guarded`` and in
    test_limits.py)."""
    limits = ("--max-messages-per-second", "1000", "--message-burst", "1000")
    with run_server(tmp_path_factory.mktemp("chat"), *limits) as running:
        yield running


def frames(client: ClientConnection, count: int) -> list[dict[str, Any]]:
    return [json.loads(client.recv(timeout=10)) for _ in range(count)]


def close_code(client: ClientConnection) -> tuple[int, str]:
    """The close frame the server sent (after any frames still queued)."""
    for _ in range(100):
        try:
            client.recv(timeout=10)
        except ConnectionClosed as closed:
            frame = closed.rcvd
            break
    else:
        raise AssertionError("the server never closed the connection")
    assert frame is not None, "closed without a close frame"
    return frame.code, frame.reason


def of(records: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [r for r in records if all(r.get(k) == v for k, v in match.items())]


def test_two_users_chat(server: Server) -> None:
    with connect(server.ws("ann")) as ann:
        assert frames(ann, 1) == [{"type": "join", "user": "ann", "users": ["ann"]}]
        with connect(server.ws("bob")) as bob:
            assert frames(bob, 1) == [{"type": "join", "user": "bob", "users": ["ann", "bob"]}]
            assert frames(ann, 1)[0]["user"] == "bob"
            ann.send(json.dumps({"text": "hi bob"}))
            expected = {"type": "message", "user": "ann", "text": "hi bob"}
            assert frames(bob, 1) == [expected]
            assert frames(ann, 1) == [expected]
            bob.send(json.dumps({"text": "shout hello"}))  # a PRE_MESSAGE hook rewrites it
            assert frames(ann, 1)[0] == {"type": "message", "user": "bob", "text": "HELLO"}
        assert frames(ann, 1) == [{"type": "leave", "user": "bob", "users": ["ann"]}]
    records = server.wait_for(lambda rs: len(of(rs, event_type="disconnect", user="ann")) == 1)
    messages = of(records, logger="alonechat.server", user="ann", level="INFO")
    assert [r["size"] for r in messages] == [len("hi bob")]  # the text's size, not the frame's
    assert all("hi bob" not in r["message"] for r in of(records, level="INFO"))


def test_hooks_fire_in_order_and_survive_a_raising_hook(server: Server) -> None:
    with connect(server.ws("carol")) as carol:
        frames(carol, 1)
        carol.send(json.dumps({"text": "hello"}))
        assert frames(carol, 1)[0]["text"] == "hello"  # the broken hook did not stop it
    done = "hook second POST_DISCONNECT carol"
    records = server.wait_for(lambda rs: any(r["message"] == done for r in rs))
    fired = [
        r["message"] for r in of(records, logger="test.hooks") if r["message"].endswith(" carol")
    ]
    phases = ["PRE_CONNECT", "POST_CONNECT", "PRE_MESSAGE", "POST_MESSAGE"]
    phases += ["PRE_DISCONNECT", "POST_DISCONNECT"]
    assert fired == [
        f"hook {hook} {phase} carol" for phase in phases for hook in ("first", "second")
    ]
    failures = [
        r for r in of(records, logger="alonechat.server.hooks") if r["message"].endswith(" carol")
    ]
    assert len(failures) == 6  # one per phase, each with its traceback
    assert all(r["exc_type"] == "RuntimeError" for r in failures)
    assert all('raise RuntimeError("hook bug")' in r["exc_traceback"] for r in failures)
    assert failures[0]["message"] == "hook broken failed in PRE_CONNECT for user carol"


def test_a_hook_can_reject_a_connection_or_a_message(server: Server) -> None:
    with connect(server.ws("mallory")) as mallory:
        assert close_code(mallory) == (1008, "mallory is banned")
    with connect(server.ws("dave")) as dave:
        frames(dave, 1)
        dave.send(json.dumps({"text": "forbidden"}))
        assert frames(dave, 1) == [{"type": "error", "error": "that word is not allowed"}]
        dave.send(json.dumps({"text": "still here"}))
        assert frames(dave, 1)[0]["text"] == "still here"
    records = server.wait_for(lambda rs: len(of(rs, event_type="rejected", user="mallory")) == 1)
    assert of(records, event_type="rejected", user="mallory")[0]["reason"] == "mallory is banned"


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ("", "user name is empty"),
        ("%20%20", "user name is empty"),
        ("x" * 33, "user name is longer than 32 characters"),
        ("bad%07bell", "user name contains control characters"),
    ],
)
def test_bad_user_names_are_closed_with_1008(server: Server, user: str, reason: str) -> None:
    with connect(server.ws(user)) as client:
        assert close_code(client) == (1008, reason)


def test_a_taken_name_is_refused(server: Server) -> None:
    with connect(server.ws("erin")) as first:
        frames(first, 1)
        with connect(server.ws("erin")) as second:
            assert close_code(second) == (1008, "user name is already connected")
        first.send(json.dumps({"text": "unaffected"}))
        assert frames(first, 1)[0]["text"] == "unaffected"


def test_invalid_frames_get_an_error_and_the_connection_stays(server: Server) -> None:
    with connect(server.ws("frank")) as frank:
        frames(frank, 1)
        frank.send("not json")
        assert frames(frank, 1)[0]["error"].startswith("invalid JSON")
        frank.send(json.dumps({"txt": "typo"}))
        assert frames(frank, 1)[0]["error"] == 'a message is a JSON object with a "text" string'
        frank.send(json.dumps({"text": "   "}))
        assert frames(frank, 1)[0]["error"] == "message is empty"
        frank.send(b"\x00\x01")
        assert frames(frank, 1)[0]["error"] == "send text frames (JSON)"
        frank.send(json.dumps({"text": "fine"}))
        assert frames(frank, 1)[0]["text"] == "fine"


def test_an_oversized_message_closes_with_1009(server: Server) -> None:
    with connect(server.ws("gina")) as gina:
        frames(gina, 1)
        gina.send(json.dumps({"text": "x" * 66_000}))
        assert close_code(gina) == (1009, "message larger than 65536 bytes")
    records = server.wait_for(lambda rs: len(of(rs, event_type="disconnect", user="gina")) == 1)
    assert of(records, event_type="disconnect", user="gina")[0]["code"] == 1009
    assert get(server.url + "/health")[0] == 200


@pytest.mark.parametrize("frame", [b"\x00" * 66_000, b"\x00" * (10 * 1024 * 1024)])
def test_oversized_binary_frames_close_with_1009(server: Server, frame: bytes) -> None:
    """Bigger than the limit: 1009, whether the manager or uvicorn's ws_max_size sees it."""
    with connect(server.ws("hal"), max_size=None) as hal:
        frames(hal, 1)
        hal.send(frame)
        assert close_code(hal)[0] == 1009
    server.wait_for(lambda rs: len(of(rs, event_type="disconnect", user="hal", code=1009)) >= 1)


def test_a_client_vanishing_mid_frame_does_not_hurt_the_server(server: Server) -> None:
    """A raw client completes the handshake, sends half a frame and drops the TCP connection."""
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        key = base64.b64encode(os.urandom(16)).decode()
        raw.sendall(
            f"GET /ws?user=ghost HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        assert raw.recv(4096).startswith(b"HTTP/1.1 101")
        length = (1000).to_bytes(2, "big")
        raw.sendall(bytes([0x81, 0xFE]) + length + os.urandom(4) + b"x" * 10)  # 10 of 1000
    server.wait_for(lambda rs: len(of(rs, event_type="disconnect", user="ghost")) == 1)
    with connect(server.ws("henry")) as henry:
        assert frames(henry, 1)[0]["users"] == ["henry"]
        henry.send(json.dumps({"text": "server still fine"}))
        assert frames(henry, 1)[0]["text"] == "server still fine"


def test_health_metrics_and_page(server: Server) -> None:
    status, headers, body = get(server.url + "/health")
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    assert len(headers["x-request-id"]) == 32
    metrics = json.loads(get(server.url + "/metrics")[2])
    assert metrics["counters"]["http.responses.2xx"] >= 2
    assert metrics["timings"]["http.request"]["count"] >= 2
    assert set(metrics["timings"]["http.request"]) >= {"p50", "p95", "p99"}
    assert metrics["logging"]["dropped"] == 0
    by_destination = metrics["logging"]["dropped_by_destination"]
    assert any(name.endswith("alonechat.log") for name in by_destination)
    assert set(by_destination.values()) == {0}
    status, headers, body = get(server.url + "/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert b'<input id="name"' in body
    assert b'id="send"' in body


def test_log_file_has_each_line_once_with_request_ids(server: Server) -> None:
    """uvicorn's startup, the HTTP request lines and the WebSocket events, each once."""
    get(server.url + "/health?token=do-not-log", headers={"X-Request-ID": "req-health-1"})
    with connect(server.ws("ivy")) as ivy:
        frames(ivy, 1)
        ivy.send(json.dumps({"text": "hello"}))
        frames(ivy, 1)
    records = server.wait_for(lambda rs: len(of(rs, event_type="disconnect", user="ivy")) == 1)
    running = [r for r in records if r["message"].startswith("Uvicorn running on")]
    assert len(running) == 1
    assert running[0]["logger"] == "uvicorn.error"
    assert len([r for r in records if r["message"].startswith("Started server process")]) == 1

    http = of(records, request_id="req-health-1")
    assert sorted(r["logger"] for r in http) == ["alonechat.server.http", "uvicorn.access"]
    ours = of(http, logger="alonechat.server.http")[0]
    assert (ours["method"], ours["path"], ours["status_code"]) == ("GET", "/health", 200)
    assert ours["duration"] >= 0
    assert "do-not-log" not in server.log.read_text()

    connects = of(records, event_type="connect", user="ivy")
    assert len(connects) == 1
    request_id = connects[0]["request_id"]
    connection = of(records, request_id=request_id)
    loggers = {r["logger"] for r in connection}
    assert {"uvicorn.error", "test.hooks", "alonechat.server.hooks"} <= loggers
    assert "alonechat.server.websocket" in loggers
    assert len(of(connection, event_type="disconnect")) == 1
    assert any("[accepted]" in r["message"] for r in of(connection, logger="uvicorn.error"))
    keys = [(r["time"], r["logger"], r["message"]) for r in records]
    assert len(keys) == len(set(keys)), "a record was written twice"


def test_log_file_lives_in_the_environment_directory(server: Server) -> None:
    assert server.log == server.directory / "logs" / "dev" / "alonechat.log"
    assert (server.directory / "logs" / "dev" / "alonechat_errors.log").exists()
    assert Path(server.directory / "stderr.txt").read_text()  # development logs to the console


def _raw_client(server: Server, user: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads."""
    raw = socket.create_connection(("127.0.0.1", server.port))
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall(
        f"GET /ws?user={user} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    return raw


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose rate limit lets one client send 80 large messages at once."""
    limits = ("--max-messages-per-second", "1000", "--message-burst", "1000")
    with run_server(tmp_path_factory.mktemp("fast"), *limits) as running:
        yield running


def test_a_client_that_stops_reading_is_dropped_not_waited_for(fast: Server) -> None:
    """The others get every message; the slow client is dropped with one WARNING that
    says why, and nothing at ERROR (its closed connection failing is no news)."""
    server = fast
    with _raw_client(server, "sloth"), connect(server.ws("kate")) as kate:
        with connect(server.ws("liam")) as liam:
            frames(liam, 1)
            for index in range(80):  # 4.8 MB: more than sloth's socket and queue can hold
                kate.send(json.dumps({"text": f"{index} " + "y" * 60_000}))
            received = []
            while len(received) < 80:
                frame = frames(liam, 1)[0]
                if frame["type"] == "message":
                    received.append(frame["text"].split()[0])
            assert received == [str(index) for index in range(80)]  # all of it, in order
            with connect(server.ws("late")) as late:  # and newcomers still get in
                assert frames(late, 1)[0]["type"] == "join"
        records = server.wait_for(
            lambda rs: any(r.get("user") == "sloth" for r in of(rs, level="WARNING"))
        )
        dropped = [r for r in of(records, level="WARNING") if r.get("user") == "sloth"]
        assert len(dropped) == 1
        assert dropped[0]["message"].startswith("dropping sloth: ")
    records = server.wait_for(
        lambda rs: any(r["message"].startswith("websocket disconnect (sloth)") for r in rs)
    )
    errors = [r for r in of(records, level="ERROR") if r.get("user") == "sloth"]
    assert [r["logger"] for r in errors] == ["alonechat.server.hooks"] * len(errors)  # the test's


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with the default rate limit (10 a second, 20 at once), room for three
    users, and one other site allowed to connect."""
    limits = ("--max-connections", "3", "--allow-origin", "https://friend.example")
    with run_server(tmp_path_factory.mktemp("guarded"), *limits) as running:
        yield running


def test_a_flooding_client_is_told_then_closed_and_nobody_else_is(guarded: Server) -> None:
    fred_from = guarded.socket_from("127.0.0.2")  # another address: his own limits
    with connect(guarded.ws("rita")) as rita, connect(guarded.ws("fred"), sock=fred_from) as fred:
        frames(rita, 2)  # rita's join, fred's join
        frames(fred, 1)
        for index in range(200):
            try:
                fred.send(json.dumps({"text": f"flood {index}"}))
            except ConnectionClosed:
                break
        seen, close = [], None
        while close is None:
            try:
                seen.append(json.loads(fred.recv(timeout=10)))
            except ConnectionClosed as closed:
                close = closed.rcvd
        assert close is not None
        assert close.code == 1008
        assert close.reason.startswith("rate limit")
        errors = [f["error"] for f in seen if f["type"] == "error"]
        assert errors
        assert errors[0].startswith("rate limit: at most 10 messages a second")
        got: list[dict[str, Any]] = []
        rita.send(json.dumps({"text": "still here"}))
        while True:  # rita was never closed: her own message comes back after fred's
            frame = json.loads(rita.recv(timeout=10))
            if frame["type"] == "message" and frame["user"] == "fred":
                got.append(frame)
            if frame.get("text") == "still here":
                break
        assert 1 <= len(got) <= 25  # the burst, and what refilled meanwhile
    records = guarded.wait_for(lambda rs: bool(of(rs, user="fred", reason="rate limit")))
    closing = of(records, level="WARNING", user="fred")
    assert [r["message"] for r in closing] == [
        "closing fred: rate limit, still sending over 10 messages a second"
    ]


def test_pages_of_other_sites_cannot_connect(guarded: Server) -> None:
    """Cross-site WebSocket hijacking: a foreign Origin gets 403 and a WARNING; the
    server's own pages, the allowed site and non-browser clients (no Origin) get in."""
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as refused:
        connect(guarded.ws("mallory"), origin="https://evil.example")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    own = f"http://127.0.0.1:{guarded.port}"
    for origin in (own, "https://friend.example", None):
        with connect(guarded.ws("visitor"), origin=origin) as visitor:  # type: ignore[arg-type]
            assert frames(visitor, 1)[0]["type"] == "join"
    records = guarded.wait_for(lambda rs: bool(of(rs, origin="https://evil.example")))
    (warning,) = of(records, origin="https://evil.example")
    assert warning["level"] == "WARNING"
    assert warning["message"].startswith("websocket refused: origin https://evil.example")


def test_a_full_server_refuses_a_join_with_1013_and_says_why(guarded: Server) -> None:
    with connect(guarded.ws("u1")) as u1, connect(guarded.ws("u2")), connect(guarded.ws("u3")):
        frames(u1, 1)
        with connect(guarded.ws("u4")) as u4:
            assert frames(u4, 1)[0] == {"type": "error", "error": "server full"}
            assert close_code(u4) == (1013, "server full")
    records = guarded.wait_for(lambda rs: bool(of(rs, user="u4")))
    assert of(records, user="u4")[0]["message"] == "websocket rejected (u4): server full"


def test_concurrent_joins_with_one_name_admit_one(server: Server) -> None:
    """The name is reserved while the (slow) PRE_CONNECT hooks run."""
    results: list[str] = []

    def join() -> None:
        with connect(server.ws("slowpoke")) as client:
            first = json.loads(client.recv(timeout=10))
            results.append(first["type"])
            if first["type"] == "join":
                time.sleep(1)

    threads = [threading.Thread(target=join) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["error", "join"]


@pytest.mark.parametrize("name", ["Alice2", "alice2 ", "\uff41lice2"])
def test_look_alike_names_are_the_same_user(server: Server, name: str) -> None:
    with connect(server.ws("alice2")) as alice:
        frames(alice, 1)
        with connect(server.ws(urllib.parse.quote(name))) as twin:
            assert close_code(twin) == (1008, "user name is already connected")


def test_a_hook_raising_system_exit_does_not_break_the_connection(server: Server) -> None:
    with connect(server.ws("exiter")) as exiter:
        assert frames(exiter, 1)[0]["type"] == "join"
        exiter.send(json.dumps({"text": "still alive"}))
        assert frames(exiter, 1)[0]["text"] == "still alive"

    def failures(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in of(records, exc_type="SystemExit") if r["message"].endswith("exiter")]

    server.wait_for(lambda rs: len(failures(rs)) == 6)  # every phase, each logged, none fatal
    with connect(server.ws("exiter")) as again:  # and the name is free again
        assert frames(again, 1)[0]["type"] == "join"


def test_a_long_reject_reason_is_sent_whole_then_cut_for_the_close(server: Server) -> None:
    with connect(server.ws("verbose")) as client:
        assert frames(client, 1) == [{"type": "error", "error": "nope " * 40}]
        code, reason = close_code(client)
    assert code == 1008
    assert len(reason.encode()) <= 123
    assert reason == ("nope " * 40)[:123]


def test_hooks_share_metadata_with_the_request_id(server: Server) -> None:
    with connect(server.ws("meta")) as meta:
        frames(meta, 1)
        meta.send(json.dumps({"text": "make it a number"}))  # a hook turns it into 42
        assert frames(meta, 1) == [
            {"type": "error", "error": "a hook made the message a int, not text"}
        ]
    records = server.wait_for(
        lambda rs: any(r["message"].startswith("metadata POST_DISCONNECT meta") for r in rs)
    )
    seen = [r for r in of(records, logger="test.hooks") if r["message"].startswith("metadata ")]
    mine = [r for r in seen if r["message"].split()[2] == "meta"]
    request_id = of(records, event_type="connect", user="meta")[0]["request_id"]
    assert [r["message"].split()[1] for r in mine] == [
        "PRE_CONNECT", "POST_CONNECT", "PRE_MESSAGE", "PRE_DISCONNECT", "POST_DISCONNECT"
    ]  # fmt: skip
    assert {r["message"].split()[3] for r in mine} == {request_id}
    assert all(r["seen"] == 1 for r in mine)  # one dict, shared by every phase


def test_websocket_query_strings_stay_out_of_the_log(server: Server) -> None:
    """The connection's records are written (uvicorn's line for the path too), without the
    query string."""
    with connect(server.ws("zed") + "&token=SECRET123") as zed:
        frames(zed, 1)
    records = server.wait_for(lambda rs: len(of(rs, event_type="disconnect", user="zed")) == 1)
    (joined,) = of(records, event_type="connect", user="zed")
    connection = of(records, request_id=joined["request_id"])
    (accepted,) = [r for r in connection if "[accepted]" in r["message"]]
    assert '"WebSocket /ws" ' in accepted["message"], accepted
    assert "SECRET123" not in server.log.read_text()

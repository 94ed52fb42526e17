"""HookRegistry: order, sync and async hooks, failures, rejections, bad registrations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from alonechat.core.logging import LogConfig, get_logger
from alonechat.core.server import HookContext, HookPhase, UnifiedWebSocketManager
from alonechat.core.server._hooks import HookRegistry
from tests.helpers import read_json

Configure = Callable[..., LogConfig]


def test_hooks_run_in_order_sync_and_async(configure: Configure) -> None:
    configure()
    registry = HookRegistry(get_logger("hooks"))
    seen: list[str] = []

    def one(ctx: HookContext) -> HookContext:
        seen.append("one")
        ctx.message = (ctx.message or "") + "1"
        return ctx

    async def two(ctx: HookContext) -> None:  # None keeps the context
        seen.append("two")
        ctx.message = (ctx.message or "") + "2"

    def three(ctx: HookContext) -> HookContext:
        seen.append("three")
        return HookContext(ctx.phase, ctx.user_id, (ctx.message or "") + "3")

    for hook in (one, two, three):
        registry.register(HookPhase.PRE_MESSAGE, hook)
    result = asyncio.run(registry.run(HookContext(HookPhase.PRE_MESSAGE, "ann", "m")))
    assert seen == ["one", "two", "three"]
    assert result.message == "m123"


def test_rejection_stops_the_phase_only_where_it_means_something(configure: Configure) -> None:
    configure()
    registry = HookRegistry(get_logger("hooks"))
    seen: list[HookPhase] = []

    def reject(ctx: HookContext) -> HookContext:
        ctx.reject("no")
        return ctx

    def after(ctx: HookContext) -> HookContext:
        seen.append(ctx.phase)
        return ctx

    for phase in (HookPhase.PRE_CONNECT, HookPhase.POST_MESSAGE):
        registry.register(phase, reject)
        registry.register(phase, after)
    refused = asyncio.run(registry.run(HookContext(HookPhase.PRE_CONNECT, "ann")))
    asyncio.run(registry.run(HookContext(HookPhase.POST_MESSAGE, "ann", "m")))
    assert refused.rejected == "no"
    assert seen == [HookPhase.POST_MESSAGE]  # nothing to refuse after a message is sent


def test_failing_and_odd_hooks_are_logged(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    registry = HookRegistry(get_logger("hooks"))

    def broken(ctx: HookContext) -> HookContext:
        raise ValueError("bug")

    def odd(ctx: HookContext) -> str:
        return "not a context"

    registry.register(HookPhase.POST_CONNECT, broken)
    registry.register(HookPhase.POST_CONNECT, odd)  # type: ignore[arg-type]
    result = asyncio.run(registry.run(HookContext(HookPhase.POST_CONNECT, "ann")))
    assert result.user_id == "ann"
    failure, warning = read_json(log_dir / "alonechat.log")
    assert failure["message"].startswith("hook ")
    assert failure["message"].endswith("broken failed in POST_CONNECT for user ann")
    assert (failure["exc_type"], failure["phase"]) == ("ValueError", "POST_CONNECT")
    assert warning["level"] == "WARNING"
    assert warning["message"].endswith("odd returned str instead of the HookContext; ignored")


def test_bad_registrations_are_refused() -> None:
    manager = UnifiedWebSocketManager()
    with pytest.raises(ValueError, match="register_hook phase: 'pre_connect' is not a HookPhase"):
        manager.register_hook("pre_connect", lambda ctx: ctx)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="register_hook hook: 3 is not callable"):
        manager.register_hook(HookPhase.PRE_CONNECT, 3)  # type: ignore[arg-type]


def test_the_spec_hook_sample_runs(configure: Configure, log_dir: Path) -> None:
    """The spec's 'Integration with Server Components' samples, verbatim."""
    from tests.test_spec_samples import samples

    configure(json_output=True)
    namespace: dict[str, object] = {"__name__": "spec_server"}
    blocks = samples(("Integration with Server Components",))
    assert len(blocks) == 2
    for section, code in blocks:
        exec(compile(code, f"<spec: {section}>", "exec"), namespace)
    manager = namespace["manager"]
    assert isinstance(manager, UnifiedWebSocketManager)

    class Client:
        def __init__(self) -> None:
            self.frames: list[str] = []

        async def send_text(self, data: str) -> None:
            self.frames.append(data)

    async def session() -> None:
        assert await manager.connect("john_doe", Client()) is None
        await manager.disconnect("john_doe")

    asyncio.run(session())
    messages = [r["message"] for r in read_json(log_dir / "alonechat.log")]
    assert "User connected: john_doe" in messages
    assert "User disconnected: john_doe" in messages


@pytest.mark.parametrize(
    "limits",
    [
        {"max_messages_per_second": 0},
        {"message_burst": 0},
        {"max_connections": 0},
        {"max_connections_per_address": 0},
    ],
)
def test_bad_limits_are_refused_naming_them(limits: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="max_messages_per_second must be > 0, message_burst"):
        UnifiedWebSocketManager(**limits)  # type: ignore[arg-type]

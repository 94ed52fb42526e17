"""Type-checked by tox's `type` env (mypy --strict): the spec's AloneChat.* imports are typed."""

from AloneChat.core.logging import LogConfig, auto_configure, get_logger
from AloneChat.core.logging.utils import LogTimer, MetricsCollector, timed
from AloneChat.core.server import HookContext, HookPhase, UnifiedWebSocketManager

config: LogConfig = auto_configure("testing")
logger = get_logger(__name__)
logger.info("User %s logged in from %s", "ann", "10.0.0.1")


@timed("api_call")
def fetch(count: int) -> list[int]:
    with LogTimer("query"):
        return list(range(count))


def hook(ctx: HookContext) -> HookContext:
    if ctx.phase == HookPhase.POST_CONNECT:
        logger.info("User connected: %s", ctx.user_id)
    return ctx


manager = UnifiedWebSocketManager()
manager.register_hook(HookPhase.POST_CONNECT, hook)
total: int = len(fetch(3))
MetricsCollector().increment("requests.total")

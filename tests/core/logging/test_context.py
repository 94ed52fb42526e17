"""log_context: fields bound per block, per thread and per asyncio task."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from alonechat.core.logging import LogConfig, get_logger, log_context
from tests.helpers import read_json

Configure = Callable[..., LogConfig]


def test_fields_reach_every_logger_inside_the_block(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    with log_context(request_id="r-1", user="ann"):
        get_logger("facade").info("one")
        logging.getLogger("stdlib.lib").warning("two")
    get_logger("facade").info("outside")
    got = read_json(log_dir / "alonechat.log")
    assert [(r.get("request_id"), r.get("user")) for r in got] == [
        ("r-1", "ann"),
        ("r-1", "ann"),
        (None, None),
    ]


def test_nesting_merges_and_exit_restores(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    logger = get_logger("nest")
    with log_context(a=1, b=1):
        with log_context(b=2, c=3):
            logger.info("inner")
        logger.info("outer")
    got = read_json(log_dir / "alonechat.log")
    assert {k: got[0][k] for k in "abc"} == {"a": 1, "b": 2, "c": 3}
    assert {k: got[1].get(k) for k in "abc"} == {"a": 1, "b": 1, "c": None}


def test_asyncio_tasks_never_see_each_others_fields(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    logger = get_logger("tasks")

    async def handle(request_id: str) -> None:
        with log_context(request_id=request_id):
            for step in range(5):
                logger.info("%s step %d", request_id, step)
                await asyncio.sleep(0)  # interleave the two tasks

    async def main() -> None:
        await asyncio.gather(handle("task-a"), handle("task-b"))

    asyncio.run(main())
    got = read_json(log_dir / "alonechat.log")
    assert len(got) == 10
    assert len({r["request_id"] for r in got[:2]}) == 2  # really interleaved
    for record in got:
        assert record["message"].startswith(record["request_id"] + " ")


def test_threads_never_see_each_others_fields(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)
    barrier = threading.Barrier(4)

    def work(tag: str) -> None:
        with log_context(worker=tag):
            barrier.wait()
            for _ in range(50):
                get_logger("threads").info(tag)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    got = read_json(log_dir / "alonechat.log")
    assert len(got) == 200
    assert all(r["worker"] == r["message"] for r in got)


def test_usable_as_a_decorator(configure: Configure, log_dir: Path) -> None:
    configure(json_output=True)

    @log_context(job="nightly")
    def job() -> None:
        get_logger("jobs").info("running")

    job()
    assert read_json(log_dir / "alonechat.log")[0]["job"] == "nightly"

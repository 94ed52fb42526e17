"""Losses: counted, reported once when a run of losses begins and once when it ends."""

from __future__ import annotations

import re

import pytest

from alonechat.core.logging._report import Losses, plural


def test_a_run_of_losses_is_reported_twice_whatever_its_length(
    capsys: pytest.CaptureFixture[str],
) -> None:
    losses = Losses()
    losses.lost(1, "cannot write x")
    losses.lost(2, "cannot write x")
    losses.ended("writing x again")
    losses.ended("writing x again")  # no run going on: nothing
    losses.lost(1, None)  # the caller reports it its own way
    losses.ended("x back")
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "alonechat: cannot write x"
    assert re.fullmatch(
        r"alonechat: writing x again; 3 records dropped since \d\d:\d\d:\d\d", err[1]
    )
    assert re.fullmatch(r"alonechat: x back; 1 record dropped since \d\d:\d\d:\d\d", err[2])
    assert len(err) == 3
    assert losses.count == 4
    assert not losses.ongoing


def test_plural() -> None:
    assert (plural(1, "message"), plural(0, "record"), plural(2, "record")) == (
        "1 message",
        "0 records",
        "2 records",
    )

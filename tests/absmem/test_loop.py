"""The private loop thread of the sync facade."""

from __future__ import annotations

import asyncio

import pytest

from absmem._loop import LoopThread


def test_runs_coroutines_and_propagates_errors() -> None:
    loop = LoopThread()

    async def fail() -> None:
        raise KeyError("boom")

    assert loop.run(asyncio.sleep(0, result=5)) == 5
    with pytest.raises(KeyError, match="boom"):
        loop.run(fail())
    loop.stop()
    loop.stop()  # idempotent

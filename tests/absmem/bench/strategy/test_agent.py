"""The memory agent on a real memory (hash-style embedder): advice, avoid, exploration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from absmem import AbstractionMemory
from absmem.bench.strategy.agent import (
    ApproachDecoder,
    Choice,
    MemoEmbedder,
    MemoryAgent,
    Policy,
    fallback,
)
from absmem.bench.strategy.world import StrategyWorld, topic_of

from .fakes import INTENTS, StyleEmbedder

TOPICS = [topic_of(i) for group in INTENTS.values() for i in group]


@pytest.fixture
def memory(tmp_path: Path, style_embedder: StyleEmbedder) -> Iterator[AbstractionMemory]:
    with AbstractionMemory.open(tmp_path / "mem", embedder=style_embedder) as mem:
        yield mem


def agent(memory: AbstractionMemory, world: StrategyWorld, epsilon: float = 0.0) -> MemoryAgent:
    decoder = ApproachDecoder(StyleEmbedder(), world.approaches).fit(TOPICS)
    return MemoryAgent(memory, decoder, default=2, epsilon=epsilon, k=3, seed=0,
                       consolidate_every=2)  # fmt: skip


def test_fallback_keeps_default_unless_avoided() -> None:
    rng = np.random.default_rng(0)
    assert fallback(1, set(), 3, rng) == 1
    assert fallback(1, {1}, 3, rng) in {0, 2}
    assert fallback(1, {0, 1, 2}, 3, rng) in {0, 1, 2}


def test_memo_embedder_computes_each_text_once(style_embedder: StyleEmbedder) -> None:
    memo = MemoEmbedder(style_embedder)
    memo.add(["known"], style_embedder.embed(["known"]))
    calls = style_embedder.calls
    first = memo.embed(["known", "new", "new"])
    assert memo.computed == 1
    assert style_embedder.calls == calls + 1
    np.testing.assert_allclose(memo.embed(["new"]), first[1:2])
    assert memo.computed == 1
    assert (memo.name, memo.dim) == (style_embedder.name, 12)


def test_decoder_reads_each_approach(world: StrategyWorld) -> None:
    decoder = ApproachDecoder(StyleEmbedder(), world.approaches).fit(TOPICS[:2])
    assert decoder.accuracy(TOPICS) == 1.0
    text = world.approaches[4].templates[3].format(topic=TOPICS[3])
    assert decoder.decode(text) == 4


def test_agent_follows_advice(memory: AbstractionMemory, world: StrategyWorld) -> None:
    bot = agent(memory, world)
    assert isinstance(bot, Policy)
    request, vector = world.requests[0], np.zeros(12)
    first = bot.choose(request, vector, 0, explore=True)
    assert first.approach == 2
    assert first.handle is not None
    assert not first.explored
    # Approach 5 worked for this very request: the agent now copies it.
    forced = Choice(5, first.handle)
    response = world.approaches[5].respond(request, np.random.default_rng(0))
    bot.learn(request, vector, forced, response, 1.0)
    assert memory.count() == 1
    assert bot.stored() == 1
    assert bot.choose(request, vector, 1, explore=False).approach == 5


def test_agent_avoids_what_failed(memory: AbstractionMemory, world: StrategyWorld) -> None:
    bot = agent(memory, world)
    request, vector = world.requests[2], np.zeros(12)
    choice = bot.choose(request, vector, 0, explore=True)
    assert choice.approach == 2
    failed = world.approaches[2].respond(request, np.random.default_rng(0))
    bot.learn(request, vector, choice, failed, -1.0)
    assert all(bot.choose(request, vector, t, explore=False).approach != 2 for t in range(1, 6))


def test_exploration_is_seeded(tmp_path: Path, world: StrategyWorld) -> None:
    picks = []
    for run in range(2):
        with AbstractionMemory.open(tmp_path / f"m{run}", embedder=StyleEmbedder()) as mem:
            bot = agent(mem, world, epsilon=0.5)
            choices = [
                bot.choose(world.requests[0], np.zeros(12), t, explore=True) for t in range(20)
            ]
            picks.append([(c.approach, c.explored) for c in choices])
    assert picks[0] == picks[1]
    assert any(explored for _, explored in picks[0])


def test_agent_consolidates_every_n_interactions(
    memory: AbstractionMemory, world: StrategyWorld
) -> None:
    bot = MemoryAgent(memory, agent(memory, world).decoder, default=2, epsilon=0.0,
                      consolidate_every=2)  # fmt: skip
    request = world.requests[0]
    for t in range(5):
        choice = bot.choose(request, np.zeros(12), t, explore=True)
        bot.learn(request, np.zeros(12), choice, f"reply {t}", 1.0)
    assert bot.can_consolidate
    assert bot.consolidations_ == 2

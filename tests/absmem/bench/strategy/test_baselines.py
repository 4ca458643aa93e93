"""The baselines on hand-built vectors: no memory, recency buffer, vector memory, oracle."""

from __future__ import annotations

import numpy as np

from absmem.bench.strategy.agent import Choice, Policy
from absmem.bench.strategy.baselines import NoMemory, Oracle, RecencyBuffer, VectorMemory
from absmem.bench.strategy.world import StrategyWorld

X = np.array([1.0, 0.0], dtype=np.float32)
Y = np.array([0.0, 1.0], dtype=np.float32)


def test_no_memory_and_oracle(world: StrategyWorld) -> None:
    request = world.requests[0]
    none, oracle = NoMemory(3), Oracle(world)
    for policy in (none, oracle):
        assert isinstance(policy, Policy)
        assert policy.stored() == 0
    assert none.choose(request, X, 0, explore=True) == Choice(3)
    for t in (0, world.drift_t):
        assert oracle.choose(request, X, t, explore=False).approach == world.best(request, t)


def test_recency_copies_the_latest_similar_success(world: StrategyWorld) -> None:
    request = world.requests[0]
    buffer = RecencyBuffer(6, default=0, epsilon=0.0, size=2, threshold=0.5, seed=0)
    buffer.learn(request, X, Choice(4), "r", 1.0)
    buffer.learn(request, Y, Choice(5), "r", 1.0)
    assert buffer.choose(request, X, 2, explore=True).approach == 4
    buffer.learn(request, X, Choice(0), "r", -1.0)  # pushes the X success out of the buffer
    assert buffer.stored() == 2
    assert buffer.choose(request, X, 3, explore=True).approach not in {0}
    assert buffer.choose(request, -X, 3, explore=True).approach == 0  # nothing similar


def test_vector_memory_rates_approaches_among_neighbours(world: StrategyWorld) -> None:
    request = world.requests[0]
    memory = VectorMemory(6, default=0, epsilon=0.0, k=3, seed=0)
    assert memory.choose(request, X, 0, explore=True).approach == 0
    for approach, reward in ((1, 1.0), (1, -1.0), (2, 1.0)):
        memory.learn(request, X, Choice(approach), "r", reward)
    memory.learn(request, Y, Choice(3), "r", 1.0)
    assert memory.stored() == 4
    assert memory.choose(request, X, 4, explore=True).approach == 2
    many = VectorMemory(6, default=0, epsilon=0.0, k=3, seed=0)
    for _ in range(100):  # grows past its first allocation
        many.learn(request, X, Choice(0), "r", -1.0)
    assert many.stored() == 100
    assert many.choose(request, X, 5, explore=True).approach != 0


def test_exploration_is_seeded_and_marked(world: StrategyWorld) -> None:
    request = world.requests[0]

    def picks(seed: int) -> list[Choice]:
        policy = VectorMemory(6, 0, 0.5, 3, seed=seed)
        return [policy.choose(request, X, t, explore=True) for t in range(20)]

    assert picks(7) == picks(7)
    assert any(c.explored for c in picks(7))
    policy = RecencyBuffer(6, 0, epsilon=1.0, size=4, threshold=0.5, seed=1)
    choices = [policy.choose(request, X, t, explore=True) for t in range(10)]
    assert all(c.explored for c in choices)
    assert not policy.choose(request, X, 10, explore=False).explored

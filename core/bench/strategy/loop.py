"""The agent loop: every policy answers the same stream of requests, in lockstep.

At interaction ``t`` each policy chooses an approach for ``world.requests[t]``, answers with a
random template of it (each policy has its own seeded template generator), and learns from a
reward of +1 or -1. The reward is a Bernoulli draw of the world's success probability with a
uniform number shared by all policies at ``t`` (common random numbers: two policies that choose
equally get the same reward). At each checkpoint every policy is also scored, without learning
and without exploring, on held-out requests: the mean success probability of its choices.

Example:
    >>> import numpy as np
    >>> from absmem.bench.strategy.baselines import NoMemory, Oracle
    >>> from absmem.bench.strategy.loop import run_stream
    >>> from absmem.bench.strategy.world import Request, StrategyWorld
    >>> reqs = [Request(f"pin {i}", "pin", "pin_change", "banking", "how-to") for i in range(4)]
    >>> world = StrategyWorld.build(reqs, {"banking": ["pin_change"]}, seed=0)
    >>> vectors = np.eye(4, dtype=np.float32)
    >>> traces, held_out = run_stream(world, [NoMemory(0), Oracle(world)], vectors, seed=0,
    ...                               checkpoints=[0, 4], eval_requests=reqs[:2],
    ...                               eval_vectors=vectors[:2])
    >>> len(traces["oracle"].expected), [c["t"] for c in held_out]
    (4, [0, 4])
    >>> bool(traces["oracle"].expected.mean() >= traces["no memory"].expected.mean())
    True
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .agent import Policy
from .world import Request, World

__all__ = ["Trace", "evaluate", "run_stream"]

Progress = Callable[[str], None]


@dataclass
class Trace:
    """What one policy did over the stream.

    Attributes:
        approach: approach chosen at each interaction.
        expected: success probability of that choice (the expected reward, in [0, 1]).
        success: whether the reward was +1.
        explored: whether the choice was an exploration draw.
        stored: items the policy kept, at each checkpoint.
        seconds: time spent choosing and learning, in total.
    """

    approach: np.ndarray
    expected: np.ndarray
    success: np.ndarray
    explored: np.ndarray
    stored: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @classmethod
    def empty(cls, n: int) -> Trace:
        """A trace for ``n`` interactions, not yet filled."""
        return cls(
            np.zeros(n, dtype=np.int64),
            np.zeros(n, dtype=np.float64),
            np.zeros(n, dtype=bool),
            np.zeros(n, dtype=bool),
        )


def evaluate(
    world: World,
    policy: Policy,
    requests: Sequence[Request],
    vectors: np.ndarray,
    t: int,
) -> float:
    """Mean success probability at ``t`` of the policy's greedy choices on ``requests``."""
    if not requests:
        return float("nan")
    total = 0.0
    for request, vector in zip(requests, vectors, strict=True):
        choice = policy.choose(request, vector, t, explore=False)
        total += world.success_probability(request, choice.approach, t)
    return total / len(requests)


def run_stream(
    world: World,
    policies: Sequence[Policy],
    vectors: np.ndarray,
    *,
    seed: int,
    checkpoints: Sequence[int] = (),
    eval_requests: Sequence[Request] = (),
    eval_vectors: np.ndarray | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, Trace], list[dict[str, Any]]]:
    """Run every policy over ``world.requests`` (``vectors``: one row per request).

    Returns each policy's :class:`Trace` by name, and the held-out scores at each checkpoint
    (``{"t": t, "scores": {name: mean success probability}, "stored": {name: items}}``).
    """
    n = len(world.requests)
    coins = np.random.default_rng([seed, 13]).random(n)
    voices = [np.random.default_rng([seed, 11, i]) for i in range(len(policies))]
    traces = {p.name: Trace.empty(n) for p in policies}
    held_out: list[dict[str, Any]] = []
    marks = sorted(set(checkpoints))
    eval_rows = eval_vectors if eval_vectors is not None else np.zeros((0, vectors.shape[1]))
    for t in range(n + 1):
        if marks and t == marks[0]:
            marks.pop(0)
            held_out.append(_checkpoint(world, policies, eval_requests, eval_rows, t, traces))
            if progress is not None:
                scores = ", ".join(f"{k} {v:.3f}" for k, v in held_out[-1]["scores"].items())
                progress(f"  t={t}: held-out success probability: {scores}")
        if t == n:
            break
        request = world.requests[t]
        for policy, voice in zip(policies, voices, strict=True):
            _step(world, policy, voice, request, vectors[t], t, coins[t], traces[policy.name])
    return traces, held_out


def _step(
    world: World,
    policy: Policy,
    voice: np.random.Generator,
    request: Request,
    vector: np.ndarray,
    t: int,
    coin: float,
    trace: Trace,
) -> None:
    start = time.perf_counter()
    choice = policy.choose(request, vector, t, explore=True)
    p = world.success_probability(request, choice.approach, t)
    response = world.approaches[choice.approach].respond(request, voice)
    success = bool(coin < p)
    policy.learn(request, vector, choice, response, 1.0 if success else -1.0)
    trace.seconds += time.perf_counter() - start
    trace.approach[t] = choice.approach
    trace.expected[t] = p
    trace.success[t] = success
    trace.explored[t] = choice.explored


def _checkpoint(
    world: World,
    policies: Sequence[Policy],
    requests: Sequence[Request],
    vectors: np.ndarray,
    t: int,
    traces: dict[str, Trace],
) -> dict[str, Any]:
    scores, stored = {}, {}
    for policy in policies:
        scores[policy.name] = evaluate(world, policy, requests, vectors, t)
        stored[policy.name] = policy.stored()
        traces[policy.name].stored.append(stored[policy.name])
    return {"t": t, "scores": scores, "stored": stored}

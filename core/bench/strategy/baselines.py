"""Baselines of the strategy world, measured in the same run as the memory.

- :class:`NoMemory`: always the default approach (the floor of the normalised gain);
- :class:`RecencyBuffer`: the last ``size`` interactions; copies the approach of the most recent
  success among similar requests in the buffer (cosine at least ``threshold``);
- :class:`VectorMemory`: every past interaction with its outcome; copies the best-rated approach
  among the ``k`` most similar past requests;
- :class:`Oracle`: knows the hidden table, before and after the drift (the ceiling).

The learning baselines explore like the memory agent: with probability ``epsilon`` a uniform
random approach; without a positive example, the default unless their evidence says to avoid it
(then a random approach not avoided, :func:`~absmem.bench.strategy.agent.fallback`).

Example:
    >>> import numpy as np
    >>> from absmem.bench.strategy.agent import Choice
    >>> from absmem.bench.strategy.baselines import VectorMemory
    >>> from absmem.bench.strategy.world import Request
    >>> req = Request("reset my pin", "pin", "pin_change", "banking", "how-to")
    >>> memory = VectorMemory(n=3, default=0, epsilon=0.0, k=2, seed=0)
    >>> v = np.array([1.0, 0.0], dtype=np.float32)
    >>> memory.learn(req, v, memory.choose(req, v, 0, explore=True), "ok", -1.0)
    >>> memory.learn(req, v, Choice(2), "ok", 1.0)
    >>> memory.choose(req, v, 2, explore=True).approach, memory.stored()
    (2, 2)
"""

from __future__ import annotations

from collections import deque

import numpy as np

from .agent import Choice, fallback
from .world import Request, World

__all__ = ["NoMemory", "Oracle", "RecencyBuffer", "VectorMemory"]


class NoMemory:
    """Always answers with the default approach; stores nothing."""

    name = "no memory"

    def __init__(self, default: int) -> None:
        self.default = default

    def choose(self, request: Request, vector: np.ndarray, t: int, *, explore: bool) -> Choice:
        """The default approach."""
        return Choice(self.default)

    def learn(
        self, request: Request, vector: np.ndarray, choice: Choice, response: str, reward: float
    ) -> None:
        """Learns nothing."""

    def stored(self) -> int:
        """Nothing is stored."""
        return 0


class Oracle:
    """Takes the approach with the highest success probability in the hidden table at ``t``."""

    name = "oracle"

    def __init__(self, world: World) -> None:
        self.world = world

    def choose(self, request: Request, vector: np.ndarray, t: int, *, explore: bool) -> Choice:
        """The best approach at interaction ``t`` (the drifted table past the drift)."""
        n = len(self.world.approaches)
        p = [self.world.success_probability(request, a, t) for a in range(n)]
        return Choice(int(np.argmax(p)))

    def learn(
        self, request: Request, vector: np.ndarray, choice: Choice, response: str, reward: float
    ) -> None:
        """Needs no learning."""

    def stored(self) -> int:
        """Nothing is stored."""
        return 0


class _Explorer:
    """Shared parts of the learning baselines: seeded exploration and the fallback."""

    def __init__(self, n: int, default: int, epsilon: float, seed: int) -> None:
        self.n = n
        self.default = default
        self.epsilon = epsilon
        self.seed = seed
        self.rng_ = np.random.default_rng(seed)

    def _explore(self, explore: bool) -> Choice | None:
        if explore and self.rng_.random() < self.epsilon:
            return Choice(int(self.rng_.integers(self.n)), explored=True)
        return None


class RecencyBuffer(_Explorer):
    """The last ``size`` interactions; copies the most recent success among similar requests.

    Args:
        n: number of approaches.
        default: approach taken without a similar success in the buffer.
        epsilon: exploration rate while learning.
        size: interactions kept.
        threshold: cosine at which a buffered request counts as similar.
        seed: seed of the random generator.
    """

    name = "recency buffer"

    def __init__(
        self, n: int, default: int, epsilon: float, size: int, threshold: float, seed: int
    ) -> None:
        super().__init__(n, default, epsilon, seed)
        self.size = size
        self.threshold = threshold
        self.buffer_: deque[tuple[np.ndarray, int, float]] = deque(maxlen=size)

    def choose(self, request: Request, vector: np.ndarray, t: int, *, explore: bool) -> Choice:
        """Explore, else the most recent similar success, else the fallback."""
        explored = self._explore(explore)
        if explored is not None:
            return explored
        avoided: set[int] = set()
        for past, approach, reward in reversed(self.buffer_):
            if float(past @ vector) < self.threshold:
                continue
            if reward > 0:
                return Choice(approach)
            avoided.add(approach)
        return Choice(fallback(self.default, avoided, self.n, self.rng_))

    def learn(
        self, request: Request, vector: np.ndarray, choice: Choice, response: str, reward: float
    ) -> None:
        """Append the interaction (the oldest one leaves a full buffer)."""
        self.buffer_.append((vector, choice.approach, reward))

    def stored(self) -> int:
        """Interactions in the buffer."""
        return len(self.buffer_)


class VectorMemory(_Explorer):
    """Every past interaction; copies the best-rated approach among the ``k`` most similar.

    An approach's rating is its mean reward among the ``k`` nearest past requests; the best one
    is copied when its rating is positive. Otherwise approaches rated negative are avoided.

    Args:
        n: number of approaches.
        default: approach taken without a positive rating.
        epsilon: exploration rate while learning.
        k: nearest past requests consulted.
        seed: seed of the random generator.
    """

    name = "vector memory"

    def __init__(self, n: int, default: int, epsilon: float, k: int, seed: int) -> None:
        super().__init__(n, default, epsilon, seed)
        self.k = k
        self.approaches_: list[int] = []
        self.rewards_: list[float] = []
        self._matrix = np.zeros((0, 0), dtype=np.float32)

    def choose(self, request: Request, vector: np.ndarray, t: int, *, explore: bool) -> Choice:
        """Explore, else the best-rated approach among the nearest, else the fallback."""
        explored = self._explore(explore)
        if explored is not None:
            return explored
        if not self.rewards_:
            return Choice(self.default)
        sims = self._matrix[: len(self.rewards_)] @ vector
        nearest = np.argsort(-sims, kind="stable")[: self.k]
        total = np.zeros(self.n)
        count = np.zeros(self.n)
        for i in nearest:
            total[self.approaches_[i]] += self.rewards_[i]
            count[self.approaches_[i]] += 1
        rating = np.where(count > 0, total / np.maximum(count, 1), 0.0)
        best = int(np.argmax(np.where(count > 0, rating, -np.inf)))
        if rating[best] > 0:
            return Choice(best)
        avoided = {a for a in range(self.n) if count[a] > 0 and rating[a] < 0}
        return Choice(fallback(self.default, avoided, self.n, self.rng_))

    def learn(
        self, request: Request, vector: np.ndarray, choice: Choice, response: str, reward: float
    ) -> None:
        """Store the request's vector with the approach taken and its reward."""
        size = len(self.rewards_)
        if size == len(self._matrix):
            grown = np.zeros((max(64, 2 * size), len(vector)), dtype=np.float32)
            if size:
                grown[:size] = self._matrix[:size]
            self._matrix = grown
        self._matrix[size] = vector
        self.approaches_.append(choice.approach)
        self.rewards_.append(reward)

    def stored(self) -> int:
        """Past interactions stored."""
        return len(self.rewards_)

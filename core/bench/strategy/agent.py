"""The agent that answers requests with what the memory advises, and the policy protocol.

For each request :class:`MemoryAgent` calls ``recall``, reads the top item that carries
``advice``, and takes the approach whose templates are nearest to that advice text (cosine
similarity to each approach's template centroid, see :class:`ApproachDecoder`). Without advice it
takes its default approach, unless a recalled item says to ``avoid`` it; then it picks at random
among the approaches no item warned against. With probability ``epsilon`` it explores (a uniform
random approach), like the vector-memory baseline. It answers from a random template of the chosen
approach, calls ``remember`` with the recall's id, then ``feedback`` on the recall with the reward.

Every policy of the benchmark (this agent and the baselines) follows :class:`Policy`.

Example:
    >>> import numpy as np
    >>> from absmem.bench.strategy.agent import fallback
    >>> fallback(2, avoided={2}, n=4, rng=np.random.default_rng(0)) in {0, 1, 3}
    True
    >>> fallback(2, avoided=set(), n=4, rng=np.random.default_rng(0))
    2
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ...embed import Embedder, Vectors, normalise
from ...memory import AbstractionMemory
from .world import Approach, Request

__all__ = ["ApproachDecoder", "Choice", "MemoEmbedder", "MemoryAgent", "Policy", "fallback"]


@dataclass(frozen=True)
class Choice:
    """An approach chosen for a request, and what the policy needs to learn from its reward."""

    approach: int
    handle: str | None = None
    explored: bool = False


@runtime_checkable
class Policy(Protocol):
    """A system under test: chooses an approach per request and learns from the reward."""

    name: str

    def choose(self, request: Request, vector: np.ndarray, t: int, *, explore: bool) -> Choice:
        """The approach for ``request`` (``explore=False``: greedy, for held-out evaluation)."""
        ...

    def learn(
        self, request: Request, vector: np.ndarray, choice: Choice, response: str, reward: float
    ) -> None:
        """Take the response given and its reward (+1 or -1) into account."""
        ...

    def stored(self) -> int:
        """Items the policy keeps (memory nodes, buffer entries)."""
        ...


def fallback(default: int, avoided: set[int], n: int, rng: np.random.Generator) -> int:
    """``default`` unless it is avoided; then a random approach not avoided (any, if all are)."""
    if default not in avoided:
        return default
    allowed = [a for a in range(n) if a not in avoided] or list(range(n))
    return allowed[int(rng.integers(len(allowed)))]


class MemoEmbedder:
    """An embedder that remembers every vector it computed, and can be given known ones.

    The memory under test embeds each new response once; the agent then reads the same vector
    back when that response comes up as advice, without calling the model again.

    Args:
        model: the real embedder, called for texts not yet known.
    """

    def __init__(self, model: Embedder) -> None:
        self.model = model
        self.name = model.name
        self.dim = model.dim
        self._known: dict[str, np.ndarray] = {}
        self.computed = 0

    def add(self, texts: Sequence[str], vectors: Vectors) -> None:
        """Make ``texts`` known with their rows of ``vectors``."""
        rows = normalise(vectors)
        for text, row in zip(texts, rows, strict=True):
            self._known[text] = row

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Known texts from the table, the others from the model in one batch (then kept)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._known))
        if missing:
            self.add(missing, self.model.embed(missing))
            self.computed += len(missing)
        return normalise(np.stack([self._known[t] for t in texts]).reshape(len(texts), self.dim))


class ApproachDecoder:
    """Reads which approach a response text belongs to: nearest template centroid by cosine.

    Args:
        embedder: embeds the texts to decode (and, in :meth:`fit`, the filled templates).
        approaches: the world's approaches.
    """

    def __init__(self, embedder: Embedder, approaches: Sequence[Approach]) -> None:
        self.embedder = embedder
        self.approaches = approaches
        self.centroids_ = np.zeros((len(approaches), embedder.dim), dtype=np.float32)

    def fit(self, topics: Sequence[str]) -> ApproachDecoder:
        """Each approach's centroid: the mean vector of its templates filled with ``topics``."""
        for i, approach in enumerate(self.approaches):
            texts = [t.format(topic=topic) for t in approach.templates for topic in topics]
            self.centroids_[i] = normalise(self.embedder.embed(texts).mean(axis=0, keepdims=True))[
                0
            ]
        return self

    def decode(self, text: str) -> int:
        """The approach whose centroid is nearest to ``text``."""
        return int(np.argmax(self.centroids_ @ self.embedder.embed([text])[0]))

    def accuracy(self, topics: Sequence[str]) -> float:
        """Share of templates filled with ``topics`` decoded as their own approach."""
        right = total = 0
        for i, approach in enumerate(self.approaches):
            texts = _filled(approach, topics)
            guesses = np.argmax(self.embedder.embed(texts) @ self.centroids_.T, axis=1)
            right += int((guesses == i).sum())
            total += len(texts)
        return right / total if total else 0.0


def _filled(approach: Approach, topics: Sequence[str]) -> list[str]:
    return [t.format(topic=topic) for t in approach.templates for topic in topics]


class MemoryAgent:
    """The agent on :class:`~absmem.memory.AbstractionMemory` (see the module docstring).

    Args:
        memory: the memory, empty at the start.
        decoder: maps advice texts to approaches (fitted).
        default: approach taken when no item carries advice.
        epsilon: exploration rate while learning.
        k: items recalled per request.
        seed: seed of the agent's random generator.
        consolidate_every: interactions between ``consolidate()`` calls, when the memory has it.
        name: the system's name in the reports.
    """

    name = "absmem"

    def __init__(
        self,
        memory: AbstractionMemory,
        decoder: ApproachDecoder,
        *,
        default: int,
        epsilon: float,
        k: int = 5,
        seed: int = 0,
        consolidate_every: int = 500,
        name: str = "absmem",
    ) -> None:
        self.name = name
        self.memory = memory
        self.decoder = decoder
        self.default = default
        self.epsilon = epsilon
        self.k = k
        self.seed = seed
        self.consolidate_every = consolidate_every
        self.rng_ = np.random.default_rng(seed)
        self.seen_ = 0
        self.consolidations_ = 0
        self.followed_advice_ = 0

    @property
    def can_consolidate(self) -> bool:
        """Whether the memory offers ``consolidate()`` (issue 4)."""
        return callable(getattr(self.memory, "consolidate", None))

    def choose(self, request: Request, vector: np.ndarray, t: int, *, explore: bool) -> Choice:
        """Recall, follow the top advice (or the default unless avoided); explore if asked."""
        recall = self.memory.recall(request.text, k=self.k)
        n = len(self.decoder.approaches)
        if explore and self.rng_.random() < self.epsilon:
            return Choice(int(self.rng_.integers(n)), recall.id, explored=True)
        for item in recall.items:
            if item.advice is not None:
                if explore:
                    self.followed_advice_ += 1
                return Choice(self.decoder.decode(item.advice), recall.id)
        avoided = {self.decoder.decode(i.avoid) for i in recall.items if i.avoid is not None}
        return Choice(fallback(self.default, avoided, n, self.rng_), recall.id)

    def learn(
        self, request: Request, vector: np.ndarray, choice: Choice, response: str, reward: float
    ) -> None:
        """Remember the interaction with its recall id, rate the recall, consolidate every N."""
        self.memory.remember(request.text, response, recall_id=choice.handle)
        if choice.handle is not None:
            self.memory.feedback(choice.handle, reward)
        self.seen_ += 1
        consolidate = getattr(self.memory, "consolidate", None)
        if callable(consolidate) and self.seen_ % self.consolidate_every == 0:
            consolidate()
            self.consolidations_ += 1

    def stored(self) -> int:
        """Experiences in the memory that still hold their text (not compacted)."""
        return self.memory.count(episodes=True)

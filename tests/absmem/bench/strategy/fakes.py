"""Hand-built pieces of the strategy tests: intents, requests, an embedder that knows styles."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from absmem.bench.strategy.world import Request, default_approaches, topic_of
from absmem.embed import Vectors, normalise

INTENTS = {"banking": ["pin_change", "balance"], "misc": ["weather", "report_lost_card"]}


class StyleEmbedder:
    """12-dim: a response's approach one-hot (6 dims) plus hash noise; other texts hash only."""

    name = "test-style"
    dim = 12

    def __init__(self) -> None:
        self.style: dict[str, int] = {}
        topics = [topic_of(i) for group in INTENTS.values() for i in group]
        for a, approach in enumerate(default_approaches()):
            for template in approach.templates:
                for topic in topics:
                    self.style[template.format(topic=topic)] = a
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            row = np.random.default_rng(seed).standard_normal(self.dim) * 0.1
            if text in self.style:
                row[self.style[text]] += 1.0
            else:
                row[6:] += np.random.default_rng(seed + 1).standard_normal(6)
            rows.append(row)
        return normalise(np.array(rows, dtype=np.float32).reshape(len(texts), self.dim))


def requests(n: int = 8) -> list[Request]:
    """``n`` requests cycling over the four intents."""
    flat = [(d, i) for d, group in INTENTS.items() for i in group]
    return [
        Request(f"{flat[t % 4][1]} question {t}", topic_of(flat[t % 4][1]), flat[t % 4][1],
                flat[t % 4][0], "lookup")
        for t in range(n)
    ]  # fmt: skip

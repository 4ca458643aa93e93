"""``StrategyParams``: what one run of the strategy world does.

Example:
    >>> from absmem.bench.strategy.params import StrategyParams
    >>> StrategyParams.quick().interactions, StrategyParams().interactions
    (500, 4000)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StrategyParams"]


@dataclass(frozen=True)
class StrategyParams:
    """What one run of the strategy world does; the defaults are the full run.

    Attributes:
        interactions: requests in the stream.
        drift_at: share of the stream after which three domains change their preference.
        eval_size: held-out test utterances scored at each checkpoint.
        checkpoints: held-out evaluations after the start (evenly spaced, the last at the end).
        window: interactions in the rolling windows of the curves.
        recovery_window: drifted-domain interactions in the recovery window.
        epsilon: exploration rate of every learning system.
        k: items the agent recalls per request.
        default_approach: the approach taken without memory.
        recency_size: interactions kept by the recency buffer.
        recency_threshold: cosine at which the recency buffer counts a request as similar.
        vector_k: neighbours consulted by the vector-memory baseline.
        consolidate_every: interactions between ``consolidate()`` calls (when it exists).
        forgetting_budget: full episodes the forgetting variant keeps, as a share of the
            stream (its ``episode_budget``).
        variants: also run absmem without the learned policy, with an epsilon-greedy policy
            and with forgetting (``False``: the default absmem alone, for smoke runs).
        seed: seeds the stream, the hidden table, exploration and the reward draws.
        tag: suffix of the figure names (``"-quick"`` for the smoke run).
    """

    interactions: int = 4000
    drift_at: float = 0.6
    eval_size: int = 300
    checkpoints: int = 8
    window: int = 200
    recovery_window: int = 60
    epsilon: float = 0.1
    k: int = 5
    default_approach: str = "direct"
    recency_size: int = 200
    recency_threshold: float = 0.5
    vector_k: int = 10
    consolidate_every: int = 500
    forgetting_budget: float = 0.2
    variants: bool = True
    seed: int = 0
    tag: str = ""

    @classmethod
    def quick(cls) -> StrategyParams:
        """The smoke run: 500 interactions, 150 held-out utterances, 4 checkpoints."""
        return cls(
            interactions=500, eval_size=150, checkpoints=4, window=60, recovery_window=20,
            tag="-quick",
        )  # fmt: skip

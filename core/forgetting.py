"""Graceful forgetting: absorbed episodes lose their text; lessons that never pay retire.

An experience is *absorbed* once it is a member of an abstraction: its outcome then lives on
in the abstraction's approach statistics. After a consolidation, absorbed episodes older than
``episode_ttl`` seconds, and the oldest absorbed ones past ``episode_budget`` full episodes per
namespace, are compacted: their context, response and metadata are erased from the store and
they leave the candidate index, while their vectors, statistics and edges stay in the graph.
A lesson served with at least ``retire_after`` usage weight whose usage posterior stays below
``retire_below`` is retired (kept in the store, no longer served). Erasure of a user
(``forget(user_id=...)``) is another matter: it deletes, and recomputes every abstraction the
user contributed to (see :mod:`absmem.engine`).

Example:
    >>> import numpy as np
    >>> from absmem.forgetting import ForgettingConfig, select_compaction
    >>> created = np.array([0.0, 10.0, 20.0, 30.0])
    >>> absorbed = np.array([True, True, False, True])
    >>> select_compaction(created, absorbed, np.zeros(4, bool), ForgettingConfig(episode_budget=2),
    ...                   now=40.0).tolist()
    [0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .types import Outcome

__all__ = ["ForgettingConfig", "retired", "select_compaction"]


@dataclass(frozen=True)
class ForgettingConfig:
    """When absorbed episodes lose their text and when lessons retire.

    Attributes:
        episode_ttl: seconds after which an absorbed episode is compacted (``None``: never).
        episode_budget: most full episodes kept per namespace (``None``: no budget); the oldest
            absorbed ones are compacted first, episodes no abstraction holds are never touched.
        retire_after: usage weight a lesson must have before it can retire.
        retire_below: usage posterior mean under which a lesson retires.
    """

    episode_ttl: float | None = None
    episode_budget: int | None = None
    retire_after: float = 20.0
    retire_below: float = 0.3


def select_compaction(
    created_at: np.ndarray,
    absorbed: np.ndarray,
    compacted: np.ndarray,
    config: ForgettingConfig,
    now: float,
) -> np.ndarray:
    """Rows of the episodes to compact now, oldest first."""
    candidates = np.flatnonzero(absorbed & ~compacted)
    chosen = np.zeros(len(created_at), dtype=bool)
    if config.episode_ttl is not None:
        chosen[candidates[now - created_at[candidates] >= config.episode_ttl]] = True
    if config.episode_budget is not None:
        full = int((~compacted).sum()) - int(chosen.sum())
        excess = full - config.episode_budget
        if excess > 0:
            rest = candidates[~chosen[candidates]]
            oldest = rest[np.argsort(created_at[rest], kind="stable")][:excess]
            chosen[oldest] = True
    rows = np.flatnonzero(chosen)
    return rows[np.argsort(created_at[rows], kind="stable")]


def retired(usage: Outcome, config: ForgettingConfig) -> bool:
    """Whether a lesson with this usage posterior has shown it does not pay."""
    return usage.n >= config.retire_after and usage.mean < config.retire_below

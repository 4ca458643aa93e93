"""The consolidation pipeline: train the GNN, learn abstractions, plan forgetting.

:func:`plan` is pure computation on a :class:`~absmem.store.GraphSnapshot` (no store access),
so the engine runs it off its worker thread while ``recall`` and ``remember`` keep serving the
previous state; the engine then writes the plan in one transaction and swaps the state.

Example:
    >>> from absmem.consolidate import ConsolidateConfig
    >>> ConsolidateConfig().max_train_nodes
    20000
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from torch_geometric.data import HeteroData

from .abstraction import AbstractionConfig, Learned, learn
from .forgetting import ForgettingConfig, select_compaction
from .gnn import ExperienceGNN, GNNConfig
from .gnn_train import TrainResult, encode, neighbour_table, train
from .graph import EXPERIENCE, neighbourhood, to_hetero
from .lessons import LessonWriter
from .store.base import GraphSnapshot
from .types import EdgeType

__all__ = ["ConsolidateConfig", "Plan", "plan"]


@dataclass(frozen=True)
class ConsolidateConfig:
    """What a consolidation does.

    Attributes:
        gnn: the GNN and its training.
        abstraction: how abstractions are learned.
        forgetting: compaction of absorbed episodes and retirement of lessons.
        min_train: fewest rated experiences before the GNN is trained.
        max_train_nodes: past this many experiences, training runs on sampled neighbourhoods
            (seed experiences and their neighbours) of about this size; encoding always covers
            the whole graph.
        same_approach_k: ``same_approach`` edges per experience.
    """

    gnn: GNNConfig = field(default_factory=GNNConfig)
    abstraction: AbstractionConfig = field(default_factory=AbstractionConfig)
    forgetting: ForgettingConfig = field(default_factory=ForgettingConfig)
    min_train: int = 20
    max_train_nodes: int = 20000
    same_approach_k: int = 5


@dataclass
class Plan:
    """What a consolidation will write: abstractions, model, embeddings, episodes to compact."""

    learned: Learned
    trained: TrainResult | None
    compact: list[str]
    seconds: dict[str, float]


def _table(data: HeteroData, k: int) -> tuple[np.ndarray, np.ndarray]:
    store = data[EXPERIENCE, EdgeType.SIMILAR.value, EXPERIENCE]
    edges = {EdgeType.SIMILAR.value: (store.edge_index[0].numpy(), store.edge_index[1].numpy(),
                                      store.edge_weight.numpy())}  # fmt: skip
    return neighbour_table(data[EXPERIENCE].num_nodes, edges, k)


def _train(
    data: HeteroData, config: ConsolidateConfig, previous: ExperienceGNN | None
) -> TrainResult:
    n = data[EXPERIENCE].num_nodes
    k = config.gnn.neighbours
    fit = data
    if n > config.max_train_nodes:
        rng = np.random.default_rng(config.gnn.seed)
        seeds = rng.choice(n, size=max(1, config.max_train_nodes // 8), replace=False)
        fit = neighbourhood(data, seeds.tolist(), hops=1)
    result = train(fit, _table(fit, k), config.gnn, previous)
    if fit is not data:
        metrics = dict(result.metrics, trained_on=fit[EXPERIENCE].num_nodes)
        result = encode(result.model, data, _table(data, k))
        result.metrics = metrics
    return result


def plan(
    snap: GraphSnapshot,
    previous: ExperienceGNN | None,
    writer: LessonWriter,
    config: ConsolidateConfig,
    now: float | None = None,
) -> Plan:
    """Train (or fine-tune) the GNN on the snapshot, learn abstractions, choose compactions."""
    now = time.time() if now is None else now
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    data = to_hetero(snap, same_approach_k=config.same_approach_k, now=now)
    seconds["extract"] = time.perf_counter() - start
    trained = None
    rated = int((snap.outcome[:, 2] > 0).sum()) if len(snap) else 0
    if rated >= config.min_train:
        if previous is not None and previous.dim != snap.contexts.shape[1]:
            previous = None
        trained = _train(data, config, previous)
    seconds["train"] = time.perf_counter() - start - seconds["extract"]
    mark = time.perf_counter()
    situations = trained.situations if trained is not None else None
    learned = learn(snap, situations, writer, config.abstraction)
    seconds["abstract"] = time.perf_counter() - mark
    absorbed = np.zeros(len(snap), dtype=bool)
    row_of = {node: i for i, node in enumerate(snap.ids)}
    for m in learned.memberships:
        absorbed[row_of[m.experience_id]] = True
    rows = select_compaction(snap.created_at, absorbed, snap.compacted, config.forgetting, now)
    return Plan(learned, trained, [snap.ids[r] for r in rows.tolist()],
                {k: round(v, 3) for k, v in seconds.items()})  # fmt: skip

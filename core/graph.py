"""The experience graph: edges made at insert, and extraction into PyG ``HeteroData``.

At insert, a new experience gets ``similar`` edges to its nearest stored contexts, a ``next``
edge from the previous experience of its session (and a ``led_to`` edge when it followed within
the session's reply window: the user turn that response provoked), and ``informed_by`` edges to
the memory items recalled for it. ``member_of`` edges (with the approach used) live in the
store's memberships; ``refines`` is an abstraction's parent; ``same_approach`` edges are derived
from the stored response vectors when the graph is extracted (a pure function of stored data,
so they are not stored twice).

Example:
    >>> from absmem.graph import insert_edges
    >>> [(e.src, e.type, e.dst) for e in insert_edges("e3", [("e1", 0.9)], "e2", ["e1"])]
    [('e3', 'similar', 'e1'), ('e2', 'next', 'e3'), ('e3', 'informed_by', 'e1')]
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import faiss
import numpy as np
import torch
from torch_geometric.data import HeteroData

from .store.base import EdgeRow, GraphSnapshot
from .types import EdgeType

__all__ = [
    "ABSTRACTION",
    "EXPERIENCE",
    "EXPERIENCE_RELATIONS",
    "abstraction_features",
    "experience_features",
    "insert_edges",
    "neighbourhood",
    "same_approach_edges",
    "to_hetero",
]

EXPERIENCE = "experience"
"""Node type of interactions."""
ABSTRACTION = "abstraction"
"""Node type of learned abstractions."""

_DAY = 86400.0

EXPERIENCE_RELATIONS = (
    EdgeType.SIMILAR.value,
    EdgeType.NEXT.value,
    EdgeType.LED_TO.value,
    EdgeType.INFORMED_BY.value,
    EdgeType.SAME_APPROACH.value,
)
"""Relations between experiences, each present (maybe empty) in every extracted graph."""


def insert_edges(
    experience_id: str,
    similar: Sequence[tuple[str, float]],
    previous_id: str | None,
    recalled_ids: Sequence[str],
    *,
    led_to: bool = False,
) -> list[EdgeRow]:
    """The edges a new experience brings into the graph.

    Args:
        experience_id: the new experience.
        similar: ``(id, cosine similarity)`` of its nearest stored contexts.
        previous_id: the previous experience of the same session, if any.
        recalled_ids: items recalled to inform its response (the ``recall_id`` it came with).
        led_to: the new turn is the user's reply to ``previous_id``'s response.
    """
    edges = [
        EdgeRow(experience_id, other, EdgeType.SIMILAR.value, float(sim))
        for other, sim in similar
        if other != experience_id
    ]
    if previous_id is not None:
        edges.append(EdgeRow(previous_id, experience_id, EdgeType.NEXT.value, 1.0))
        if led_to:
            edges.append(EdgeRow(previous_id, experience_id, EdgeType.LED_TO.value, 1.0))
    edges += [
        EdgeRow(experience_id, item, EdgeType.INFORMED_BY.value, 1.0) for item in recalled_ids
    ]
    return edges


def _outcome_columns(stats: np.ndarray) -> np.ndarray:
    """``[mean - 0.5, log1p(n) / 3]`` of ``(alpha, beta, n)`` rows."""
    alpha, beta, n = stats[:, 0], stats[:, 1], stats[:, 2]
    return np.stack([alpha / (alpha + beta) - 0.5, np.log1p(n) / 3.0], axis=1)


def experience_features(
    contexts: np.ndarray,
    responses: np.ndarray,
    outcome: np.ndarray,
    usage: np.ndarray,
    created_at: np.ndarray,
    now: float,
) -> np.ndarray:
    """Node features: context and response vectors, outcome and usage statistics, recency.

    Shapes: ``(n, 2 * dim + 5)``; an unrated node's statistics columns are 0.
    """
    n = len(contexts)
    age = np.exp(-np.maximum(now - created_at, 0.0) / (30.0 * _DAY)).reshape(n, 1)
    stats = np.concatenate([_outcome_columns(outcome), _outcome_columns(usage), age], axis=1)
    return np.concatenate([contexts, responses, stats], axis=1).astype(np.float32)


def abstraction_features(snapshot: GraphSnapshot, dim: int) -> np.ndarray:
    """Node features of abstractions: prototype, mean response, level, support (``2 * dim + 2``)."""
    rows = [
        np.concatenate([a.vectors[0], a.vectors[1], [float(a.level), math.log1p(a.support) / 3]])
        for a in snapshot.abstractions
    ]
    if not rows:
        return np.zeros((0, 2 * dim + 2), dtype=np.float32)
    return np.stack(rows).astype(np.float32)


def same_approach_edges(responses: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(src, dst)`` rows of each experience's ``k`` nearest responses (itself excluded)."""
    n = len(responses)
    if n < 2 or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    vectors = np.ascontiguousarray(responses, dtype=np.float32)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    _, found = index.search(vectors, min(k + 1, n))
    src = np.repeat(np.arange(n), found.shape[1])
    dst = found.ravel()
    valid = ((dst >= 0) & (dst != src)).reshape(n, -1)
    keep = valid & (np.cumsum(valid, axis=1) <= k)  # identical responses may rank self late
    return src[keep.ravel()].astype(np.int64), dst[keep.ravel()].astype(np.int64)


def _pair(src: np.ndarray, dst: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.stack([src, dst]).astype(np.int64))


def to_hetero(
    snapshot: GraphSnapshot, *, same_approach_k: int = 5, now: float | None = None
) -> HeteroData:
    """The snapshot as a ``HeteroData`` for message passing.

    Node types ``experience`` and ``abstraction``; every relation also gets its reverse
    (``rev_<type>``) so that messages flow both ways. ``data[EXPERIENCE].y`` holds each
    experience's observed success fraction and ``.weight`` its feedback weight (0: unrated).

    Example:
        >>> from absmem.graph import to_hetero
        >>> from absmem.store.base import GraphSnapshot
        >>> import numpy as np
        >>> empty = GraphSnapshot("ns", np.zeros(0, np.int64), [], np.zeros((0, 4), np.float32),
        ...     np.zeros((0, 4), np.float32), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0),
        ...     [], [], np.zeros(0, bool), {}, [], [], [])
        >>> to_hetero(empty)["experience"].num_nodes
        0
    """
    now = time.time() if now is None else now
    dim = snapshot.contexts.shape[1] if len(snapshot) else 0
    data = HeteroData()
    exp = data[EXPERIENCE]
    exp.x = torch.from_numpy(
        experience_features(snapshot.contexts, snapshot.responses, snapshot.outcome,
                            snapshot.usage, snapshot.created_at, now)
        if len(snapshot) else np.zeros((0, 5), dtype=np.float32)
    )  # fmt: skip
    n_out = snapshot.outcome[:, 2] if len(snapshot) else np.zeros(0)
    success = (snapshot.outcome[:, 0] - 1.0) / np.maximum(n_out, 1e-9) if len(snapshot) else n_out
    exp.y = torch.from_numpy(np.where(n_out > 0, success, 0.5).astype(np.float32))
    exp.weight = torch.from_numpy(n_out.astype(np.float32))
    exp.num_nodes = len(snapshot)
    data[ABSTRACTION].x = torch.from_numpy(abstraction_features(snapshot, dim))
    data[ABSTRACTION].num_nodes = len(snapshot.abstractions)
    empty = np.zeros(0, dtype=np.int64)
    relations = {kind: snapshot.edges.get(kind, (empty, empty, empty)) for kind in
                 EXPERIENCE_RELATIONS}  # fmt: skip
    src, dst = same_approach_edges(snapshot.responses, same_approach_k)
    relations[EdgeType.SAME_APPROACH.value] = (src, dst, np.ones(len(src), dtype=np.float32))
    for kind, (s, d, w) in relations.items():
        data[EXPERIENCE, kind, EXPERIENCE].edge_index = _pair(s, d)
        data[EXPERIENCE, kind, EXPERIENCE].edge_weight = torch.from_numpy(w.astype(np.float32))
        data[EXPERIENCE, f"rev_{kind}", EXPERIENCE].edge_index = _pair(d, s)
    _abstraction_relations(data, snapshot)
    return data


def _abstraction_relations(data: HeteroData, snapshot: GraphSnapshot) -> None:
    row_of = {node: i for i, node in enumerate(snapshot.ids)}
    abs_of = {a.id: i for i, a in enumerate(snapshot.abstractions)}
    member = [(row_of[m.experience_id], abs_of[m.abstraction_id]) for m in snapshot.memberships
              if m.experience_id in row_of and m.abstraction_id in abs_of]  # fmt: skip
    informed = [(row, abs_of[a]) for row, a in snapshot.informed_by_lessons if a in abs_of]
    refines = [(abs_of[a.id], abs_of[a.parent_id]) for a in snapshot.abstractions
               if a.parent_id is not None and a.parent_id in abs_of]  # fmt: skip
    for kind, pairs, types in (
        (EdgeType.MEMBER_OF.value, member, (EXPERIENCE, ABSTRACTION)),
        (EdgeType.INFORMED_BY.value, informed, (EXPERIENCE, ABSTRACTION)),
        (EdgeType.REFINES.value, refines, (ABSTRACTION, ABSTRACTION)),
    ):
        s = np.array([p[0] for p in pairs], dtype=np.int64)
        d = np.array([p[1] for p in pairs], dtype=np.int64)
        data[types[0], kind, types[1]].edge_index = _pair(s, d)
        data[types[1], f"rev_{kind}", types[0]].edge_index = _pair(d, s)


def neighbourhood(data: HeteroData, seeds: Sequence[int], hops: int = 2) -> HeteroData:
    """The sub-graph of the experiences within ``hops`` of ``seeds`` (and their abstractions).

    Node ids are renumbered; ``data[EXPERIENCE].n_id`` maps them back to the full graph.
    """
    n = data[EXPERIENCE].num_nodes
    keep = np.zeros(n, dtype=bool)
    keep[np.asarray(seeds, dtype=np.int64)] = True
    frontier = keep.copy()
    for _ in range(hops):
        reached = np.zeros(n, dtype=bool)
        for (src_type, _, dst_type), index in data.edge_index_dict.items():
            if src_type == dst_type == EXPERIENCE and index.numel():
                s, d = index.numpy()
                reached[d[frontier[s]]] = True
        frontier = reached & ~keep
        keep |= reached
    nodes = {EXPERIENCE: torch.from_numpy(np.flatnonzero(keep))}
    member = data[EXPERIENCE, EdgeType.MEMBER_OF.value, ABSTRACTION].edge_index.numpy()
    abstractions = np.unique(member[1][keep[member[0]]]) if member.size else np.zeros(0, int)
    nodes[ABSTRACTION] = torch.from_numpy(abstractions.astype(np.int64))
    sub = data.subgraph(nodes)
    sub[EXPERIENCE].n_id = nodes[EXPERIENCE]
    sub[ABSTRACTION].n_id = nodes[ABSTRACTION]
    return sub

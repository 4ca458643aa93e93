"""Training the experience GNN: masked-reward prediction and held-out edge prediction.

Each epoch masks the outcome statistics of a random share of rated experiences, runs the GNN
over the whole graph (full batch), encodes each masked experience's situation from its
``similar`` neighbours and predicts the reward its response received (weighted binary cross
entropy on the observed success fraction). Beside it, a link loss scores the embeddings of
connected experiences above random pairs. A fixed share of rated experiences and of
``similar``/``led_to`` edges is held out of training for the reported metrics (ROC AUC).

Example:
    >>> import numpy as np
    >>> from absmem.gnn_train import neighbour_table
    >>> edges = {"similar": (np.array([1, 2]), np.array([0, 0]), np.array([0.9, 0.5]))}
    >>> idx, sim = neighbour_table(3, edges, k=2)
    >>> idx.tolist()
    [[1, 2], [0, -1], [0, -1]]
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional
from torch_geometric.data import HeteroData

from .gnn import ExperienceGNN, GNNConfig
from .graph import ABSTRACTION, EXPERIENCE
from .types import EdgeType

__all__ = ["TrainResult", "auc", "encode", "neighbour_table", "train"]

logger = logging.getLogger(__name__)

_THREADS = threading.Lock()
"""Serialises trainings, so that each restores the thread count it found."""

_STATS = slice(-5, -1)  # outcome and usage columns of the experience features (not recency)


@dataclass
class TrainResult:
    """A trained model, its metrics, and the embeddings of the graph it was trained on.

    Attributes:
        model: the trained GNN (in eval mode).
        metrics: losses, held-out reward and edge ROC AUC, epochs, seconds.
        embeddings: ``(n, hidden)`` experience embeddings (what each interaction teaches).
        situations: ``(n, hidden)`` situation encodings of the experiences' contexts.
        abstractions: ``(m, hidden)`` abstraction-node embeddings.
    """

    model: ExperienceGNN
    metrics: dict[str, Any]
    embeddings: np.ndarray
    situations: np.ndarray
    abstractions: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))


def neighbour_table(
    n: int, edges: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each experience's ``k`` most similar neighbours over ``similar`` edges (both ways).

    Returns ``(rows, similarity)`` of shape ``(n, k)``; an empty slot is ``-1`` / ``-inf``.
    """
    idx = np.full((n, k), -1, dtype=np.int64)
    sim = np.full((n, k), -np.inf, dtype=np.float32)
    if EdgeType.SIMILAR.value not in edges or n == 0 or k == 0:
        return idx, sim
    s, d, w = edges[EdgeType.SIMILAR.value]
    src = np.concatenate([s, d])
    dst = np.concatenate([d, s])
    weight = np.concatenate([w, w]).astype(np.float32)
    order = np.lexsort((-weight, src))
    src, dst, weight = src[order], dst[order], weight[order]
    starts = np.searchsorted(src, np.arange(n))
    rank = np.arange(len(src)) - starts[src]
    keep = rank < k
    idx[src[keep], rank[keep]] = dst[keep]
    sim[src[keep], rank[keep]] = weight[keep]
    return idx, sim


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC by the rank statistic (ties averaged); NaN without both classes."""
    labels = labels.astype(bool)
    pos, neg = int(labels.sum()), int((~labels).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[labels].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


def _situations(
    model: ExperienceGNN, h: Tensor, contexts: Tensor, idx: np.ndarray, sim: np.ndarray
) -> Tensor:
    rows = torch.from_numpy(np.maximum(idx, 0))
    neighbours = h[rows] * torch.from_numpy(idx >= 0).unsqueeze(-1).float()
    return model.situation(contexts, neighbours, torch.from_numpy(sim))


def _masked(x: Tensor, rows: np.ndarray) -> Tensor:
    out = x.clone()
    out[torch.from_numpy(rows), _STATS] = 0.0
    return out


def _split_edges(
    data: HeteroData, holdout: float, rng: np.random.Generator
) -> tuple[dict[tuple[str, str, str], Tensor], np.ndarray]:
    """Message edges (held-out pairs removed, both directions) and the held-out pairs."""
    edge_index = dict(data.edge_index_dict)
    held: list[np.ndarray] = []
    for kind in (EdgeType.SIMILAR.value, EdgeType.LED_TO.value):
        key, rev = (EXPERIENCE, kind, EXPERIENCE), (EXPERIENCE, f"rev_{kind}", EXPERIENCE)
        pairs = edge_index[key].numpy()
        out = rng.random(pairs.shape[1]) < holdout
        held.append(pairs[:, out])
        edge_index[key] = torch.from_numpy(pairs[:, ~out])
        edge_index[rev] = torch.from_numpy(pairs[::-1, ~out].copy())
    return edge_index, np.concatenate(held, axis=1) if held else np.zeros((2, 0), np.int64)


def _link_loss(h: Tensor, pairs: np.ndarray, n: int, rng: np.random.Generator) -> Tensor:
    if pairs.shape[1] == 0:
        return h.sum() * 0.0
    take = rng.choice(pairs.shape[1], size=min(pairs.shape[1], 4096), replace=False)
    pos = torch.from_numpy(pairs[:, take])
    neg = torch.from_numpy(rng.integers(n, size=(2, len(take))))
    scale = h.shape[1] ** -0.5
    logits = scale * torch.cat([(h[pos[0]] * h[pos[1]]).sum(-1), (h[neg[0]] * h[neg[1]]).sum(-1)])
    labels = torch.cat([torch.ones(len(take)), torch.zeros(len(take))])
    return functional.binary_cross_entropy_with_logits(logits, labels)


def train(
    data: HeteroData,
    table: tuple[np.ndarray, np.ndarray],
    config: GNNConfig,
    previous: ExperienceGNN | None = None,
) -> TrainResult:
    """Train (or fine-tune ``previous``) on ``data`` and embed every node.

    Args:
        data: the extracted graph (:func:`absmem.graph.to_hetero`).
        table: the situation neighbour table (:func:`neighbour_table`).
        config: hyper-parameters; when fine-tuning, the architecture comes from ``previous``
            and the training settings (``finetune_epochs``, ``lr``, ``holdout``, ``seed``)
            from ``config``.
        previous: weights to start from (copied: the serving model is never changed).

    Training runs on ``config.threads`` intra-op threads (1 by default; the previous setting
    is restored): with one thread a seed gives the same model bit for bit (the backward of a
    gather sums in a varying order across threads), and on small graphs one thread is also
    the fastest (measured 4x faster than two on 600 experiences; PyTorch's deterministic mode
    instead made training 13x slower).
    """
    with _THREADS:
        before = torch.get_num_threads()
        torch.set_num_threads(config.threads)
        try:
            return _train(data, table, config, previous)
        finally:
            torch.set_num_threads(before)


def _train(
    data: HeteroData,
    table: tuple[np.ndarray, np.ndarray],
    config: GNNConfig,
    previous: ExperienceGNN | None,
) -> TrainResult:
    start = time.perf_counter()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    x = data[EXPERIENCE].x
    n = x.shape[0]
    dim = (x.shape[1] - 5) // 2
    model = copy.deepcopy(previous) if previous is not None else ExperienceGNN(dim, config)
    epochs = config.finetune_epochs if previous is not None else config.epochs
    contexts, responses = x[:, :dim], x[:, dim : 2 * dim]
    weight = data[EXPERIENCE].weight.numpy()
    rated = np.flatnonzero(weight > 0)
    rng.shuffle(rated)
    n_val = round(len(rated) * config.holdout) if len(rated) >= 20 else 0
    val, fit = rated[:n_val], rated[n_val:]
    edge_index, held = _split_edges(data, config.holdout, rng)
    message_pairs = torch.cat(
        [edge_index[(EXPERIENCE, k, EXPERIENCE)] for k in (EdgeType.SIMILAR.value,
         EdgeType.LED_TO.value, EdgeType.SAME_APPROACH.value)], dim=1
    ).numpy()  # fmt: skip
    y = data[EXPERIENCE].y
    w = torch.from_numpy(np.minimum(weight, 3.0))
    idx, sim = table
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=1e-5)
    losses: list[float] = []
    model.train()
    for _ in range(epochs if n else 0):
        masked = fit[rng.random(len(fit)) < config.mask_rate] if len(fit) else fit
        hidden = np.union1d(masked, val)
        x_dict = dict(data.x_dict)
        x_dict[EXPERIENCE] = _masked(x, hidden)
        h = model(x_dict, edge_index)[EXPERIENCE]
        loss = config.link_weight * _link_loss(h, message_pairs, n, rng)
        if len(masked):
            rows = torch.from_numpy(masked)
            s = _situations(model, h, contexts[rows], idx[masked], sim[masked])
            logits = model.reward_logit(s, responses[rows])
            loss = loss + functional.binary_cross_entropy_with_logits(
                logits, y[rows], weight=w[rows]
            )
        optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        losses.append(float(loss.detach()))
    model.eval()
    result = encode(model, data, table, hide=val)
    metrics = _metrics(model, result, data, held, val, losses, rng)
    metrics.update(epochs=epochs, finetuned=previous is not None, experiences=n,
                   seconds=round(time.perf_counter() - start, 3))  # fmt: skip
    result.metrics = metrics
    logger.info("trained the experience GNN: %s", metrics)
    return result


@torch.no_grad()
def encode(
    model: ExperienceGNN,
    data: HeteroData,
    table: tuple[np.ndarray, np.ndarray],
    hide: np.ndarray | None = None,
) -> TrainResult:
    """Embeddings and situation encodings of every node (``hide``: rows whose reward is masked)."""
    model.eval()
    x = data[EXPERIENCE].x
    dim = model.dim
    x_dict = dict(data.x_dict)
    if hide is not None and len(hide):
        x_dict[EXPERIENCE] = _masked(x, hide)
    out = model(x_dict, data.edge_index_dict)
    h = out[EXPERIENCE]
    idx, sim = table
    s = _situations(model, h, x[:, :dim], idx, sim) if len(x) else h
    abstractions = out.get(ABSTRACTION)
    return TrainResult(
        model, {}, h.numpy(), s.numpy(),
        abstractions.numpy() if abstractions is not None else np.zeros((0, h.shape[1])),
    )  # fmt: skip


@torch.no_grad()
def _metrics(
    model: ExperienceGNN,
    result: TrainResult,
    data: HeteroData,
    held: np.ndarray,
    val: np.ndarray,
    losses: list[float],
    rng: np.random.Generator,
) -> dict[str, Any]:
    x, y = data[EXPERIENCE].x, data[EXPERIENCE].y.numpy()
    dim, n = model.dim, x.shape[0]
    metrics: dict[str, Any] = {"loss_first": losses[0] if losses else None,
                               "loss_last": losses[-1] if losses else None}  # fmt: skip
    if len(val):
        rows = torch.from_numpy(val)
        logits = model.reward_logit(
            torch.from_numpy(result.situations[val]), x[rows, dim : 2 * dim]
        )
        metrics["reward_auc"] = _round(auc(logits.numpy(), y[val] > 0.5))
        metrics["reward_holdout"] = len(val)
    if held.shape[1] and n > 1:
        h = torch.from_numpy(result.embeddings)
        neg = rng.integers(n, size=(2, held.shape[1]))
        scores = np.concatenate([(h[held[0]] * h[held[1]]).sum(-1).numpy(),
                                 (h[neg[0]] * h[neg[1]]).sum(-1).numpy()])  # fmt: skip
        labels = np.concatenate([np.ones(held.shape[1]), np.zeros(held.shape[1])])
        metrics["edge_auc"] = _round(auc(scores, labels))
        metrics["edge_holdout"] = int(held.shape[1])
    return metrics


def _round(value: float) -> float | None:
    return round(value, 4) if np.isfinite(value) else None

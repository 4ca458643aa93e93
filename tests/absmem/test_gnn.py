"""The experience GNN and its training, on small hand-built graphs with planted structure."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest
import torch
from safetensors.torch import save as save_tensors
from torch_geometric.data import HeteroData

from absmem.errors import StoreCorruptError
from absmem.gnn import ExperienceGNN, GNNConfig, load_model, relations, save_model
from absmem.gnn_train import TrainResult, auc, encode, neighbour_table, train
from absmem.graph import ABSTRACTION, EXPERIENCE, to_hetero
from absmem.store.base import GraphSnapshot

DIM = 16
HIDDEN = 16


def planted(n: int, seed: int = 0) -> GraphSnapshot:
    """Experiences in 3 situations answered by one of 2 approaches.

    The approach ``situation % 2`` succeeds with probability 0.9, the other with 0.1; each
    experience has ``similar`` edges (cosine weights) to its 5 nearest earlier contexts and
    one outcome feedback.
    """
    rng = np.random.default_rng(seed)
    situation_centres = rng.standard_normal((3, DIM))
    approach_centres = rng.standard_normal((2, DIM))
    situation = rng.integers(3, size=n)
    approach = rng.integers(2, size=n)
    contexts = situation_centres[situation] + 0.3 * rng.standard_normal((n, DIM))
    contexts /= np.linalg.norm(contexts, axis=1, keepdims=True)
    responses = approach_centres[approach] + 0.3 * rng.standard_normal((n, DIM))
    responses /= np.linalg.norm(responses, axis=1, keepdims=True)
    success = (rng.random(n) < np.where(approach == situation % 2, 0.9, 0.1)).astype(float)
    src: list[int] = []
    dst: list[int] = []
    weight: list[float] = []
    for i in range(1, n):
        sims = contexts[:i] @ contexts[i]
        for j in np.argsort(-sims)[:5]:
            src.append(i)
            dst.append(int(j))
            weight.append(float(sims[j]))
    edges = {"similar": (np.array(src), np.array(dst), np.array(weight, dtype=np.float32))}
    return GraphSnapshot(
        namespace="ns", seqs=np.arange(n), ids=[f"e{i}" for i in range(n)],
        contexts=contexts.astype(np.float32), responses=responses.astype(np.float32),
        outcome=np.stack([1.0 + success, 2.0 - success, np.ones(n)], axis=1),
        usage=np.tile([1.0, 1.0, 0.0], (n, 1)), created_at=np.zeros(n), users=[None] * n,
        sessions=[None] * n, compacted=np.zeros(n, dtype=bool), edges=edges,
        informed_by_lessons=[], abstractions=[], memberships=[],
    )  # fmt: skip


Graph = tuple[HeteroData, tuple[np.ndarray, np.ndarray]]


def _graph(n: int) -> Graph:
    snap = planted(n)
    return to_hetero(snap, now=0.0), neighbour_table(n, snap.edges, 10)


@pytest.fixture(scope="module")
def big() -> Graph:
    return _graph(300)


@pytest.fixture(scope="module")
def small() -> Graph:
    return _graph(60)


# 40 epochs leave the reward head under-trained on some seeds (held-out AUC 0.69-0.99 over 20
# planted graphs and seeds); at 80 it is 0.75-1.0 over 60 (mean 0.91; the true probabilities
# reach about 0.91 on these 30 held-out rows, an untrained model 0.54).
QUALITY = GNNConfig(hidden=HIDDEN, epochs=80, seed=0)
QUICK = GNNConfig(hidden=HIDDEN, epochs=5, finetune_epochs=3, seed=0)


@pytest.fixture(scope="module")
def trained(big: Graph) -> TrainResult:
    return train(big[0], big[1], QUALITY)


# -- training -----------------------------------------------------------------------------------


def test_learns_which_approach_works_in_which_situation(trained: TrainResult) -> None:
    metrics = trained.metrics
    assert metrics["reward_holdout"] == 30
    assert metrics["reward_auc"] >= 0.75  # chance 0.5
    assert metrics["edge_auc"] >= 0.65  # untrained 0.57-0.68, trained 0.68-0.84
    assert metrics["edge_holdout"] > 0
    assert metrics["epochs"] == 80
    assert metrics["finetuned"] is False
    assert metrics["experiences"] == 300
    assert metrics["seconds"] > 0
    assert metrics["loss_last"] < metrics["loss_first"]


def test_embeds_every_experience(trained: TrainResult) -> None:
    assert trained.embeddings.shape == (300, HIDDEN)
    assert trained.situations.shape == (300, HIDDEN)
    assert trained.abstractions.shape == (0, HIDDEN)
    assert np.isfinite(trained.embeddings).all()
    assert np.isfinite(trained.situations).all()
    assert not trained.model.training


def test_same_seed_same_model(big: Graph, trained: TrainResult) -> None:
    again = train(big[0], big[1], QUALITY)
    drop = ("seconds",)
    assert {k: v for k, v in again.metrics.items() if k not in drop} == {
        k: v for k, v in trained.metrics.items() if k not in drop
    }
    np.testing.assert_array_equal(again.embeddings, trained.embeddings)
    np.testing.assert_array_equal(again.situations, trained.situations)


def test_another_seed_another_model(small: Graph) -> None:
    one = train(small[0], small[1], QUICK)
    other = train(small[0], small[1], replace(QUICK, seed=1))
    assert not np.array_equal(one.embeddings, other.embeddings)


def test_finetuning_starts_from_the_previous_weights(small: Graph) -> None:
    base = train(small[0], small[1], QUICK)
    before = {k: v.clone() for k, v in base.model.state_dict().items()}
    tuned = train(small[0], small[1], QUICK, previous=base.model)
    assert tuned.metrics["finetuned"] is True
    assert tuned.metrics["epochs"] == QUICK.finetune_epochs == 3
    assert base.metrics["epochs"] == QUICK.epochs
    after = tuned.model.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    assert tuned.embeddings.shape == (60, HIDDEN)


def test_a_graph_without_ratings_trains_on_edges_only(small: Graph) -> None:
    data = small[0].clone()
    data[EXPERIENCE].weight = torch.zeros(60)
    result = train(data, small[1], QUICK)
    assert "reward_auc" not in result.metrics
    assert result.metrics["epochs"] == QUICK.epochs
    assert result.embeddings.shape == (60, HIDDEN)


# -- weights on disk ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quick(small: Graph) -> TrainResult:
    return train(small[0], small[1], QUICK)


def test_save_and_load_give_the_same_outputs(small: Graph, quick: TrainResult) -> None:
    blob, meta = save_model(quick.model, quick.metrics)
    loaded, loaded_meta = load_model(blob)
    assert loaded_meta == meta
    assert loaded_meta["dim"] == DIM
    assert loaded_meta["config"]["hidden"] == HIDDEN
    assert loaded_meta["metrics"] == quick.metrics
    assert loaded.config == quick.model.config
    assert not loaded.training
    first, second = encode(quick.model, *small), encode(loaded, *small)
    np.testing.assert_array_equal(first.embeddings, second.embeddings)
    np.testing.assert_array_equal(first.situations, second.situations)


def test_weights_are_safetensors_not_pickle(quick: TrainResult) -> None:
    blob, _ = save_model(quick.model, quick.metrics)
    header = int.from_bytes(blob[:8], "little")
    assert 0 < header < len(blob) - 8
    assert blob[8:9] == b"{"
    assert b"pickle" not in blob
    tensors = json.loads(blob[8 : 8 + header])  # the safetensors header: JSON, no code
    assert all("dtype" in v for k, v in tensors.items() if k != "__metadata__")


def _flip(blob: bytes, at: int, mask: int) -> bytes:
    out = bytearray(blob)
    out[at] ^= mask
    return bytes(out)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[:4], id="shorter-than-the-length"),
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: _flip(b, 7, 0x80), id="flipped-length"),
        pytest.param(lambda b: _flip(b, 0, 0x01), id="length-off-by-one"),
        pytest.param(lambda b: _flip(b, 8, 0x01), id="flipped-header"),
    ],
)
def test_a_damaged_blob_is_refused(quick: TrainResult, damage: Callable[[bytes], bytes]) -> None:
    blob, _ = save_model(quick.model, quick.metrics)
    with pytest.raises(StoreCorruptError, match="^gnn: expected safetensors"):
        load_model(damage(blob))


def test_foreign_or_mismatched_safetensors_are_refused(quick: TrainResult) -> None:
    state = {k: v.contiguous() for k, v in quick.model.state_dict().items()}
    with pytest.raises(StoreCorruptError):  # no absmem metadata
        load_model(save_tensors(state))
    _, meta = save_model(quick.model, {})
    wider = {**meta, "config": {**meta["config"], "hidden": 2 * HIDDEN}}
    with pytest.raises(StoreCorruptError):  # weights that do not fit the config
        load_model(save_tensors(state, metadata={"absmem": json.dumps(wider)}))


# -- building blocks ------------------------------------------------------------------------------


def test_neighbour_table_orders_by_similarity_both_ways_and_pads() -> None:
    edges = {
        "similar": (
            np.array([1, 2, 3, 3]),
            np.array([0, 0, 0, 1]),
            np.array([0.9, 0.5, 0.7, 0.2], dtype=np.float32),
        ),
        "next": (np.array([4]), np.array([0]), np.array([1.0], dtype=np.float32)),  # ignored
    }
    idx, sim = neighbour_table(5, edges, k=2)
    assert idx.tolist() == [[1, 3], [0, 3], [0, -1], [0, 1], [-1, -1]]
    np.testing.assert_allclose(sim[:4, 0], [0.9, 0.9, 0.5, 0.7])
    assert sim[0, 1] == pytest.approx(0.7)
    assert np.isneginf(sim[idx == -1]).all()
    assert idx.dtype == np.int64
    assert sim.dtype == np.float32


def test_neighbour_table_without_similar_edges() -> None:
    idx, sim = neighbour_table(3, {}, k=2)
    assert (idx == -1).all()
    assert np.isneginf(sim).all()
    assert neighbour_table(3, {}, k=0)[0].shape == (3, 0)


def test_auc_averages_ties() -> None:
    # positives 0.4 and 0.8 against negatives 0.1 and 0.4: 1 + 0.5 + 1 + 1 of 4 pairs
    assert auc(np.array([0.1, 0.4, 0.4, 0.8]), np.array([0, 1, 0, 1])) == 0.875
    assert auc(np.array([0.5, 0.5, 0.5]), np.array([1, 0, 1])) == 0.5
    assert auc(np.array([3.0, 2.0, 1.0]), np.array([1, 1, 0])) == 1.0
    assert auc(np.array([1.0, 2.0, 3.0]), np.array([1, 1, 0])) == 0.0
    assert np.isnan(auc(np.array([0.1, 0.2]), np.array([1, 1])))


# -- the model ----------------------------------------------------------------------------------


def test_situation_with_no_neighbours_is_the_context_alone() -> None:
    torch.manual_seed(0)
    model = ExperienceGNN(4, GNNConfig(hidden=8)).eval()
    contexts = torch.randn(2, 4)
    alone = model.situation(contexts, torch.zeros(2, 0, 8), torch.zeros(2, 0))
    assert tuple(alone.shape) == (2, 8)
    assert torch.isfinite(alone).all()
    padded = model.situation(contexts, torch.randn(2, 3, 8), torch.full((2, 3), -torch.inf))
    torch.testing.assert_close(padded, alone)
    assert tuple(model.reward_logit(alone, torch.randn(2, 4)).shape) == (2,)


def test_forward_embeds_both_node_types() -> None:
    torch.manual_seed(0)
    model = ExperienceGNN(DIM, GNNConfig(hidden=8)).eval()
    data, _ = _graph(12)
    out = model(data.x_dict, data.edge_index_dict)
    assert tuple(out[EXPERIENCE].shape) == (12, 8)
    assert tuple(out[ABSTRACTION].shape) == (0, 8)


def test_relations_cover_each_edge_type_and_its_reverse() -> None:
    rels = relations()
    assert len(rels) == len(set(rels)) == 16
    forward = {rel for rel in rels if not rel[1].startswith("rev_")}
    assert {name for _, name, _ in forward} == {
        "similar", "next", "led_to", "informed_by", "same_approach", "member_of", "refines"
    }  # fmt: skip
    assert (EXPERIENCE, "informed_by", ABSTRACTION) in forward  # recalled lessons
    assert all((dst, f"rev_{name}", src) in rels for src, name, dst in forward)


def test_repr_reads_like_a_layer() -> None:
    model = ExperienceGNN(4, GNNConfig(hidden=8, layers=3))
    assert repr(model) == "ExperienceGNN(4, 8, layers=3, aggr=mean)"

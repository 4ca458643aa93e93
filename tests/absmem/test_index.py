"""CandidateIndex: exact and HNSW search, removal, persistence, staleness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from absmem.index import CandidateIndex, IndexFileError, IndexParams


def _unit(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_exact_search_finds_itself_and_removes() -> None:
    vectors = _unit(50, 8)
    index = CandidateIndex(8)
    index.add(np.arange(100, 150), vectors)
    scores, keys = index.search(vectors[:3], k=1)
    assert keys[:, 0].tolist() == [100, 101, 102]
    assert scores[:, 0] == pytest.approx(1.0, abs=1e-5)
    index.remove([100])
    assert len(index) == 49
    _, keys = index.search(vectors[:1], k=1)
    assert keys[0, 0] != 100


def test_switches_to_hnsw_past_the_threshold_and_tombstones() -> None:
    vectors = _unit(300, 16, seed=1)
    index = CandidateIndex(16, IndexParams(exact_threshold=100, max_dead_fraction=0.5))
    index.add(np.arange(300), vectors)
    assert index.kind == "hnsw"
    _, keys = index.search(vectors[:5], k=1)
    assert keys[:, 0].tolist() == [0, 1, 2, 3, 4]
    index.remove([0, 1])
    assert len(index) == 298
    _, keys = index.search(vectors[:2], k=3)
    assert not {0, 1} & set(keys.ravel().tolist())
    assert (keys >= 0).all()


def test_hnsw_rebuilds_when_tombstones_pile_up() -> None:
    vectors = _unit(200, 16, seed=2)
    index = CandidateIndex(16, IndexParams(exact_threshold=50, max_dead_fraction=0.1))
    index.add(np.arange(200), vectors)
    index.remove(np.arange(30))
    assert len(index) == 170
    assert index._index.ntotal == 170  # rebuilt: tombstones dropped
    _, keys = index.search(vectors[30:31], k=1)
    assert keys[0, 0] == 30


def test_empty_index_and_k_larger_than_size() -> None:
    index = CandidateIndex(4)
    _, keys = index.search(_unit(2, 4), k=5)
    assert keys.shape == (2, 0)
    index.add([1], _unit(1, 4))
    _, keys = index.search(_unit(1, 4), k=5)
    assert keys.tolist() == [[1]]


def test_save_load_and_stale_detection(tmp_path: Path) -> None:
    vectors = _unit(20, 8)
    index = CandidateIndex(8)
    index.add(np.arange(20), vectors)
    path = tmp_path / "ns.faiss"
    index.save(path, version=7)
    loaded = CandidateIndex.load(path, version=7, dim=8)
    assert len(loaded) == 20
    with pytest.raises(IndexFileError, match="stale"):
        CandidateIndex.load(path, version=8, dim=8)
    path.write_bytes(b"garbage")
    with pytest.raises(IndexFileError, match="unreadable"):
        CandidateIndex.load(path, version=7, dim=8)
    with pytest.raises(IndexFileError, match="missing"):
        CandidateIndex.load(tmp_path / "other.faiss", version=7, dim=8)


def test_build_from_batches_picks_the_kind() -> None:
    vectors = _unit(120, 8)
    batches = [(np.arange(0, 60), vectors[:60]), (np.arange(60, 120), vectors[60:])]
    assert CandidateIndex.build(8, batches, IndexParams(exact_threshold=100)).kind == "hnsw"
    assert CandidateIndex.build(8, batches).kind == "exact"
    assert len(CandidateIndex.build(8, [])) == 0


def test_bad_shapes_are_refused() -> None:
    index = CandidateIndex(4)
    with pytest.raises(ValueError, match="^vectors: expected a 2-D array"):
        index.add([1], np.ones((1, 5), np.float32))
    with pytest.raises(ValueError, match="^keys"):
        index.add([1, 2], np.ones((1, 4), np.float32))
    with pytest.raises(ValueError, match="^dim"):
        CandidateIndex(0)


def test_hnsw_buffers_new_vectors_and_merges_them_in_batches(tmp_path: Path) -> None:
    vectors = _unit(260, 16, seed=3)
    params = IndexParams(exact_threshold=100, buffer_size=50, max_dead_fraction=0.5)
    index = CandidateIndex.build(16, [(np.arange(200), vectors[:200])], params)
    assert index.kind == "hnsw"
    index.add(np.arange(200, 240), vectors[200:240])
    assert index._fresh.ntotal == 40  # waiting in the exact buffer
    assert len(index) == 240
    _, keys = index.search(vectors[[5, 210, 239]], k=1)
    assert keys[:, 0].tolist() == [5, 210, 239]
    index.remove([210, 5])
    _, keys = index.search(vectors[[5, 210]], k=3)
    assert not {5, 210} & set(keys.ravel().tolist())
    assert index.keys().tolist() == [k for k in range(240) if k not in (5, 210)]
    index.add(np.arange(240, 260), vectors[240:260])  # 39 + 20 buffered >= 50: merged
    assert index._fresh.ntotal == 0
    assert len(index) == 258
    index.add([999], vectors[:1] * -1)
    index.save(tmp_path / "b.faiss", version=1)  # saving merges the buffer
    loaded = CandidateIndex.load(tmp_path / "b.faiss", version=1, dim=16, params=params)
    assert len(loaded) == 259
    assert loaded.search(vectors[:1] * -1, k=1)[1].tolist() == [[999]]


def test_rebuild_keeps_every_live_vector_under_its_own_key() -> None:
    vectors = _unit(400, 16, seed=5)
    index = CandidateIndex(16, IndexParams(exact_threshold=100, max_dead_fraction=0.05))
    keys = np.arange(1000, 1400)
    index.add(keys, vectors)
    index.remove(keys[::7])  # past the tombstone share: the graph is rebuilt from live vectors
    assert index._index.ntotal == len(index) == 400 - len(keys[::7])
    live = np.setdiff1d(keys, keys[::7])
    found_scores, found = index.search(vectors[live - 1000], k=1)
    assert found[:, 0].tolist() == live.tolist()
    assert found_scores[:, 0] == pytest.approx(1.0, abs=1e-5)


def test_search_beam_can_be_set_per_call() -> None:
    vectors = _unit(600, 16, seed=6)
    index = CandidateIndex(16, IndexParams(exact_threshold=100, ef_search=64))
    index.add(np.arange(600), vectors)
    _, wide = index.search(vectors[:20], k=10)
    _, narrow = index.search(vectors[:20], k=10, ef=10)
    assert wide[:, 0].tolist() == narrow[:, 0].tolist() == list(range(20))
    assert index._inner().hnsw.efSearch == 10
    index.search(vectors[:1], k=10)
    assert index._inner().hnsw.efSearch == 64  # the default comes back on the next call

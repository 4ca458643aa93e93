"""The ingest workload: which texts are stored, queried, or kept fresh for the real embedder."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from absmem.bench.data import load_clinc150
from absmem.bench.vectors import PrecomputedEmbedder, VectorCache
from absmem.bench.workload import (
    FRESH_TEMPLATES,
    TEMPLATES,
    Corpus,
    IngestParams,
    build_corpus,
    fill_items,
    op_items,
    people,
    respond,
)

from .helpers import TinyEmbedder


def _corpus(tiny_data: Path, tmp_path: Path, embedder: TinyEmbedder, pool: int = 100) -> Corpus:
    data = load_clinc150(tiny_data)
    cache = VectorCache(tmp_path / "cache", embedder, data.sha256)
    return build_corpus(data, cache, np.random.default_rng(0), pool, queries=8, fresh=6)


def test_corpus_keeps_test_queries_out_of_the_pool(
    tiny_data: Path, tmp_path: Path, tiny_embedder: TinyEmbedder
) -> None:
    corpus = _corpus(tiny_data, tmp_path, tiny_embedder)
    assert len(corpus.pool) == 61  # capped at the distinct stored utterances
    assert corpus.pool_vectors.shape == (61, 8)
    assert not set(corpus.queries) & set(corpus.pool)
    assert not set(corpus.fresh) & (set(corpus.queries) | set(corpus.pool))
    assert len(corpus.fresh) == 6
    assert len(corpus.responses) == 4 * len(TEMPLATES)  # 3 intents and "oos"
    assert np.allclose(corpus.query_vectors, tiny_embedder.embed(corpus.queries))
    assert np.allclose(corpus.response_vectors, tiny_embedder.embed(corpus.responses))


def test_fill_and_timed_calls(tiny_data: Path, tmp_path: Path, tiny_embedder: TinyEmbedder) -> None:
    corpus = _corpus(tiny_data, tmp_path, tiny_embedder)
    params = IngestParams(ops=4, real_ops=2, warmup=1, users=3, sessions=5)
    embedder = PrecomputedEmbedder(tiny_embedder)
    embedder.add(corpus.responses, corpus.response_vectors)
    rng = np.random.default_rng(0)
    fill = fill_items(100, corpus, params, rng, embedder)
    assert len(fill) == 100
    assert len({item["context"] for item in fill}) == 100
    assert sum("[variant" in item["context"] for item in fill) == 100 - 61
    assert all(item["context"] in embedder and item["response"] in embedder for item in fill)
    ops = op_items(100, corpus, params, rng, embedder)
    assert [len(ops[kind]) for kind in ("remember", "recall", "real_remember", "real_recall")] == [
        5,
        5,
        3,
        3,
    ]
    assert all(op["context"] in embedder for op in ops["remember"])
    assert not any(
        op["context"] in embedder or op["response"] in embedder for op in ops["real_remember"]
    )
    assert not any(op["query"] in embedder for op in ops["real_recall"])


def test_people_and_responses_are_seeded() -> None:
    first = people(np.random.default_rng(3), 20, users=4, sessions=10)
    assert first == people(np.random.default_rng(3), 20, users=4, sessions=10)
    assert {p["user_id"] for p in first} <= {f"user-{u}" for u in range(4)}
    assert respond(2, "bill_due") == "Here is the bill due information you asked for."
    assert "check" in respond(0, "x", FRESH_TEMPLATES)

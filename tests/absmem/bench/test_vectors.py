"""PrecomputedEmbedder, the on-disk VectorCache and jittered copies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from absmem.bench.vectors import PrecomputedEmbedder, VectorCache, expand, jittered, variant_text
from absmem.errors import InvalidArgumentError

from .helpers import TinyEmbedder


def test_precomputed_serves_known_texts_and_falls_back(tiny_embedder: TinyEmbedder) -> None:
    embedder = PrecomputedEmbedder(tiny_embedder)
    assert (embedder.name, embedder.dim) == ("test-tiny", 8)
    known = np.eye(8, dtype=np.float32)[:2] * 3.0
    embedder.add(["a", "b"], known)
    out = embedder.embed(["b", "fresh", "a", "new"])
    assert out[0].tolist() == np.eye(8)[1].tolist()  # renormalised
    assert out[2].tolist() == np.eye(8)[0].tolist()
    assert np.allclose(out[1], tiny_embedder.embed(["fresh"])[0])
    assert tiny_embedder.calls[0] == 2  # both unknown texts in one batch
    assert (embedder.hits, embedder.misses) == (2, 2)
    assert "a" in embedder
    assert len(embedder) == 2
    with pytest.raises(InvalidArgumentError, match="vectors"):
        embedder.add(["c"], np.zeros((2, 8), dtype=np.float32))


def test_cache_embeds_each_text_once(tmp_path: Path, tiny_embedder: TinyEmbedder) -> None:
    cache = VectorCache(tmp_path / "cache", tiny_embedder, "ab" * 32, batch=2)
    first = cache.vectors(["x", "y", "z", "x"])
    assert sum(tiny_embedder.calls) == 3
    assert cache.path.name == f"clinc150-{'ab' * 8}-test-tiny.npz"
    again = VectorCache(tmp_path / "cache", tiny_embedder, "ab" * 32)
    assert len(again) == 3
    assert np.array_equal(again.vectors(["z", "x", "y", "x"]), first[[2, 0, 1, 3]])
    assert sum(tiny_embedder.calls) == 3
    again.vectors(["w", "x"])
    assert sum(tiny_embedder.calls) == 4
    assert len(VectorCache(tmp_path / "cache", tiny_embedder, "ab" * 32)) == 4


def test_cache_ignores_an_unreadable_file(tmp_path: Path, tiny_embedder: TinyEmbedder) -> None:
    cache = VectorCache(tmp_path, tiny_embedder, "cd" * 32)
    cache.path.write_bytes(b"not a numpy file")
    reread = VectorCache(tmp_path, tiny_embedder, "cd" * 32)
    assert len(reread) == 0
    assert reread.vectors(["a"]).shape == (1, 8)


def test_expand_keeps_originals_first_and_is_seeded() -> None:
    base = jittered(np.eye(4, 16, dtype=np.float32), np.random.default_rng(1), 1.0)
    source, variant, rows = expand(base, 10, np.random.default_rng(7), jitter=0.25)
    assert sorted(source[:4].tolist()) == [0, 1, 2, 3]
    assert variant.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    assert np.allclose(rows[:4], base[source[:4]])
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    cosine = (rows[4:] * base[source[4:]]).sum(axis=1)
    assert (cosine > 0.85).all()
    assert (cosine < 0.9999).all()
    again = expand(base, 10, np.random.default_rng(7), jitter=0.25)
    assert np.array_equal(again[2], rows)
    smaller, _, _ = expand(base, 2, np.random.default_rng(7), jitter=0.25)
    assert len(set(smaller.tolist())) == 2
    with pytest.raises(InvalidArgumentError):
        expand(base[:0], 3, np.random.default_rng(0), jitter=0.25)


def test_variant_text() -> None:
    assert variant_text("hi", 0) == "hi"
    assert variant_text("hi", 2) == "hi [variant 2]"

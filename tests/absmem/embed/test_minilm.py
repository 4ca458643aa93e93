"""The bundled all-MiniLM-L6-v2 embedder, loaded offline."""

from __future__ import annotations

import numpy as np

from absmem.embed import Embedder, MiniLMEmbedder
from absmem.embed import minilm as minilm_module


def test_real_embeddings_are_normalised_and_semantic(minilm: MiniLMEmbedder) -> None:
    vectors = minilm.embed(["reset my card pin", "I forgot my PIN code", "rain in Paris today"])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2] + 0.2


def test_model_is_loaded_once_per_process(minilm: MiniLMEmbedder) -> None:
    minilm.embed(["warm up"])
    model = minilm_module._MODELS["cpu"]
    MiniLMEmbedder(batch_size=8).embed(["again"])
    assert minilm_module._MODELS["cpu"] is model
    assert isinstance(minilm, Embedder)


def test_batching_does_not_change_vectors(minilm: MiniLMEmbedder) -> None:
    texts = [f"sentence number {i}" for i in range(10)]
    one_by_one = np.vstack([minilm.embed([t]) for t in texts])
    batched = MiniLMEmbedder(batch_size=4).embed(texts)
    assert np.allclose(one_by_one, batched, atol=1e-5)

"""LangChain and LlamaIndex embeddings wrapped as absmem embedders."""

from __future__ import annotations

import numpy as np
import pytest

from absmem.embed import Embedder, LangChainEmbedder, LlamaIndexEmbedder
from absmem.errors import InvalidArgumentError


def test_langchain_embeddings() -> None:
    from langchain_core.embeddings import DeterministicFakeEmbedding

    embedder = LangChainEmbedder(DeterministicFakeEmbedding(size=12))
    assert isinstance(embedder, Embedder)
    assert embedder.dim == 12
    assert embedder.name.startswith("langchain:")
    vectors = embedder.embed(["a", "b", "a"])
    assert vectors.shape == (3, 12)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[2])


def test_llamaindex_embeddings() -> None:
    from llama_index.core.embeddings import MockEmbedding

    embedder = LlamaIndexEmbedder(MockEmbedding(embed_dim=6), name="mock-6")
    assert (embedder.name, embedder.dim) == ("mock-6", 6)
    assert embedder.embed(["x", "y"]).shape == (2, 6)


def test_a_model_returning_the_wrong_shape_is_reported() -> None:
    from langchain_core.embeddings import DeterministicFakeEmbedding

    embedder = LangChainEmbedder(DeterministicFakeEmbedding(size=12), dim=10)
    with pytest.raises(
        InvalidArgumentError, match=r"^embedder: expected vectors of shape \(1, 10\)"
    ):
        embedder.embed(["a"])

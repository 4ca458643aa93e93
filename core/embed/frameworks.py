"""Wrap a LangChain ``Embeddings`` or a LlamaIndex ``BaseEmbedding`` as an absmem :class:`Embedder`.

The frameworks are optional: these wrappers only touch the object they are given, so neither
framework is imported here.

Example:
    >>> from langchain_core.embeddings import DeterministicFakeEmbedding
    >>> from absmem.embed import LangChainEmbedder
    >>> embedder = LangChainEmbedder(DeterministicFakeEmbedding(size=8), name="fake-8")
    >>> embedder.embed(["hello"]).shape
    (1, 8)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InvalidArgumentError
from .base import Vectors, check_vectors

__all__ = ["LangChainEmbedder", "LlamaIndexEmbedder"]


class _Wrapped:
    """Shared part of the framework wrappers: name, dimension probe, validation."""

    def __init__(self, model: Any, name: str | None, dim: int | None, kind: str) -> None:
        self.model = model
        self.name = name or f"{kind}:{type(model).__module__}.{type(model).__qualname__}"
        self.dim = dim if dim is not None else len(self._raw(["dimension probe"])[0])
        if self.dim <= 0:
            raise InvalidArgumentError("dim", "a positive integer", self.dim)

    def _raw(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` with the wrapped model; rows are re-normalised to unit length."""
        return check_vectors(self, self._raw(list(texts)), len(texts))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim})"


class LangChainEmbedder(_Wrapped):
    """A LangChain ``Embeddings`` (``embed_documents``) as an absmem embedder.

    Args:
        embeddings: any ``langchain_core.embeddings.Embeddings``.
        name: stable model name stored with the store; defaults to the class path.
        dim: vector dimension; probed with one call when omitted.
    """

    def __init__(self, embeddings: Any, name: str | None = None, dim: int | None = None) -> None:
        super().__init__(embeddings, name, dim, "langchain")

    def _raw(self, texts: list[str]) -> list[list[float]]:
        return list(self.model.embed_documents(texts))


class LlamaIndexEmbedder(_Wrapped):
    """A LlamaIndex ``BaseEmbedding`` (``get_text_embedding_batch``) as an absmem embedder.

    Args:
        embed_model: any ``llama_index.core.base.embeddings.base.BaseEmbedding``.
        name: stable model name stored with the store; defaults to the model's ``model_name``.
        dim: vector dimension; probed with one call when omitted.
    """

    def __init__(self, embed_model: Any, name: str | None = None, dim: int | None = None) -> None:
        model_name = getattr(embed_model, "model_name", None)
        super().__init__(
            embed_model,
            name or (f"llamaindex:{model_name}" if model_name else None),
            dim,
            "llamaindex",
        )

    def _raw(self, texts: list[str]) -> list[list[float]]:
        return list(self.model.get_text_embedding_batch(texts))

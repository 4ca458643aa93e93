"""Embedders: the :class:`Embedder` protocol, the bundled default, framework wrappers, a registry.

Example:
    >>> from absmem.embed import EMBEDDERS
    >>> EMBEDDERS.names()
    ['minilm']
"""

from __future__ import annotations

from collections.abc import Callable

from ..registry import Registry
from .base import Embedder, Vectors, check_text, check_vectors, normalise
from .frameworks import LangChainEmbedder, LlamaIndexEmbedder
from .hashing import HashEmbedder
from .minilm import MiniLMEmbedder

__all__ = [
    "EMBEDDERS",
    "Embedder",
    "HashEmbedder",
    "LangChainEmbedder",
    "LlamaIndexEmbedder",
    "MiniLMEmbedder",
    "Vectors",
    "check_text",
    "check_vectors",
    "normalise",
]

EMBEDDERS: Registry[Callable[[], Embedder]] = Registry("embedder")
"""Embedders that can be built by name with no arguments (the CLI and ``open`` use it)."""
EMBEDDERS.register("minilm", MiniLMEmbedder)

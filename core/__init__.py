"""absmem: memory for LLM agents that learns which ways of responding work.

Example:
    >>> import absmem
    >>> sorted(n for n in absmem.__all__ if n[0].isupper())[:3]
    ['AbsmemError', 'AbstractionMemory', 'BetaBlendRanker']
"""

from __future__ import annotations

from .embed import Embedder, LangChainEmbedder, LlamaIndexEmbedder, MiniLMEmbedder
from .errors import (
    AbsmemError,
    EmbedderMismatchError,
    InvalidArgumentError,
    MemoryClosedError,
    SchemaVersionError,
    StoreCorruptError,
    UnknownTargetError,
)
from .index import CandidateIndex, IndexParams
from .memory import AbstractionMemory
from .policy import BetaBlendRanker, Ranker
from .store import GraphStore, SQLiteStore
from .types import (
    Assessment,
    EdgeType,
    Experience,
    Feedback,
    ForgetReport,
    Interaction,
    MemoryItem,
    Outcome,
    Recall,
)

__version__ = "0.1.0"

__all__ = [
    "AbsmemError",
    "AbstractionMemory",
    "Assessment",
    "BetaBlendRanker",
    "CandidateIndex",
    "EdgeType",
    "Embedder",
    "EmbedderMismatchError",
    "Experience",
    "Feedback",
    "ForgetReport",
    "GraphStore",
    "IndexParams",
    "Interaction",
    "InvalidArgumentError",
    "LangChainEmbedder",
    "LlamaIndexEmbedder",
    "MemoryClosedError",
    "MemoryItem",
    "MiniLMEmbedder",
    "Outcome",
    "Ranker",
    "Recall",
    "SQLiteStore",
    "SchemaVersionError",
    "StoreCorruptError",
    "UnknownTargetError",
    "__version__",
]

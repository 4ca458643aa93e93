"""absmem: memory for LLM agents that learns which ways of responding work.

Example:
    >>> import absmem
    >>> {"AbstractionMemory", "Recall", "to_reward"} <= set(absmem.__all__)
    True
"""

from __future__ import annotations

from .abstraction import AbstractionConfig
from .consolidate import ConsolidateConfig
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
from .find import Chain, FindQuery
from .forgetting import ForgettingConfig
from .gnn import GNNConfig
from .index import CandidateIndex, IndexParams
from .lessons import LessonWriter, LLMLessonWriter, TemplateLessonWriter
from .memory import AbstractionMemory
from .memory_runs import turn_run_id
from .policy import BetaBlendRanker, Ranker
from .rewards import to_reward
from .store import GraphStore, SQLiteStore
from .types import (
    Assessment,
    ConsolidationReport,
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
    "AbstractionConfig",
    "AbstractionMemory",
    "Assessment",
    "BetaBlendRanker",
    "CandidateIndex",
    "Chain",
    "ConsolidateConfig",
    "ConsolidationReport",
    "EdgeType",
    "Embedder",
    "EmbedderMismatchError",
    "Experience",
    "Feedback",
    "FindQuery",
    "ForgetReport",
    "ForgettingConfig",
    "GNNConfig",
    "GraphStore",
    "IndexParams",
    "Interaction",
    "InvalidArgumentError",
    "LLMLessonWriter",
    "LangChainEmbedder",
    "LessonWriter",
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
    "TemplateLessonWriter",
    "UnknownTargetError",
    "__version__",
    "to_reward",
    "turn_run_id",
]

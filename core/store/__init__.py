"""Durable stores of the experience graph: the :class:`GraphStore` protocol and implementations.

Example:
    >>> from absmem.store import STORES
    >>> STORES.names()
    ['sqlite']
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..registry import Registry
from .base import (
    CandidateStats,
    CreditRow,
    EdgeRow,
    ExperienceRow,
    FeedbackRow,
    ForgetResult,
    GraphStore,
    RecallItemRow,
    RecallRow,
    StoredExperience,
)
from .sqlite import SQLiteStore

__all__ = [
    "STORES",
    "CandidateStats",
    "CreditRow",
    "EdgeRow",
    "ExperienceRow",
    "FeedbackRow",
    "ForgetResult",
    "GraphStore",
    "RecallItemRow",
    "RecallRow",
    "SQLiteStore",
    "StoredExperience",
]

STORES: Registry[Callable[[Path], GraphStore]] = Registry("store")
"""Stores that ``AbstractionMemory.open`` can build in a memory folder, by name."""
STORES.register("sqlite", lambda folder: SQLiteStore(folder / "absmem.db"))

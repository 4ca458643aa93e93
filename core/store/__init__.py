"""Durable stores of the experience graph: the :class:`GraphStore` protocol and implementations.

:class:`SQLiteStore` is the embedded default; :class:`PostgresStore` (the ``[postgres]`` extra)
shares one PostgreSQL database between many processes. ``PostgresStore`` is imported on first
use, so ``import absmem`` works without psycopg installed.

Example:
    >>> from absmem.store import STORES
    >>> STORES.names()
    ['sqlite']
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from .postgres import PostgresStore

__all__ = [
    "STORES",
    "CandidateStats",
    "CreditRow",
    "EdgeRow",
    "ExperienceRow",
    "FeedbackRow",
    "ForgetResult",
    "GraphStore",
    "PostgresStore",
    "RecallItemRow",
    "RecallRow",
    "SQLiteStore",
    "StoredExperience",
]

STORES: Registry[Callable[[Path], GraphStore]] = Registry("store")
"""Stores that ``AbstractionMemory.open`` can build in a memory folder, by name."""
STORES.register("sqlite", lambda folder: SQLiteStore(folder / "absmem.db"))


def __getattr__(name: str) -> Any:
    """Import :class:`PostgresStore` (and psycopg) only when it is asked for.

    Example:
        >>> import absmem.store
        >>> absmem.store.NoSuchStore
        Traceback (most recent call last):
          ...
        AttributeError: module 'absmem.store' has no attribute 'NoSuchStore'
    """
    if name == "PostgresStore":
        from .postgres import PostgresStore

        return PostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

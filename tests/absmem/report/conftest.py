"""A small learned memory shared by the report tests (built once per module)."""

from __future__ import annotations

from pathlib import Path

import pytest

from absmem import AbstractionMemory
from absmem.embed import HashEmbedder

SITUATIONS = ("how do I reset my pin", "my card was declined", "where is my refund",
              "change my address")  # fmt: skip
RESPONSES = ("Open the app, Cards > Reset.", "Call the support line.", "Please wait 5 days.")


def build_memory(folder: Path, interactions: int = 60, namespace: str = "default") -> Path:
    """``interactions`` recalls, each remembered and rated (+1 when the response fits the
    situation, else -1), then one consolidation; returns ``folder``."""
    with AbstractionMemory.open(folder, embedder=HashEmbedder(dim=32), namespace=namespace) as mem:
        for i in range(interactions):
            s, r = i % len(SITUATIONS), (i // len(SITUATIONS)) % len(RESPONSES)
            user, session = f"u{i % 5}", f"s{i % 7}"
            recall = mem.recall(SITUATIONS[s], user_id=user, session_id=session)
            mem.remember(SITUATIONS[s], RESPONSES[r], recall_id=recall.id, user_id=user,
                         session_id=session)  # fmt: skip
            mem.feedback(recall.id, 1.0 if r == s % len(RESPONSES) else -1.0)
        mem.consolidate()
    return folder


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A memory folder holding 60 rated interactions and the lessons learned from them."""
    return build_memory(tmp_path_factory.mktemp("memory") / "m")


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    """A memory folder with nothing stored."""
    AbstractionMemory.open(tmp_path / "empty", embedder=HashEmbedder(dim=32)).close()
    return tmp_path / "empty"

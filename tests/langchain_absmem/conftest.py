"""Fixtures of the LangChain adapter's tests: real LangChain objects, no network, no mocks.

``Words`` is a real LangChain ``Embeddings`` (bag of hashed words), so every memory here also
shows that any LangChain embeddings can replace the default embedder. ``ToolFakeChatModel`` is
LangChain's own ``GenericFakeChatModel`` that accepts tools (``create_agent`` binds them).
``Recorder`` is a callback handler that keeps the messages each chat model call received.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import BaseMessage

from absmem import AbstractionMemory, LangChainEmbedder
from absmem.policy import LinearThompsonRanker, PolicyConfig


class Words(Embeddings):
    """Bag-of-words embeddings: texts sharing words are near (a real ``Embeddings`` subclass)."""

    dim = 64

    def _one(self, text: str) -> list[float]:
        row = np.zeros(self.dim)
        for word in text.lower().replace("?", " ").replace(".", " ").split():
            row[zlib.crc32(word.encode()) % self.dim] += 1.0
        norm = float(np.linalg.norm(row)) or 1.0
        return [float(v) for v in row / norm]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text."""
        return [self._one(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        """The vector of one text."""
        return self._one(text)


class ToolFakeChatModel(GenericFakeChatModel):
    """LangChain's fake chat model, accepting the tools ``create_agent`` binds."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ToolFakeChatModel:
        return self


class Recorder(BaseCallbackHandler):
    """Keeps the messages every chat model call received, and the root run ids."""

    def __init__(self) -> None:
        self.prompts: list[list[BaseMessage]] = []
        self.roots: list[UUID] = []

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        self.prompts += messages

    def on_chain_start(
        self, serialized: dict[str, Any] | None, inputs: Any, *, run_id: UUID,
        parent_run_id: UUID | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        if parent_run_id is None:
            self.roots.append(run_id)

    def system_prompts(self) -> list[str]:
        """The system message text of each model call, in order."""
        return [str(m[0].content) if m and m[0].type == "system" else "" for m in self.prompts]


@pytest.fixture
def mem(tmp_path: Path) -> Iterator[AbstractionMemory]:
    """A memory on LangChain embeddings, recalling without exploration (a fixed order)."""
    embedder = LangChainEmbedder(Words(), name="test-words")
    ranker = LinearThompsonRanker(PolicyConfig(exploration=0.0))
    with AbstractionMemory.open(tmp_path / "mem", embedder=embedder, ranker=ranker) as memory:
        yield memory

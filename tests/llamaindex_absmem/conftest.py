"""Fixtures of the LlamaIndex adapter's tests: real LlamaIndex objects, no network, no mocks.

``Words`` is a real LlamaIndex ``BaseEmbedding`` (bag of hashed words), so every memory here also
shows that any LlamaIndex embedding can replace the default embedder. ``Replies`` builds
LlamaIndex's own ``MockFunctionCallingLLM`` with a response generator that keeps the messages of
every call (for agents); chat engines use ``MockLLM``, which echoes the prompt it received.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from llama_index.core.base.llms.types import ChatMessage, ToolCallBlock
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.llms.mock import MockFunctionCallingLLM

from absmem import AbstractionMemory, LlamaIndexEmbedder
from absmem.policy import LinearThompsonRanker, PolicyConfig
from llamaindex_absmem import AbsMemFeedbackHandler

PIN = ("how do I reset my card pin?", "Open the app, then Cards > Reset PIN.")


class Words(BaseEmbedding):
    """Bag-of-words embeddings: texts sharing words are near (a real ``BaseEmbedding``)."""

    def _one(self, text: str) -> list[float]:
        row = np.zeros(64)
        for word in text.lower().replace("?", " ").replace(".", " ").split():
            row[zlib.crc32(word.encode()) % 64] += 1.0
        norm = float(np.linalg.norm(row)) or 1.0
        return [float(v) for v in row / norm]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._one(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._one(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._one(query)


class Replies:
    """A ``MockFunctionCallingLLM`` answering from a script; ``seen`` keeps every call's input.

    With tools offered and no tool result yet, it calls the first tool when ``call_tool``; once a
    tool result is in the messages (or without tools), it answers the next scripted text.
    """

    def __init__(self, answers: list[str], *, call_tool: bool = True) -> None:
        self.answers = iter(answers)
        self.call_tool = call_tool
        self.seen: list[list[ChatMessage]] = []
        self.llm = MockFunctionCallingLLM(response_generator=self._reply)

    def _reply(self, messages: list[ChatMessage], **kwargs: Any) -> ChatMessage:
        self.seen.append(list(messages))
        tools = kwargs.get("tools") or []
        if self.call_tool and tools and not any(m.role == "tool" for m in messages):
            name = tools[0].metadata.name
            call = ToolCallBlock(tool_call_id=f"c{len(self.seen)}", tool_name=name,
                                 tool_kwargs={"card": "1234"})  # fmt: skip
            return ChatMessage(role="assistant", blocks=[call])
        return ChatMessage(role="assistant", content=next(self.answers))

    def system_texts(self) -> list[str]:
        """All system message text of each call, joined, in call order."""
        return ["\n".join(str(m.content) for m in call if m.role == "system") for call in self.seen]


def card_status(card: str) -> str:
    """The status of a card, by its last four digits."""
    return f"card {card}: active, PIN tries left: 0"


@pytest.fixture
def mem(tmp_path: Path) -> Iterator[AbstractionMemory]:
    """A memory on a LlamaIndex embedding, recalling without exploration (a fixed order)."""
    embedder = LlamaIndexEmbedder(Words(), name="test-words")
    ranker = LinearThompsonRanker(PolicyConfig(exploration=0.0))
    with AbstractionMemory.open(tmp_path / "mem", embedder=embedder, ranker=ranker) as memory:
        yield memory


@pytest.fixture
def handler(mem: AbstractionMemory) -> Iterator[AbsMemFeedbackHandler]:
    """The feedback handler on the root dispatcher, removed after the test."""
    registered = AbsMemFeedbackHandler(mem).register()
    yield registered
    registered.unregister()

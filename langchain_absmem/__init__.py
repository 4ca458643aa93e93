"""LangChain adapter for absmem: memory that learns what works, for agents and chains.

- :class:`AbsMemMiddleware`: an ``AgentMiddleware`` for ``langchain.agents.create_agent``.
- :class:`AbsMemRetriever`: a ``BaseRetriever`` of lessons and experiences, for LCEL chains.
- :class:`AbsMemFeedbackHandler`: links LangChain run ids to what they produced, for feedback.
- :class:`AbsMemMemory`: the classic ``BaseMemory`` (needs ``langchain-classic``; imported lazily).
- :func:`absmem_tools`: the memory as tools an agent calls itself (:class:`AbsMemRecallTool`,
  :class:`AbsMemFindTool`, :class:`AbsMemAssessTool`).
- :class:`~absmem.embed.LangChainEmbedder` (any ``Embeddings`` as the embedder) and
  :class:`~absmem.lessons.LLMLessonWriter` (any chat model writes lessons at consolidation),
  re-exported from the core, and :func:`~absmem.to_reward` (scores to rewards).

Example:
    >>> import langchain_absmem
    >>> sorted(langchain_absmem.__all__)[:3]
    ['AbsMemAssessTool', 'AbsMemFeedbackHandler', 'AbsMemFindTool']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from absmem import LangChainEmbedder, LLMLessonWriter, to_reward

from .callbacks import AbsMemFeedbackHandler
from .middleware import AbsMemMiddleware, AbsMemState
from .retrievers import AbsMemRetriever, recall_to_documents
from .tools import AbsMemAssessTool, AbsMemFindTool, AbsMemRecallTool, absmem_tools

if TYPE_CHECKING:
    from .classic import AbsMemMemory

__all__ = [
    "AbsMemAssessTool",
    "AbsMemFeedbackHandler",
    "AbsMemFindTool",
    "AbsMemMemory",
    "AbsMemMiddleware",
    "AbsMemRecallTool",
    "AbsMemRetriever",
    "AbsMemState",
    "LLMLessonWriter",
    "LangChainEmbedder",
    "absmem_tools",
    "recall_to_documents",
    "to_reward",
]


def __getattr__(name: str) -> Any:
    """Import ``AbsMemMemory`` on first use, so that ``langchain-classic`` stays optional."""
    if name == "AbsMemMemory":
        from .classic import AbsMemMemory

        return AbsMemMemory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""LlamaIndex adapter for absmem: memory that learns what works, for chat engines and agents.

- :class:`AbsMemMemory`: a ``BaseMemory`` (short-term history plus recalled lessons) for chat
  engines and ``FunctionAgent`` / ``AgentWorkflow`` runs; remembers each turn itself.
- :class:`AbsMemBlock`: a ``BaseMemoryBlock`` for LlamaIndex's ``Memory`` class.
- :class:`AbsMemFeedbackHandler`: an instrumentation handler linking span ids and responses to
  what they produced, for feedback (and recording the block's turns).
- :func:`absmem_tools`: the memory as ``FunctionTool`` s an agent calls itself (recall, find,
  assess).
- :class:`~absmem.embed.LlamaIndexEmbedder` (any ``BaseEmbedding`` as the embedder),
  :class:`~absmem.lessons.LLMLessonWriter` (any LLM writes lessons at consolidation),
  :func:`~absmem.to_reward` (scores to rewards) and :func:`~absmem.turn_run_id` (a session's
  turn as a run id), re-exported from the core.

Example:
    >>> import llamaindex_absmem
    >>> sorted(llamaindex_absmem.__all__)[:3]
    ['AbsMemBlock', 'AbsMemFeedbackHandler', 'AbsMemMemory']
"""

from __future__ import annotations

from absmem import LlamaIndexEmbedder, LLMLessonWriter, to_reward, turn_run_id

from .blocks import AbsMemBlock
from .events import AbsMemRecallEvent, AbsMemRememberEvent
from .handlers import AbsMemFeedbackHandler
from .memory import AbsMemMemory
from .tools import absmem_tools

__all__ = [
    "AbsMemBlock",
    "AbsMemFeedbackHandler",
    "AbsMemMemory",
    "AbsMemRecallEvent",
    "AbsMemRememberEvent",
    "LLMLessonWriter",
    "LlamaIndexEmbedder",
    "absmem_tools",
    "to_reward",
    "turn_run_id",
]

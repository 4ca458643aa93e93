"""Instrumentation events the adapter sends on LlamaIndex's dispatcher, for the feedback handler.

:class:`AbsMemRecallEvent` is sent when :class:`~llamaindex_absmem.AbsMemMemory` or
:class:`~llamaindex_absmem.AbsMemBlock` recalls for a turn, :class:`AbsMemRememberEvent` when a
turn is remembered. Each carries the id of the span it happened in (``span_id``, filled by
LlamaIndex), so :class:`~llamaindex_absmem.AbsMemFeedbackHandler` can link that span and the
spans around it (the chat engine's ``chat``, the agent's ``run``) to the recall and experience.
Any other event handler on the dispatcher sees them too (for tracing).

Example:
    >>> from llamaindex_absmem.events import AbsMemRecallEvent
    >>> AbsMemRecallEvent.class_name()
    'AbsMemRecallEvent'
"""

from __future__ import annotations

from typing import Any

from llama_index.core.instrumentation.events import BaseEvent
from llama_index_instrumentation import get_dispatcher
from pydantic import Field

__all__ = ["AbsMemRecallEvent", "AbsMemRememberEvent", "dispatcher"]

dispatcher = get_dispatcher(__name__)
"""The adapter's dispatcher (a child of LlamaIndex's root dispatcher)."""


class AbsMemRecallEvent(BaseEvent):
    """A recall made for a turn (by the memory or the block).

    Example:
        >>> from llamaindex_absmem.events import AbsMemRecallEvent
        >>> AbsMemRecallEvent(memory=None, recall_id="rec_1", query="hi").record_turn
        False
    """

    memory: Any = Field(exclude=True, description="The AbstractionMemory that recalled.")
    recall_id: str = Field(description="The recall's id.")
    query: str = Field(description="The user message recalled for.")
    namespace: str | None = Field(default=None, description="Tenant; None: the memory's.")
    user_id: str | None = Field(default=None, description="The user.")
    session_id: str | None = Field(default=None, description="The conversation.")
    record_turn: bool = Field(
        default=False,
        description="Whether the handler should remember the turn when its answer comes "
        "(the block's recalls; AbsMemMemory remembers turns itself).",
    )

    @classmethod
    def class_name(cls) -> str:
        """The event's name in traces."""
        return "AbsMemRecallEvent"


class AbsMemRememberEvent(BaseEvent):
    """A turn remembered as an experience, linked to the recall that informed it.

    Example:
        >>> from llamaindex_absmem.events import AbsMemRememberEvent
        >>> AbsMemRememberEvent(memory=None, experience_id="exp_1").recall_id is None
        True
    """

    memory: Any = Field(exclude=True, description="The AbstractionMemory that remembered.")
    experience_id: str = Field(description="The experience's id.")
    recall_id: str | None = Field(default=None, description="The recall that informed it.")
    namespace: str | None = Field(default=None, description="Tenant; None: the memory's.")

    @classmethod
    def class_name(cls) -> str:
        """The event's name in traces."""
        return "AbsMemRememberEvent"

"""``AbsMemBlock``: a memory block of LlamaIndex's ``Memory`` that renders what worked before.

``Memory.get()`` asks every block for its content with the current messages (plus the input,
when the caller passes one) and puts the blocks in a system message. ``_aget`` recalls for the
latest user message and renders the recall. One recall per turn: the block keeps its recent
recalls by (session, user, message, the message before it), so the repeated ``get()`` calls of
an agent's tool-calling loop reuse the turn's recall, while the same question asked again later
(after an answer) is a new turn.

How turns are recorded: ``Memory`` only hands a block the messages it flushes out of its
short-term queue, long after the turn and not at all for short conversations, so the block does
not record turns there (``_aput`` does nothing and ``accept_short_term_memory`` is off). The
block announces each recall on the dispatcher (:class:`~llamaindex_absmem.events.AbsMemRecallEvent`)
and a registered :class:`~llamaindex_absmem.AbsMemFeedbackHandler` remembers the turn when the
chat engine's ``chat`` or the agent's ``run`` returns its answer, linked to the recall and to the
run's span ids. Without the handler, recall works and nothing is remembered.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.memory import BaseMemoryBlock
from pydantic import ConfigDict, Field, PrivateAttr

from absmem import AbstractionMemory, Recall, turn_run_id

from ._messages import latest_user
from .events import AbsMemRecallEvent, dispatcher

__all__ = ["AbsMemBlock"]

_Key = tuple[str | None, str | None, str, str | None]


class AbsMemBlock(BaseMemoryBlock[str]):
    """What worked before, for the latest user message: a block of LlamaIndex's ``Memory``.

    The session is the ``Memory``'s ``session_id`` (LlamaIndex passes it to blocks); the user is
    ``user_id``, or a ``user_id`` keyword given to ``Memory.get``. Register an
    :class:`~llamaindex_absmem.AbsMemFeedbackHandler` to have turns remembered and rated.

    Setup:
        .. code-block:: bash

            pip install "absmem[llamaindex]"

    Instantiate:
        .. code-block:: python

            from absmem import AbstractionMemory
            from llama_index.core.memory import Memory
            from llamaindex_absmem import AbsMemBlock, AbsMemFeedbackHandler

            store = AbstractionMemory.open("./memory")
            handler = AbsMemFeedbackHandler(store).register()  # records and rates turns
            memory = Memory.from_defaults(session_id="s1",
                                          memory_blocks=[AbsMemBlock(memory=store, k=3)])

    Usage:
        .. code-block:: python

            response = await agent.run("how do I reset my pin?", memory=memory)
            handler.feedback(response, True, scale="thumbs")

    Example:
        >>> import asyncio, tempfile
        >>> from absmem import AbstractionMemory
        >>> from llama_index.core.llms import ChatMessage
        >>> from llamaindex_absmem import AbsMemBlock
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as store:
        ...     _ = store.remember("how do I reset my pin?", "Cards > Reset PIN in the app.")
        ...     block = AbsMemBlock(memory=store, k=1)
        ...     ask = [ChatMessage(role="user", content="pin reset?")]
        ...     print(asyncio.run(block.aget(ask, session_id="s1")))
        Relevant past interactions (from memory, most useful first):
        1. When asked "how do I reset my pin?", the response was "Cards > Reset PIN in the app."
        (unrated)
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str = Field(default="absmem", description="The block's name (its tag in the prompt).")
    accept_short_term_memory: bool = Field(
        default=False,
        description="Off: flushed messages are not recorded here (the handler records turns).",
    )
    memory: AbstractionMemory = Field(exclude=True, description="The absmem memory.")
    k: int = Field(default=5, ge=1, le=1000, description="Memory items recalled per turn.")
    user_id: str | None = Field(default=None, description="The user, for scoping and erasure.")
    namespace: str | None = Field(default=None, description="Tenant; the memory's by default.")
    header: str | None = Field(default=None, description="First line of the rendered recall.")
    cache_size: int = Field(default=256, ge=1, description="Recent turns' recalls kept.")

    _recalls: OrderedDict[_Key, Recall] = PrivateAttr(default_factory=OrderedDict)

    def _cached(self, key: _Key) -> Recall | None:
        recall = self._recalls.get(key)
        if recall is not None:
            self._recalls.move_to_end(key)
        return recall

    def _keep(self, key: _Key, recall: Recall) -> None:
        self._recalls[key] = recall
        while len(self._recalls) > self.cache_size:
            self._recalls.popitem(last=False)
        dispatcher.event(
            AbsMemRecallEvent(
                memory=self.memory,
                recall_id=recall.id,
                query=recall.query,
                namespace=self.namespace,
                user_id=key[1],
                session_id=key[0],
                record_turn=True,
            )
        )

    async def _aget(self, messages: list[ChatMessage] | None = None, **block_kwargs: Any) -> str:
        """Recall for the latest user message (once per turn) and render it; ``""`` if none."""
        query, before = latest_user(messages or [])
        if query is None:
            return ""
        session, user = block_kwargs.get("session_id"), block_kwargs.get("user_id", self.user_id)
        session = session if isinstance(session, str) and session else None
        key: _Key = (session, user if isinstance(user, str) else None, query, before)
        recall = self._cached(key)
        if recall is None:
            recall = await self.memory.arecall(
                query, k=self.k, user_id=key[1], session_id=session, namespace=self.namespace,
                run_id=None if session is None else turn_run_id(session),
            )  # fmt: skip
            self._keep(key, recall)
        return recall.as_prompt(self.header)

    async def _aput(self, messages: list[ChatMessage]) -> None:
        """Nothing: flushed messages are old turns, recorded by the feedback handler."""
        return None

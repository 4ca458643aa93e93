"""``AbsMemMemory``: a LlamaIndex ``BaseMemory`` that recalls what worked and remembers each turn.

The short-term history is a ``ChatMemoryBuffer`` (token-limited, any chat store); on top of it,
``get()`` adds one system message with what the absmem memory recalled for the latest user input
(``input=`` when the caller passes it, else the latest user message of the history), and
``put()`` remembers the exchange when the answer to that user message arrives (the first
assistant message with text and no tool call), linked to its recall. One recall per turn: the
repeated ``get()`` calls of an agent's tool-calling loop reuse it.

Turn bookkeeping follows the callers' orders: ``SimpleChatEngine`` and agents put the user
message before ``get()``; ``ContextChatEngine`` and ``CondensePlusContextChatEngine`` call
``get(input=message)`` first and put both messages after the answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.llms.llm import LLM
from llama_index.core.memory import ChatMemoryBuffer
from llama_index.core.memory.types import DEFAULT_CHAT_STORE_KEY, BaseMemory
from llama_index.core.storage.chat_store import BaseChatStore
from pydantic import ConfigDict, Field, PrivateAttr

from absmem import AbstractionMemory, Feedback, InvalidArgumentError, Recall, to_reward, turn_run_id
from absmem.rewards import Scale

from ._messages import is_answer, latest_user, text, tool_names
from .events import AbsMemRecallEvent, AbsMemRememberEvent, dispatcher

__all__ = ["AbsMemMemory"]

logger = logging.getLogger(__name__)


@dataclass
class _Turn:
    """The current turn: its user message, its recall and, once answered, its experience."""

    query: str
    asked: bool = False
    recall: Recall | None = None
    experience_id: str | None = None
    tools: list[str] = field(default_factory=list)


def _with_prompt(prompt: str, history: list[ChatMessage]) -> list[ChatMessage]:
    """The history with ``prompt`` in its system message (a new first message when none)."""
    if not prompt:
        return history
    if history and history[0].role == MessageRole.SYSTEM and isinstance(history[0].content, str):
        merged = f"{history[0].content}\n\n{prompt}" if history[0].content else prompt
        return [ChatMessage(role=MessageRole.SYSTEM, content=merged), *history[1:]]
    return [ChatMessage(role=MessageRole.SYSTEM, content=prompt), *history]


def _user_turns(messages: list[ChatMessage]) -> int:
    return sum(1 for m in messages if m.role == MessageRole.USER and text(m))


class AbsMemMemory(BaseMemory):
    """Chat memory that learns what works: the short-term history plus recalled lessons.

    Give it to a chat engine (``memory=``) or an agent run (``agent.run(..., memory=...)``). Each
    turn: one recall for the user's message, scoped by ``user_id`` and ``session_id``, rendered as
    a system message in ``get()``; the exchange remembered when the answer is put, linked to
    the recall (tool names in ``metadata["tools"]``). Feedback: ``memory.feedback(...)`` rates the
    last turn; with a ``session_id``, ``absmem.turn_run_id(session_id, n)`` names turn ``n`` (and
    ``turn_run_id(session_id)`` the latest) in any process; an
    :class:`~llamaindex_absmem.AbsMemFeedbackHandler` links span ids and responses. Use one
    instance per conversation. ``reset()`` clears the short-term history only (erasure is
    ``memory.memory.forget(session_id=...)``).

    Setup:
        .. code-block:: bash

            pip install "absmem[llamaindex]"

    Instantiate:
        .. code-block:: python

            from absmem import AbstractionMemory
            from llamaindex_absmem import AbsMemMemory

            store = AbstractionMemory.open("./memory")
            memory = AbsMemMemory.from_defaults(store, user_id="u1", session_id="s1",
                                                token_limit=3000)

    Usage:
        .. code-block:: python

            from llama_index.core.chat_engine import SimpleChatEngine

            engine = SimpleChatEngine.from_defaults(llm=llm, memory=memory)
            engine.chat("how do I reset my pin?")
            memory.feedback(True, scale="thumbs")  # rates that turn

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> from llama_index.core.chat_engine import SimpleChatEngine
        >>> from llama_index.core.llms import MockLLM
        >>> from llamaindex_absmem import AbsMemMemory
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as store:
        ...     _ = store.remember("how do I reset my pin?", "Cards > Reset PIN in the app.")
        ...     memory = AbsMemMemory.from_defaults(store, k=1, session_id="s1")
        ...     engine = SimpleChatEngine.from_defaults(llm=MockLLM(), memory=memory)
        ...     reply = engine.chat("pin reset?")  # MockLLM echoes the prompt it received
        ...     print("Cards > Reset PIN" in reply.response, store.count())
        True 2
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    memory: AbstractionMemory = Field(exclude=True, description="The absmem memory.")
    chat_buffer: ChatMemoryBuffer = Field(
        default_factory=ChatMemoryBuffer.from_defaults,
        description="The short-term, token-limited chat history.",
    )
    k: int = Field(default=5, ge=1, le=1000, description="Memory items recalled per turn.")
    user_id: str | None = Field(default=None, description="The user, for scoping and erasure.")
    session_id: str | None = Field(default=None, description="The conversation.")
    namespace: str | None = Field(default=None, description="Tenant; the memory's by default.")
    header: str | None = Field(default=None, description="First line of the recalled block.")

    _turn: _Turn | None = PrivateAttr(default=None)

    @classmethod
    def class_name(cls) -> str:
        """The class's name in serialised form."""
        return "AbsMemMemory"

    @classmethod
    def from_defaults(
        cls,
        memory: AbstractionMemory | None = None,
        *,
        chat_history: list[ChatMessage] | None = None,
        llm: LLM | None = None,
        token_limit: int | None = None,
        chat_store: BaseChatStore | None = None,
        chat_store_key: str | None = None,
        **options: Any,
    ) -> AbsMemMemory:
        """Build the memory and its ``ChatMemoryBuffer`` (same arguments as that buffer's).

        Args:
            memory: the absmem memory.
            chat_history: messages the short-term history starts with.
            llm: sizes the token limit from its context window, as ``ChatMemoryBuffer`` does.
            token_limit: the short-term history's token limit (3000 by default).
            chat_store: where the history is kept; in memory by default.
            chat_store_key: the history's key in the store; the ``session_id`` by default.
            **options: the other fields (``k``, ``user_id``, ``session_id``, ``namespace``,
                ``header``).
        """
        if not isinstance(memory, AbstractionMemory):
            raise InvalidArgumentError("memory", "an absmem AbstractionMemory", memory)
        key = chat_store_key or options.get("session_id") or DEFAULT_CHAT_STORE_KEY
        buffer = ChatMemoryBuffer.from_defaults(
            chat_history=chat_history, llm=llm, token_limit=token_limit,
            chat_store=chat_store, chat_store_key=key,
        )  # fmt: skip
        return cls(memory=memory, chat_buffer=buffer, **options)

    @property
    def tokenizer_fn(self) -> Any:
        """The history's tokenizer (chat engines count their prefix messages with it)."""
        return self.chat_buffer.tokenizer_fn

    @property
    def last_recall_id(self) -> str | None:
        """The id of the current (or last) turn's recall."""
        turn = self._turn
        return None if turn is None or turn.recall is None else turn.recall.id

    @property
    def last_experience_id(self) -> str | None:
        """The id of the last turn remembered, once its answer was put."""
        return None if self._turn is None else self._turn.experience_id

    # -- translation --------------------------------------------------------------------------

    def _turn_for(
        self, input: ChatMessage | str | None, history: list[ChatMessage]
    ) -> _Turn | None:
        """The turn ``get`` serves: the open one for the same message, else a new one."""
        query = text(input) if input is not None else latest_user(history)[0]
        if not query:
            return None
        turn = self._turn
        if (
            turn is not None
            and turn.query == query
            and (turn.experience_id is None or input is None)
        ):
            return turn
        self._turn = _Turn(query, asked=input is None)
        return self._turn

    def _recall_args(self, query: str) -> dict[str, Any]:
        latest = None if self.session_id is None else turn_run_id(self.session_id)
        return {"query": query, "k": self.k, "user_id": self.user_id,
                "session_id": self.session_id, "namespace": self.namespace,
                "run_id": latest}  # fmt: skip

    def _recalled(self, turn: _Turn, recall: Recall) -> None:
        turn.recall = recall
        dispatcher.event(
            AbsMemRecallEvent(
                memory=self.memory,
                recall_id=recall.id,
                query=recall.query,
                namespace=self.namespace,
                user_id=self.user_id,
                session_id=self.session_id,
            )
        )

    def _prompt(self, turn: _Turn | None) -> str:
        return "" if turn is None or turn.recall is None else turn.recall.as_prompt(self.header)

    def _budget(self, prompt: str, kwargs: dict[str, Any]) -> int:
        """The token count the history must leave room for: the caller's and the recall's."""
        initial = int(kwargs.get("initial_token_count", 0))
        with_prompt = initial + (len(self.tokenizer_fn(prompt)) if prompt else 0)
        return with_prompt if with_prompt <= self.chat_buffer.token_limit else initial

    def _on_put(self, message: ChatMessage) -> dict[str, Any] | None:
        """Follow the turn; the ``remember`` arguments when ``message`` answers it."""
        turn = self._turn
        if message.role == MessageRole.USER:
            query = text(message)
            if not query:
                return None
            if turn is None or turn.query != query or turn.asked or turn.experience_id:
                self._turn = _Turn(query, asked=True)
            else:
                turn.asked = True
            return None
        if turn is None or turn.experience_id is not None or message.role != MessageRole.ASSISTANT:
            return None
        turn.tools += tool_names(message)
        if not is_answer(message):
            return None
        metadata = {"source": "llamaindex", "tools": turn.tools}
        return {"context": turn.query, "response": text(message),
                "recall_id": None if turn.recall is None else turn.recall.id,
                "user_id": self.user_id, "session_id": self.session_id,
                "metadata": metadata, "namespace": self.namespace}  # fmt: skip

    def _turn_run(self, history: list[ChatMessage]) -> str | None:
        turns = _user_turns(history)
        return None if self.session_id is None or turns < 1 else turn_run_id(self.session_id, turns)

    def _remembered(self, args: dict[str, Any], experience_id: str) -> str | None:
        """Keep the experience id, tell the dispatcher; the latest-turn run id to link, if any."""
        if self._turn is not None:
            self._turn.experience_id = experience_id
        dispatcher.event(
            AbsMemRememberEvent(memory=self.memory, experience_id=experience_id,
                                recall_id=args["recall_id"], namespace=self.namespace)
        )  # fmt: skip
        logger.debug("remembered turn %s as %s", args["run_id"], experience_id)
        return None if self.session_id is None else turn_run_id(self.session_id)

    # -- BaseMemory ---------------------------------------------------------------------------

    def get(self, input: str | None = None, **kwargs: Any) -> list[ChatMessage]:
        """The history, after a system message with what was recalled for the latest input."""
        turn = self._turn_for(input, self.chat_buffer.get_all())
        if turn is not None and turn.recall is None:
            self._recalled(turn, self.memory.recall(**self._recall_args(turn.query)))
        prompt = self._prompt(turn)
        history = self.chat_buffer.get(initial_token_count=self._budget(prompt, kwargs))
        return _with_prompt(prompt, history)

    async def aget(self, input: str | None = None, **kwargs: Any) -> list[ChatMessage]:
        """Async twin of :meth:`get`."""
        turn = self._turn_for(input, await self.chat_buffer.aget_all())
        if turn is not None and turn.recall is None:
            self._recalled(turn, await self.memory.arecall(**self._recall_args(turn.query)))
        prompt = self._prompt(turn)
        history = await self.chat_buffer.aget(initial_token_count=self._budget(prompt, kwargs))
        return _with_prompt(prompt, history)

    def put(self, message: ChatMessage) -> None:
        """Add ``message`` to the history; remember the turn when it is the turn's answer."""
        self.chat_buffer.put(message)
        args = self._on_put(message)
        if args is None:
            return
        args["run_id"] = self._turn_run(self.chat_buffer.get_all())
        latest = self._remembered(args, experience_id := self.memory.remember(**args))
        if latest is not None:
            self.memory.link_run(latest, experience_id=experience_id, namespace=self.namespace)

    async def aput(self, message: ChatMessage) -> None:
        """Async twin of :meth:`put`."""
        await self.chat_buffer.aput(message)
        args = self._on_put(message)
        if args is None:
            return
        args["run_id"] = self._turn_run(await self.chat_buffer.aget_all())
        latest = self._remembered(args, experience_id := await self.memory.aremember(**args))
        if latest is not None:
            await self.memory.alink_run(
                latest, experience_id=experience_id, namespace=self.namespace
            )

    async def aput_messages(self, messages: list[ChatMessage]) -> None:
        """Put each message in order (an agent's scratchpad at the end of its turn)."""
        for message in messages:
            await self.aput(message)

    def get_all(self) -> list[ChatMessage]:
        """The whole short-term history, without recalled memory."""
        return self.chat_buffer.get_all()

    async def aget_all(self) -> list[ChatMessage]:
        """Async twin of :meth:`get_all`."""
        return await self.chat_buffer.aget_all()

    def set(self, messages: list[ChatMessage]) -> None:
        """Replace the short-term history (a new turn starts with the next message)."""
        self.chat_buffer.set(messages)
        self._turn = None

    async def aset(self, messages: list[ChatMessage]) -> None:
        """Async twin of :meth:`set`."""
        await self.chat_buffer.aset(messages)
        self._turn = None

    def reset(self) -> None:
        """Clear the short-term history; what the absmem memory learnt stays."""
        self.chat_buffer.reset()
        self._turn = None

    async def areset(self) -> None:
        """Async twin of :meth:`reset`."""
        await self.chat_buffer.areset()
        self._turn = None

    # -- feedback -----------------------------------------------------------------------------

    def _target(self) -> str:
        target = self.last_experience_id or self.last_recall_id
        if target is None:
            raise InvalidArgumentError("memory", "a turn recalled or remembered before feedback")
        return target

    def feedback(self, score: object, *, scale: Scale = "signed") -> Feedback:
        """Rate the last turn (its experience, else its recall) with ``score`` on ``scale``.

        ``scale`` is one of :func:`absmem.to_reward`'s (``"signed"``, ``"unit"``, ``"thumbs"``,
        ``(lo, hi)``). Returns the :class:`absmem.Feedback` recorded.
        """
        reward = to_reward(score, scale=scale)
        return self.memory.feedback(self._target(), reward=reward, namespace=self.namespace)

    async def afeedback(self, score: object, *, scale: Scale = "signed") -> Feedback:
        """Async twin of :meth:`feedback`."""
        reward = to_reward(score, scale=scale)
        return await self.memory.afeedback(self._target(), reward=reward, namespace=self.namespace)

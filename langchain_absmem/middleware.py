"""``AbsMemMiddleware``: absmem memory for agents built with ``langchain.agents.create_agent``.

Per agent turn (one ``invoke`` of the agent): before the agent runs, one recall for the latest
user message, scoped by the thread id and the user id; before every model call of the turn, the
rendered recall is added to the system prompt; after the turn, the exchange (the user message and
the agent's final answer, not each tool message) is remembered, linked to that recall. The ids
are kept in the agent's state (private, checkpointed with the thread), so a LangGraph
checkpointer keeps each thread's turn apart.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from langchain.agents.middleware import AgentMiddleware, AgentState, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ModelCallResult, PrivateStateAttr
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.config import get_config
from langgraph.runtime import Runtime
from typing_extensions import NotRequired

from absmem import AbstractionMemory, InvalidArgumentError, Recall

from ._keys import EXPERIENCE_KEY, PROMPT_KEY, QUERY_KEY, RECALL_KEY

__all__ = ["AbsMemMiddleware", "AbsMemState"]

logger = logging.getLogger(__name__)


class AbsMemState(AgentState[Any]):
    """The agent state with the turn's memory ids (private: never in the agent's input/output)."""

    absmem_recall_id: NotRequired[Annotated[str | None, PrivateStateAttr]]
    absmem_query: NotRequired[Annotated[str | None, PrivateStateAttr]]
    absmem_prompt: NotRequired[Annotated[str | None, PrivateStateAttr]]
    absmem_experience_id: NotRequired[Annotated[str | None, PrivateStateAttr]]


@dataclass(frozen=True)
class _Scope:
    user_id: str | None
    thread_id: str | None
    run_id: str | None


@dataclass(frozen=True)
class _Turn:
    query: str
    answer: str
    tools: list[str]


def _text(message: AnyMessage) -> str:
    return message.text.strip() if isinstance(message.text, str) else ""


def _latest_user_text(messages: Sequence[AnyMessage]) -> str | None:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return _text(message) or None
    return None


def _final_turn(state: Mapping[str, Any]) -> _Turn | None:
    """The turn's user message and final answer (the last AI text after the last user message)."""
    query = state.get(QUERY_KEY)
    messages: list[AnyMessage] = list(state.get("messages", []))
    last_user = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
    replies = [m for m in messages[last_user + 1 :] if isinstance(m, AIMessage)]
    answers = [_text(m) for m in replies if _text(m)]
    if not query or not answers:
        return None
    tools = [call["name"] for m in replies for call in m.tool_calls]
    return _Turn(query, answers[-1], tools)


def _with_memory(system: SystemMessage | None, prompt: str) -> SystemMessage:
    """The system message with the rendered recall appended (a new one when there is none)."""
    if system is None:
        return SystemMessage(content=prompt)
    if isinstance(system.content, str):
        return SystemMessage(content=f"{system.content}\n\n{prompt}" if system.content else prompt)
    return SystemMessage(content=[*system.content, {"type": "text", "text": prompt}])


def _recalled(recall: Recall | None, header: str | None) -> dict[str, Any]:
    if recall is None:
        return {RECALL_KEY: None, QUERY_KEY: None, PROMPT_KEY: None, EXPERIENCE_KEY: None}
    prompt = recall.as_prompt(header) or None
    return {
        RECALL_KEY: recall.id,
        QUERY_KEY: recall.query,
        PROMPT_KEY: prompt,
        EXPERIENCE_KEY: None,
    }


class AbsMemMiddleware(AgentMiddleware[AbsMemState, Any]):
    """Memory that learns what works, for ``create_agent``: recall before, remember after.

    The user id comes from the run's context (``context={"user_id": ...}`` or an attribute of a
    context dataclass), else from the config (``configurable`` or ``metadata``); the thread id
    (``configurable.thread_id``) is the session. When the config carries a ``run_id``, the recall
    and the experience are linked to it, so ``memory.feedback(run_id=..., reward=...)`` works;
    an :class:`AbsMemFeedbackHandler` in the callbacks links any run id, parents included. The
    turn's ids stay in the thread's state: ``agent.get_state(config).values["absmem_recall_id"]``.

    Args:
        memory: the absmem memory.
        k: memory items recalled per turn.
        namespace: tenant; the memory's by default.
        user_id_key: the key (or attribute) holding the user id in the context or the config.
        header: the first line of the memory block in the system prompt.

    Setup:
        .. code-block:: bash

            pip install "absmem[langchain]"

    Instantiate:
        .. code-block:: python

            from absmem import AbstractionMemory
            from langchain.agents import create_agent
            from langchain_absmem import AbsMemMiddleware
            from langgraph.checkpoint.memory import InMemorySaver

            memory = AbstractionMemory.open("./memory")
            agent = create_agent(model, tools=[...], middleware=[AbsMemMiddleware(memory)],
                                 checkpointer=InMemorySaver())

    Usage:
        .. code-block:: python

            import uuid

            run_id = uuid.uuid4()
            config = {"run_id": run_id, "configurable": {"thread_id": "t1", "user_id": "u1"}}
            agent.invoke({"messages": [{"role": "user", "content": "reset my pin"}]}, config)
            memory.feedback(run_id=run_id, reward=1.0)  # thumbs up, whenever it comes

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> from langchain.agents import create_agent
        >>> from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
        >>> from langchain_absmem import AbsMemMiddleware
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as memory:
        ...     _ = memory.remember("how do I reset my pin?", "Cards > Reset PIN in the app.")
        ...     model = GenericFakeChatModel(messages=iter(["Open Cards, then Reset PIN."]))
        ...     agent = create_agent(model, middleware=[AbsMemMiddleware(memory, k=1)])
        ...     out = agent.invoke({"messages": [{"role": "user", "content": "pin reset?"}]})
        ...     print(out["messages"][-1].content, memory.count())
        Open Cards, then Reset PIN. 2
    """

    state_schema = AbsMemState

    def __init__(
        self,
        memory: AbstractionMemory,
        *,
        k: int = 5,
        namespace: str | None = None,
        user_id_key: str = "user_id",
        header: str | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(memory, AbstractionMemory):
            raise InvalidArgumentError("memory", "an absmem AbstractionMemory", memory)
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 1000:
            raise InvalidArgumentError("k", "an integer in [1, 1000]", k)
        if not isinstance(user_id_key, str) or not user_id_key:
            raise InvalidArgumentError("user_id_key", "a non-empty string", user_id_key)
        self.memory = memory
        self.k = k
        self.namespace = namespace
        self.user_id_key = user_id_key
        self.header = header
        self.tools = []

    # -- translation --------------------------------------------------------------------------

    def _scope(self, runtime: Runtime[Any]) -> _Scope:
        """User, thread and run ids of this run, from its context, execution info and config."""
        config = get_config()
        configurable = config.get("configurable") or {}
        metadata = config.get("metadata") or {}
        context = runtime.context
        user = context.get(self.user_id_key) if isinstance(context, Mapping) else (
            getattr(context, self.user_id_key, None)
        )  # fmt: skip
        user = user or configurable.get(self.user_id_key) or metadata.get(self.user_id_key)
        info = runtime.execution_info
        thread = (info.thread_id if info else None) or configurable.get("thread_id")
        run = (info.run_id if info else None) or config.get("run_id")
        return _Scope(
            None if user is None else str(user),
            None if thread is None else str(thread),
            None if run is None else str(run),
        )

    def _recall_args(self, state: AbsMemState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        query = _latest_user_text(state.get("messages", []))
        if query is None:
            return None
        scope = self._scope(runtime)
        return {"query": query, "k": self.k, "user_id": scope.user_id,
                "session_id": scope.thread_id, "namespace": self.namespace,
                "run_id": scope.run_id}  # fmt: skip

    def _remember_args(self, state: AbsMemState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        turn, recall_id = _final_turn(state), state.get(RECALL_KEY)
        if turn is None or recall_id is None:
            logger.debug("nothing to remember for this turn (no recall or no final answer)")
            return None
        scope = self._scope(runtime)
        metadata = {"source": "langchain", "tools": turn.tools, "thread_id": scope.thread_id}
        return {"context": turn.query, "response": turn.answer, "recall_id": recall_id,
                "user_id": scope.user_id, "session_id": scope.thread_id,
                "metadata": metadata, "namespace": self.namespace,
                "run_id": scope.run_id}  # fmt: skip

    def _request(self, request: ModelRequest[Any]) -> ModelRequest[Any]:
        prompt = request.state.get(PROMPT_KEY)
        if not isinstance(prompt, str) or not prompt:
            return request
        return request.override(system_message=_with_memory(request.system_message, prompt))

    # -- hooks --------------------------------------------------------------------------------

    def before_agent(self, state: AbsMemState, runtime: Runtime[Any]) -> dict[str, Any]:
        """Recall for the latest user message; keep the recall in the thread's state."""
        args = self._recall_args(state, runtime)
        return _recalled(None if args is None else self.memory.recall(**args), self.header)

    async def abefore_agent(self, state: AbsMemState, runtime: Runtime[Any]) -> dict[str, Any]:
        """Async twin of :meth:`before_agent`."""
        args = self._recall_args(state, runtime)
        return _recalled(None if args is None else await self.memory.arecall(**args), self.header)

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelCallResult[Any]:
        """Call the model with the turn's recalled memory added to the system prompt."""
        return handler(self._request(request))

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelCallResult[Any]:
        """Async twin of :meth:`wrap_model_call`."""
        return await handler(self._request(request))

    def after_agent(self, state: AbsMemState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        """Remember the turn (user message, final answer) linked to its recall."""
        args = self._remember_args(state, runtime)
        if args is None:
            return None
        return {EXPERIENCE_KEY: self.memory.remember(**args)}

    async def aafter_agent(
        self, state: AbsMemState, runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        """Async twin of :meth:`after_agent`."""
        args = self._remember_args(state, runtime)
        if args is None:
            return None
        return {EXPERIENCE_KEY: await self.memory.aremember(**args)}

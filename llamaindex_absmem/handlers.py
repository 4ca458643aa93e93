"""``AbsMemFeedbackHandler``: link LlamaIndex runs (span ids, responses) to their recall and turn.

LlamaIndex's instrumentation gives every call of a chat engine, an agent, an LLM a span id,
nested (``FunctionAgent.run`` encloses its steps). Registered on the dispatcher, the handler
follows the span tree; when :class:`~llamaindex_absmem.AbsMemMemory` or
:class:`~llamaindex_absmem.AbsMemBlock` announces a recall or a remembered turn
(:mod:`llamaindex_absmem.events`), the handler links the span it happened in and every
enclosing span up to the root with :meth:`absmem.AbstractionMemory.link_run` (the link lives in
the core). It also keeps which response each linked span returned, so an application can rate
the response object it holds. For :class:`~llamaindex_absmem.AbsMemBlock`, the handler records
the turn itself: when the innermost span enclosing the recall returns an answer (a chat
engine's ``AgentChatResponse``, an agent's final ``AgentOutput``), the user message and that
answer are remembered, linked to the recall.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from llama_index.core.agent.workflow import AgentOutput
from llama_index.core.chat_engine.types import AgentChatResponse
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.span import SimpleSpan
from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from llama_index.core.workflow import StopEvent
from llama_index_instrumentation import root_dispatcher
from llama_index_instrumentation.dispatcher import Dispatcher
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from absmem import AbstractionMemory, Feedback, InvalidArgumentError, to_reward, turn_run_id
from absmem.rewards import Scale

from ._messages import text
from .events import AbsMemRecallEvent, AbsMemRememberEvent

__all__ = ["AbsMemFeedbackHandler"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Pending:
    """A block's recall whose turn is remembered when an enclosing span returns an answer."""

    event: AbsMemRecallEvent


def _answer(result: Any) -> tuple[str, list[str]] | None:
    """The final answer of a span's result and the tools called for it; ``None`` if not one.

    A chat engine's ``AgentChatResponse`` is one; an agent's ``AgentOutput`` is one when the
    run stopped with it (its ``tool_calls`` are then the tools called during the run), not a
    step's output that still calls tools.
    """
    stopped = isinstance(result, StopEvent)
    if stopped:
        result = result.result
    if isinstance(result, AgentChatResponse) and not result.is_dummy_stream:
        answer = result.response.strip()
        return (answer, [s.tool_name for s in result.sources if s.tool_name]) if answer else None
    if isinstance(result, AgentOutput) and (stopped or not result.tool_calls):
        answer = text(result.response)
        return (answer, [call.tool_name for call in result.tool_calls]) if answer else None
    return None


def _responses_of(result: Any) -> list[Any]:
    """The objects an application may hold for a span's result (a stop event's result too)."""
    found = [result]
    if isinstance(result, StopEvent) and result.result is not None:
        found.append(result.result)
    return [r for r in found if not isinstance(r, str | int | float | bool | type(None))]


class _Events(BaseEventHandler):
    """Passes the adapter's events to the handler that owns this one."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    owner: Any = Field(exclude=True, description="The AbsMemFeedbackHandler.")

    @classmethod
    def class_name(cls) -> str:
        """The handler's name."""
        return "AbsMemEvents"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        """Hand recall and remember events to the owner."""
        if isinstance(event, AbsMemRecallEvent | AbsMemRememberEvent):
            self.owner.on_event(event)


class AbsMemFeedbackHandler(BaseSpanHandler[SimpleSpan]):
    """Links each LlamaIndex run (its spans and its response) to the recall and turn it made.

    Feedback then names what the application has: the response object
    (``handler.feedback(response, score, scale=...)``), a span id
    (``memory.feedback(run_id=span_id, reward=...)``; an application's own
    ``@dispatcher.span`` around the call works too), or the session
    (``memory.feedback(run_id=absmem.turn_run_id(session_id), ...)`` for its latest turn).
    A run linked to an experience rates the experience (which credits the items recalled for
    it); a run with only a recall rates the recall. Errors inside the handler are logged, never
    raised into the application's run.

    Args:
        memory: the absmem memory whose recalls and turns are linked (others are ignored).
        namespace: tenant of :meth:`feedback`; the memory's by default.
        max_responses: responses remembered for :meth:`feedback` (the oldest are dropped).

    Setup:
        .. code-block:: bash

            pip install "absmem[llamaindex]"

    Instantiate:
        .. code-block:: python

            from absmem import AbstractionMemory
            from llamaindex_absmem import AbsMemFeedbackHandler

            memory = AbstractionMemory.open("./memory")
            handler = AbsMemFeedbackHandler(memory).register()  # on the root dispatcher

    Usage:
        .. code-block:: python

            response = engine.chat("how do I reset my pin?")
            handler.feedback(response, True, scale="thumbs")   # or, by span id, later:
            memory.feedback(run_id=handler.run_id(response), reward=to_reward(4, scale=(1, 5)))

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> from llama_index.core.chat_engine import SimpleChatEngine
        >>> from llama_index.core.llms import MockLLM
        >>> from llamaindex_absmem import AbsMemFeedbackHandler, AbsMemMemory
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as store:
        ...     handler = AbsMemFeedbackHandler(store).register()
        ...     memory = AbsMemMemory.from_defaults(store)
        ...     engine = SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=3), memory=memory)
        ...     response = engine.chat("how do I reset my pin?")
        ...     given = handler.feedback(response, True, scale="thumbs")
        ...     print(handler.run_id(response).split("-")[0], given.target_kind, given.reward)
        ...     handler.unregister()
        SimpleChatEngine.chat experience 1.0
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    memory: AbstractionMemory = Field(exclude=True, description="The absmem memory.")
    namespace: str | None = Field(default=None, description="Tenant of feedback.")
    max_responses: int = Field(default=1024, ge=1, description="Responses kept for feedback.")

    _parents: dict[str, str | None] = PrivateAttr(default_factory=dict)
    _pending: dict[str, _Pending] = PrivateAttr(default_factory=dict)
    _linked: set[str] = PrivateAttr(default_factory=set)
    _responses: OrderedDict[int, tuple[Any, str]] = PrivateAttr(default_factory=OrderedDict)
    _guard: threading.RLock = PrivateAttr(default_factory=threading.RLock)
    _events: _Events | None = PrivateAttr(default=None)

    def __init__(
        self, memory: AbstractionMemory, *, namespace: str | None = None, max_responses: int = 1024
    ) -> None:
        if not isinstance(memory, AbstractionMemory):
            raise InvalidArgumentError("memory", "an absmem AbstractionMemory", memory)
        # BaseSpanHandler.__init__ takes only its own fields; build the model directly.
        BaseModel.__init__(self, memory=memory, namespace=namespace, max_responses=max_responses)
        self._lock = None
        self._events = _Events(owner=self)

    @classmethod
    def class_name(cls) -> str:
        """The handler's name."""
        return "AbsMemFeedbackHandler"

    # -- registration -------------------------------------------------------------------------

    def register(self, dispatcher: Dispatcher | None = None) -> AbsMemFeedbackHandler:
        """Add the handler (span and event parts) to ``dispatcher`` (the root one by default)."""
        target = dispatcher or root_dispatcher
        if not any(h is self for h in target.span_handlers):
            target.add_span_handler(self)
        if not any(h is self._events for h in target.event_handlers):
            target.add_event_handler(self._events)  # type: ignore[arg-type]
        return self

    def unregister(self, dispatcher: Dispatcher | None = None) -> None:
        """Remove the handler from ``dispatcher`` (the root one by default)."""
        target = dispatcher or root_dispatcher
        target.span_handlers = [h for h in target.span_handlers if h is not self]
        target.event_handlers = [h for h in target.event_handlers if h is not self._events]

    # -- the span tree ------------------------------------------------------------------------

    def _lineage(self, span_id: str) -> list[str]:
        """The span and its enclosing spans, innermost first."""
        lineage: list[str] = [span_id]
        with self._guard:
            current = self._parents.get(span_id)
            while current is not None and current not in lineage:
                lineage.append(current)
                current = self._parents.get(current)
        return lineage

    def _link(self, span_id: str, recall_id: str | None, experience_id: str | None,
              namespace: str | None) -> None:  # fmt: skip
        lineage = self._lineage(span_id)
        for span in lineage:
            self.memory.link_run(
                span, recall_id=recall_id, experience_id=experience_id, namespace=namespace
            )
        with self._guard:
            self._linked.update(lineage)
        logger.debug("linked span %s and its parents to %s / %s", span_id, recall_id, experience_id)

    def new_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        parent_span_id: str | None = None,
        tags: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> SimpleSpan | None:
        """Record the span's parent."""
        with self._guard:
            self._parents[id_] = parent_span_id
        return SimpleSpan(id_=id_, parent_id=parent_span_id, tags=tags or {})

    def prepare_to_exit_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        result: Any | None = None,
        **kwargs: Any,
    ) -> SimpleSpan | None:
        """Record a block's turn when this span returns its answer; keep linked responses."""
        try:
            self._exit(id_, result)
        except Exception:  # a documented boundary: never break the application's run
            logger.warning("absmem could not record span %s", id_, exc_info=True)
        return self._close(id_)

    def prepare_to_drop_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        err: BaseException | None = None,
        **kwargs: Any,
    ) -> SimpleSpan | None:
        """Forget the failed span (its turn is not remembered)."""
        with self._guard:
            self._pending.pop(id_, None)
        return self._close(id_)

    def _close(self, id_: str) -> SimpleSpan | None:
        with self._guard:
            self._parents.pop(id_, None)
            self._linked.discard(id_)
            return self.open_spans.get(id_)

    def _exit(self, id_: str, result: Any) -> None:
        with self._guard:
            pending = self._pending.pop(id_, None)
            parent = self._parents.get(id_)
        if pending is not None:
            answer = _answer(result)
            if answer is not None:
                self._remember(id_, pending.event, *answer)
            elif parent is not None:
                with self._guard:
                    self._pending.setdefault(parent, pending)
            else:
                logger.debug("span %s ended without an answer; turn not remembered", id_)
        with self._guard:
            if id_ not in self._linked:
                return
            for response in _responses_of(result):
                self._responses[id(response)] = (response, id_)
                self._responses.move_to_end(id(response))
            while len(self._responses) > self.max_responses:
                self._responses.popitem(last=False)

    def _remember(
        self, span_id: str, event: AbsMemRecallEvent, answer: str, tools: list[str]
    ) -> None:
        session = event.session_id
        experience_id = self.memory.remember(
            event.query, answer, recall_id=event.recall_id, user_id=event.user_id,
            session_id=session, namespace=event.namespace,
            metadata={"source": "llamaindex", "tools": tools, "span_id": span_id},
            run_id=None if session is None else turn_run_id(session),
        )  # fmt: skip
        self._link(span_id, event.recall_id, experience_id, event.namespace)

    # -- events -------------------------------------------------------------------------------

    def on_event(self, event: AbsMemRecallEvent | AbsMemRememberEvent) -> None:
        """Link the event's span lineage to its recall or experience (other memories ignored)."""
        if event.memory is not self.memory or event.span_id is None:
            return
        try:
            if isinstance(event, AbsMemRecallEvent):
                self._link(event.span_id, event.recall_id, None, event.namespace)
                if event.record_turn:
                    with self._guard:
                        self._pending[event.span_id] = _Pending(event)
            else:
                self._link(event.span_id, event.recall_id, event.experience_id, event.namespace)
        except Exception:  # a documented boundary: never break the application's run
            logger.warning("absmem could not link span %s", event.span_id, exc_info=True)

    # -- feedback -----------------------------------------------------------------------------

    def run_id(self, response: object) -> str | None:
        """The span id linked for ``response`` (a chat response, an agent output), if any."""
        with self._guard:
            kept = self._responses.get(id(response))
        return kept[1] if kept is not None and kept[0] is response else None

    def _run(self, target: object) -> str:
        if isinstance(target, str):
            return target
        run = self.run_id(target)
        if run is None:
            raise InvalidArgumentError(
                "target", "a span id or a response returned by a run this handler linked", target
            )
        return run

    def feedback(self, target: object, score: object, *, scale: Scale = "signed") -> Feedback:
        """Rate what ``target`` (a response or a span id) came from with ``score`` on ``scale``."""
        reward = to_reward(score, scale=scale)
        return self.memory.feedback(run_id=self._run(target), reward=reward,
                                    namespace=self.namespace)  # fmt: skip

    async def afeedback(
        self, target: object, score: object, *, scale: Scale = "signed"
    ) -> Feedback:
        """Async twin of :meth:`feedback`."""
        reward = to_reward(score, scale=scale)
        return await self.memory.afeedback(run_id=self._run(target), reward=reward,
                                           namespace=self.namespace)  # fmt: skip

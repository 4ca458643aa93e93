"""AbsMemFeedbackHandler: feedback by response, span id (engine, agent, the app's own span)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.span import active_span_id
from llama_index.core.llms import MockLLM

from absmem import AbstractionMemory, InvalidArgumentError
from llamaindex_absmem import AbsMemFeedbackHandler, AbsMemMemory
from llamaindex_absmem.events import AbsMemRecallEvent, dispatcher

from .conftest import PIN, Replies, card_status

app = get_dispatcher("tests.llamaindex_absmem.app")


def test_feedback_by_response_or_span_id_reaches_the_turn(
    mem: AbstractionMemory, handler: AbsMemFeedbackHandler
) -> None:
    memory = AbsMemMemory.from_defaults(mem, session_id="s1")
    engine = SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=2), memory=memory)
    first = engine.chat("reset my pin")
    first_experience = memory.last_experience_id
    second = engine.chat("thanks")
    span = handler.run_id(first)
    assert span is not None
    assert span.startswith("SimpleChatEngine.chat-")
    assert handler.run_id(second) not in (None, span)

    by_response = handler.feedback(first, True, scale="thumbs")
    assert (by_response.target_kind, by_response.target_id) == ("experience", first_experience)
    by_span = mem.feedback(run_id=span, reward=-1.0)
    assert (by_span.target_id, by_span.run_id) == (by_response.target_id, span)
    assert handler.feedback(second, 4, scale=(1, 5)).target_id == memory.last_experience_id


def test_the_apps_enclosing_span_is_linked(
    mem: AbstractionMemory, handler: AbsMemFeedbackHandler
) -> None:
    mem.remember(*PIN)
    memory = AbsMemMemory.from_defaults(mem, session_id="s1")
    engine = SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=2), memory=memory)
    outer: list[str] = []

    @app.span
    def handle_request(text: str) -> str:
        outer.append(active_span_id.get() or "")
        return engine.chat(text).response

    handle_request("reset my card pin")
    given = mem.feedback(run_id=outer[0], reward=1.0)
    assert (given.target_kind, given.target_id) == ("experience", memory.last_experience_id)


def test_an_agent_run_is_rated_by_its_output_and_its_span(
    mem: AbstractionMemory, handler: AbsMemFeedbackHandler
) -> None:
    mem.remember(*PIN)
    llm = Replies(["Reset it under Cards."])
    agent = FunctionAgent(tools=[card_status], llm=llm.llm)
    memory = AbsMemMemory.from_defaults(mem, session_id="agent")

    async def scenario() -> Any:
        output = await agent.run("reset my card pin", memory=memory)
        return output, await handler.afeedback(output, 1.0)

    output, given = asyncio.run(scenario())
    span = handler.run_id(output)
    assert span is not None
    assert span.startswith("FunctionAgent.run-")
    assert given.target_id == memory.last_experience_id
    assert mem.feedback(run_id=span, reward=1.0).target_id == memory.last_experience_id


def test_events_of_another_memory_are_ignored(
    mem: AbstractionMemory, handler: AbsMemFeedbackHandler, tmp_path: Any, hash_embedder: Any
) -> None:
    with AbstractionMemory.open(tmp_path / "other", embedder=hash_embedder) as other:
        memory = AbsMemMemory.from_defaults(other)
        response = SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=1), memory=memory).chat(
            "hello"
        )
        assert other.count() == 1
    assert handler.run_id(response) is None
    with pytest.raises(InvalidArgumentError, match="^target:"):
        handler.feedback(response, 1.0)


def test_registration_is_idempotent_and_undone(mem: AbstractionMemory) -> None:
    root = get_dispatcher()
    handler = AbsMemFeedbackHandler(mem)
    before = (len(root.span_handlers), len(root.event_handlers))
    handler.register().register()
    assert (len(root.span_handlers), len(root.event_handlers)) == (before[0] + 1, before[1] + 1)
    handler.unregister()
    assert (len(root.span_handlers), len(root.event_handlers)) == before


def test_a_failing_link_is_logged_not_raised(
    mem: AbstractionMemory, handler: AbsMemFeedbackHandler, caplog: pytest.LogCaptureFixture
) -> None:
    @app.span
    def announce() -> None:  # a recall id the store does not hold
        dispatcher.event(AbsMemRecallEvent(memory=mem, recall_id="rec_missing", query="q"))

    with caplog.at_level(logging.WARNING, logger="llamaindex_absmem.handlers"):
        announce()
    assert "could not link span" in caplog.text


def test_bad_arguments_name_themselves() -> None:
    with pytest.raises(InvalidArgumentError, match="^memory:"):
        AbsMemFeedbackHandler("not a memory")  # type: ignore[arg-type]

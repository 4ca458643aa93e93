"""AbsMemMemory inside real LlamaIndex chat engines and agents (MockLLM echoes its prompt)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent
from llama_index.core.chat_engine import (
    CondensePlusContextChatEngine,
    ContextChatEngine,
    SimpleChatEngine,
)
from llama_index.core.llms import ChatMessage, MockLLM

from absmem import AbstractionMemory, InvalidArgumentError, turn_run_id
from llamaindex_absmem import AbsMemMemory

from .conftest import PIN, Replies, Words, card_status


def recall_row(mem: AbstractionMemory, recall_id: str) -> Any:
    return mem._engine.store.get_recall("default", recall_id)


def context_engine(kind: type, memory: AbsMemMemory) -> Any:
    index = VectorStoreIndex.from_documents(
        [Document(text="Cards can be frozen in the app.")], embed_model=Words()
    )
    return kind.from_defaults(index.as_retriever(), llm=MockLLM(), memory=memory)


def test_simple_engine_prompt_has_the_recall_and_the_turn_is_remembered(
    mem: AbstractionMemory,
) -> None:
    known = mem.remember(*PIN, user_id="u0")
    memory = AbsMemMemory.from_defaults(mem, k=3, user_id="u1", session_id="s1")
    engine = SimpleChatEngine.from_defaults(llm=MockLLM(), memory=memory, system_prompt="Be brief.")
    reply = engine.chat("I need to reset my card pin").response

    # MockLLM echoes its prompt: the recalled answer is in what the model received.
    assert reply.startswith("system: Be brief.\nsystem: Relevant past interactions")
    assert PIN[1] in reply
    assert reply.index(PIN[1]) < reply.index("user: I need to reset my card pin")

    experience = mem.get(memory.last_experience_id or "")
    assert experience is not None
    assert (experience.context, experience.response) == (
        "I need to reset my card pin",
        reply.strip(),
    )
    assert experience.recall_id == memory.last_recall_id
    assert (experience.user_id, experience.session_id) == ("u1", "s1")
    assert experience.metadata == {"source": "llamaindex", "tools": []}
    recall, served = recall_row(mem, experience.recall_id or "")
    assert (recall.user_id, recall.session_id, recall.query) == ("u1", "s1", experience.context)
    assert served[0].item_id == known
    assert mem.count() == 2
    # The short-term history holds the exchange, without the recalled memory.
    assert [m.role.value for m in memory.get_all()] == ["user", "assistant"]


@pytest.mark.parametrize("kind", [ContextChatEngine, CondensePlusContextChatEngine])
def test_context_engines_see_the_recall_and_each_turn_gets_its_own(
    mem: AbstractionMemory, kind: type
) -> None:
    mem.remember(*PIN)
    memory = AbsMemMemory.from_defaults(mem, k=2, session_id="s1")
    engine = context_engine(kind, memory)
    first = engine.chat("reset my card pin").response
    assert PIN[1] in first
    assert "Cards can be frozen in the app." in first  # the engine's own context is kept
    first_ids = (memory.last_recall_id, memory.last_experience_id)

    engine.chat("reset my card pin")  # the same words again: a new turn
    second_ids = (memory.last_recall_id, memory.last_experience_id)
    assert len({*first_ids, *second_ids}) == 4
    for recall_id, experience_id in (first_ids, second_ids):
        experience = mem.get(experience_id or "")
        assert experience is not None
        assert (experience.context, experience.recall_id) == ("reset my card pin", recall_id)
    assert mem.count() == 3


def test_async_engines_recall_and_remember(mem: AbstractionMemory) -> None:
    mem.remember(*PIN)
    simple = AbsMemMemory.from_defaults(mem, session_id="a1")
    context = AbsMemMemory.from_defaults(mem, session_id="a2")

    async def scenario() -> tuple[str, str]:
        one = await SimpleChatEngine.from_defaults(llm=MockLLM(), memory=simple).achat("pin reset")
        two = await context_engine(ContextChatEngine, context).achat("card pin reset")
        return one.response, two.response

    one, two = asyncio.run(scenario())
    assert PIN[1] in one
    assert PIN[1] in two
    for memory, query in ((simple, "pin reset"), (context, "card pin reset")):
        experience = mem.get(memory.last_experience_id or "")
        assert experience is not None
        assert (experience.context, experience.recall_id) == (query, memory.last_recall_id)


def test_agent_turn_with_a_tool_is_one_recall_and_one_experience(mem: AbstractionMemory) -> None:
    mem.remember(*PIN)
    llm = Replies(["Your PIN is locked; reset it under Cards."])
    agent = FunctionAgent(tools=[card_status], llm=llm.llm, system_prompt="You are a bank bot.")
    memory = AbsMemMemory.from_defaults(mem, user_id="u1", session_id="agent-1")

    async def scenario() -> Any:
        return await agent.run("my card pin is blocked", memory=memory)

    out = asyncio.run(scenario())
    assert str(out.response.content) == "Your PIN is locked; reset it under Cards."
    prompts = llm.system_texts()
    assert len(prompts) == 2  # the tool call, then the answer
    for prompt in prompts:
        assert prompt.startswith("You are a bank bot.\nRelevant past interactions")
        assert PIN[1] in prompt
    assert prompts[0] == prompts[1]  # the same recall serves the whole turn
    experience = mem.get(memory.last_experience_id or "")
    assert experience is not None
    assert experience.context == "my card pin is blocked"
    assert experience.response == "Your PIN is locked; reset it under Cards."
    assert experience.metadata["tools"] == ["card_status"]
    assert experience.recall_id == memory.last_recall_id
    assert mem.count() == 2  # one experience for the turn, none for the tool messages


def test_agent_workflow_runs_remember_each_turn(mem: AbstractionMemory) -> None:
    mem.remember(*PIN)
    llm = Replies(["Reset it under Cards.", "Anything else?"], call_tool=False)
    agent = FunctionAgent(name="support", description="Bank support.", tools=[card_status],
                          llm=llm.llm, system_prompt="You are a bank bot.")  # fmt: skip
    workflow = AgentWorkflow(agents=[agent])
    memory = AbsMemMemory.from_defaults(mem, session_id="wf")

    async def scenario() -> list[str | None]:
        ids = []
        for text in ("reset my card pin", "thanks"):
            await workflow.run(text, memory=memory)
            ids.append(memory.last_experience_id)
        return ids

    ids = asyncio.run(scenario())
    assert PIN[1] in llm.system_texts()[0]
    contexts = [(e.context, e.response) for e in map(mem.get, ids) if e is not None]
    assert contexts == [
        ("reset my card pin", "Reset it under Cards."),
        ("thanks", "Anything else?"),
    ]


def test_feedback_by_session_and_turn_reaches_that_turn(mem: AbstractionMemory) -> None:
    memory = AbsMemMemory.from_defaults(mem, session_id="s1")
    engine = SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=2), memory=memory)
    ids = []
    for text in ("first question", "second question"):
        engine.chat(text)
        ids.append(memory.last_experience_id)
    assert mem.feedback(run_id=turn_run_id("s1", 1), reward=1.0).target_id == ids[0]
    assert mem.feedback(run_id=turn_run_id("s1", 2), reward=-1.0).target_id == ids[1]
    assert mem.feedback(run_id=turn_run_id("s1"), reward=1.0).target_id == ids[1]
    given = memory.feedback(False, scale="thumbs")
    assert (given.target_id, given.reward) == (ids[1], -1.0)
    first = mem.get(ids[0] or "")
    assert first is not None
    assert first.outcome.n == 1.0


def test_sessions_and_users_stay_apart(mem: AbstractionMemory) -> None:
    mem.remember(*PIN)
    alice = AbsMemMemory.from_defaults(mem, user_id="alice", session_id="sa")
    bob = AbsMemMemory.from_defaults(mem, user_id="bob", session_id="sb")
    engines = {m.user_id: SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=1), memory=m)
               for m in (alice, bob)}  # fmt: skip
    seen = []
    for memory, text in ((alice, "pin one"), (bob, "card pin two"), (alice, "pin three")):
        engines[memory.user_id].chat(text)
        seen.append((memory, text, memory.last_recall_id, memory.last_experience_id))
    assert len({recall for _, _, recall, _ in seen}) == 3
    for memory, text, recall_id, experience_id in seen:
        experience = mem.get(experience_id or "")
        assert experience is not None
        assert (experience.user_id, experience.session_id, experience.context) == (
            memory.user_id, memory.session_id, text,
        )  # fmt: skip
        recall, _ = recall_row(mem, recall_id or "")
        assert (recall.user_id, recall.session_id) == (memory.user_id, memory.session_id)
    assert [m.content for m in alice.get_all()] == ["pin one", "text", "pin three", "text"]
    # Each session's turns are numbered on their own.
    assert mem.feedback(run_id=turn_run_id("sb", 1), reward=1.0).target_id == seen[1][3]
    mem.forget(user_id="bob")
    assert mem.get(seen[1][3] or "") is None
    assert mem.get(seen[0][3] or "") is not None


def test_the_history_is_token_limited_and_the_recall_fits_in(mem: AbstractionMemory) -> None:
    mem.remember(*PIN)
    history = [ChatMessage(role=r, content=f"old message {i} " * 20)
               for i, r in enumerate(["user", "assistant"] * 5)]  # fmt: skip
    memory = AbsMemMemory.from_defaults(mem, chat_history=history, token_limit=200)
    memory.put(ChatMessage(role="user", content="how to reset the card pin"))
    messages = memory.get()
    assert messages[0].role == "system"
    assert PIN[1] in str(messages[0].content)
    assert messages[-1].content == "how to reset the card pin"
    assert len(messages) < 12  # the oldest of the 11 messages were left out
    assert len(memory.get_all()) == 11
    memory.reset()
    assert memory.get_all() == []
    assert mem.count() == 1  # reset clears the short-term history only


def test_lessons_written_by_a_llamaindex_llm_reach_the_prompt(
    taught_memory: Callable[..., AbstractionMemory],
) -> None:
    from absmem import LlamaIndexEmbedder, LLMLessonWriter

    writer = LLMLessonWriter(MockLLM(max_tokens=4))  # writes "text text text text"
    mem = taught_memory(LlamaIndexEmbedder(Words(), name="test-words"), writer)
    memory = AbsMemMemory.from_defaults(mem, k=5)
    reply = SimpleChatEngine.from_defaults(llm=MockLLM(), memory=memory).chat(
        "reset my card pin please"
    )
    assert "text text text text" in reply.response


def test_bad_arguments_name_themselves(mem: AbstractionMemory) -> None:
    with pytest.raises(InvalidArgumentError, match="^memory:"):
        AbsMemMemory.from_defaults("not a memory")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="^memory: expected a turn"):
        AbsMemMemory.from_defaults(mem).feedback(1.0)
    with pytest.raises(InvalidArgumentError, match="^score:"):
        AbsMemMemory.from_defaults(mem).feedback(2.0, scale="unit")

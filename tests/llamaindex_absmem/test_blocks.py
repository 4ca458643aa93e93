"""AbsMemBlock inside LlamaIndex's Memory, with chat engines and agents; turns via the handler."""

from __future__ import annotations

import asyncio
from typing import Any

from llama_index.core import Document, VectorStoreIndex
from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent
from llama_index.core.chat_engine import ContextChatEngine, SimpleChatEngine
from llama_index.core.llms import ChatMessage, MockLLM
from llama_index.core.memory import Memory
from llama_index.core.storage.chat_store.sql import MessageStatus

from absmem import AbstractionMemory, turn_run_id
from llamaindex_absmem import AbsMemBlock, AbsMemFeedbackHandler

from .conftest import PIN, Replies, Words, card_status


def block_memory(mem: AbstractionMemory, session: str, **options: Any) -> Memory:
    return Memory.from_defaults(
        session_id=session, memory_blocks=[AbsMemBlock(memory=mem, k=3, **options)]
    )


def test_the_block_reaches_a_chat_engines_prompt_and_the_handler_records_the_turn(
    mem: AbstractionMemory, handler: AbsMemFeedbackHandler
) -> None:
    known = mem.remember(*PIN)
    engine = SimpleChatEngine.from_defaults(
        llm=MockLLM(), memory=block_memory(mem, "s1", user_id="u1")
    )
    response = engine.chat("I need to reset my card pin")
    assert "<absmem>\nRelevant past interactions" in response.response
    assert PIN[1] in response.response

    given = handler.feedback(response, 1.0)
    assert given.target_kind == "experience"
    experience = mem.get(given.target_id)
    assert experience is not None
    assert (experience.context, experience.response) == (
        "I need to reset my card pin", response.response.strip(),
    )  # fmt: skip
    assert (experience.user_id, experience.session_id) == ("u1", "s1")
    _, served = mem._engine.store.get_recall("default", experience.recall_id or "")
    assert served[0].item_id == known
    assert mem.feedback(run_id=turn_run_id("s1"), reward=1.0).target_id == experience.id


def test_an_agent_turn_recalls_once_and_is_remembered_with_its_tools(
    mem: AbstractionMemory, handler: AbsMemFeedbackHandler
) -> None:
    mem.remember(*PIN)
    llm = Replies(["Reset it under Cards.", "Reset it under Cards, again."])
    agent = FunctionAgent(tools=[card_status], llm=llm.llm, system_prompt="You are a bank bot.")
    memory = block_memory(mem, "agent-1")

    async def scenario() -> list[Any]:
        return [await agent.run("reset my card pin", memory=memory) for _ in range(2)]

    outputs = asyncio.run(scenario())
    prompts = llm.system_texts()
    assert len(prompts) == 3  # the tool call and the answer, then an answer (tool result known)
    assert all(PIN[1] in p and "<absmem>" in p for p in prompts)
    assert prompts[0] == prompts[1]  # one recall serves the whole turn

    experiences = [mem.get(handler.feedback(out, 1.0).target_id) for out in outputs]
    assert all(e is not None for e in experiences)
    first, second = experiences
    assert first is not None
    assert second is not None
    assert first.response == "Reset it under Cards."
    assert second.response == "Reset it under Cards, again."
    assert first.recall_id != second.recall_id  # the same question again is a new turn
    assert first.metadata["tools"] == ["card_status"]
    assert (first.context, first.session_id) == ("reset my card pin", "agent-1")
    assert mem.count() == 3


def test_async_context_engine_with_the_block(
    mem: AbstractionMemory, handler: AbsMemFeedbackHandler
) -> None:
    mem.remember(*PIN)
    index = VectorStoreIndex.from_documents([Document(text="Cards can be frozen.")],
                                            embed_model=Words())  # fmt: skip
    engine = ContextChatEngine.from_defaults(index.as_retriever(), llm=MockLLM(),
                                             memory=block_memory(mem, "ctx"))  # fmt: skip

    async def scenario() -> Any:
        response = await engine.achat("card pin reset")
        return response, await handler.afeedback(response, 0.5, scale="unit")

    response, given = asyncio.run(scenario())
    assert PIN[1] in response.response
    assert given.target_kind == "experience"
    experience = mem.get(given.target_id)
    assert experience is not None
    assert experience.context == "card pin reset"
    assert experience.outcome.n == 1.0


def test_sessions_and_users_of_the_block_stay_apart(
    mem: AbstractionMemory, handler: AbsMemFeedbackHandler
) -> None:
    mem.remember(*PIN)
    turns = [("sa", "alice", "pin one"), ("sb", "bob", "card pin two")]
    experiences = []
    for session, user, text in turns:
        memory = block_memory(mem, session, user_id=user)
        engine = SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=1), memory=memory)
        experiences.append(mem.get(handler.feedback(engine.chat(text), 1.0).target_id))
    for (session, user, text), experience in zip(turns, experiences, strict=True):
        assert experience is not None
        assert (experience.session_id, experience.user_id, experience.context) == (
            session, user, text,
        )  # fmt: skip
        recall, _ = mem._engine.store.get_recall("default", experience.recall_id or "")
        assert (recall.session_id, recall.user_id) == (session, user)
    latest = mem.feedback(run_id=turn_run_id("sa"), reward=1.0)
    assert latest.target_id == experiences[0].id  # type: ignore[union-attr]


def test_without_the_handler_the_block_recalls_and_records_nothing(
    mem: AbstractionMemory,
) -> None:
    mem.remember(*PIN)
    history = [ChatMessage(role=r, content=f"old {i} " * 30)
               for i, r in enumerate(["user", "assistant"] * 4)]  # fmt: skip
    memory = Memory.from_defaults(session_id="s", token_limit=120, chat_history=history,
                                  memory_blocks=[AbsMemBlock(memory=mem)])  # fmt: skip
    engine = SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=2), memory=memory)
    assert PIN[1] in str(memory.get(input="reset my card pin")[0].content)
    engine.chat("reset my card pin")  # flushes old messages to the block: not recorded
    assert mem.count() == 1
    assert memory.get_all(status=MessageStatus.ARCHIVED)  # messages were flushed


def test_an_agent_workflow_run_with_the_block_is_recorded(
    mem: AbstractionMemory, handler: AbsMemFeedbackHandler
) -> None:
    llm = Replies(["Done: reset it under Cards."])
    agent = FunctionAgent(name="support", description="Bank support.", tools=[card_status],
                          llm=llm.llm)  # fmt: skip

    async def scenario() -> Any:
        return await AgentWorkflow(agents=[agent]).run(
            "reset my pin", memory=block_memory(mem, "w")
        )

    output = asyncio.run(scenario())
    assert (handler.run_id(output) or "").startswith("AgentWorkflow.run-")
    experience = mem.get(handler.feedback(output, 1.0).target_id)
    assert experience is not None
    assert (experience.context, experience.response) == (
        "reset my pin",
        "Done: reset it under Cards.",
    )

"""AbsMemMiddleware inside real create_agent graphs with a checkpointer and a fake model."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from absmem import AbstractionMemory, InvalidArgumentError
from langchain_absmem import AbsMemFeedbackHandler, AbsMemMiddleware

from .conftest import Recorder, ToolFakeChatModel

PIN = ("how do I reset my card pin?", "Open the app, then Cards > Reset PIN.")


@tool
def lookup_card(card: str) -> str:
    """Look up the state of a card."""
    return f"card {card} is active"


def agent_with(mem: AbstractionMemory, replies: list[Any], **options: Any) -> Any:
    model = ToolFakeChatModel(messages=iter(replies))
    return create_agent(model, tools=[lookup_card], system_prompt="You are a bank assistant.",
                        middleware=[AbsMemMiddleware(mem, **{"k": 3, **options})],
                        checkpointer=InMemorySaver())  # fmt: skip


def ask(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def config(thread: str, user: str, **extra: Any) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread, "user_id": user}, **extra}


def tool_turn(answer: str) -> list[AIMessage]:
    call = {"name": "lookup_card", "args": {"card": "1234"}, "id": f"call-{answer[:5]}"}
    return [AIMessage(content="", tool_calls=[call]), AIMessage(content=answer)]


def test_the_recall_reaches_the_prompt_and_the_turn_is_remembered_linked(
    mem: AbstractionMemory,
) -> None:
    known = mem.remember(*PIN, user_id="u0")
    recorder = Recorder()
    agent = agent_with(mem, tool_turn("Your card is active; reset the PIN under Cards."))
    cfg = config("t1", "u1", callbacks=[recorder])
    out = agent.invoke(ask("I need to reset my card pin"), cfg)
    assert out["messages"][-1].content == "Your card is active; reset the PIN under Cards."

    # Both model calls of the tool-calling turn saw the memory in their system prompt.
    prompts = recorder.system_prompts()
    assert len(prompts) == 2
    for prompt in prompts:
        assert prompt.startswith("You are a bank assistant.\n\nRelevant past interactions")
        assert "Open the app, then Cards > Reset PIN." in prompt

    state = agent.get_state(cfg).values
    experience = mem.get(state["absmem_experience_id"])
    assert experience is not None
    assert experience.recall_id == state["absmem_recall_id"]
    assert (experience.context, experience.response) == (
        "I need to reset my card pin", "Your card is active; reset the PIN under Cards.",
    )  # fmt: skip
    assert (experience.user_id, experience.session_id) == ("u1", "t1")
    assert experience.metadata["tools"] == ["lookup_card"]
    assert mem.count() == 2  # one experience for the turn, none for the tool messages
    recall, served = mem._engine.store.get_recall("default", state["absmem_recall_id"])
    assert (recall.user_id, recall.session_id) == ("u1", "t1")
    assert served[0].item_id == known


def test_lessons_written_by_a_chat_model_reach_the_agents_prompt(
    taught_memory: Callable[..., AbstractionMemory],
) -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    from absmem import LangChainEmbedder, LLMLessonWriter

    from .conftest import Words

    lesson = "Offer the in-app PIN reset before anything else."
    writer = LLMLessonWriter(GenericFakeChatModel(messages=iter([lesson] * 100)))
    mem = taught_memory(LangChainEmbedder(Words(), name="test-words"), writer)
    recorder = Recorder()
    agent = agent_with(mem, ["Use Cards > Reset PIN in the app."], k=5)
    agent.invoke(ask("reset my card pin please"), config("t", "u9", callbacks=[recorder]))
    assert lesson in recorder.system_prompts()[0]


def test_feedback_by_the_configs_run_id_reaches_the_turn(mem: AbstractionMemory) -> None:
    mem.remember(*PIN)
    agent = agent_with(mem, ["Cards > Reset PIN.", "Anything else?"])
    run_id = uuid.uuid4()
    agent.invoke(ask("reset pin"), config("t1", "u1", run_id=run_id))
    state = agent.get_state(config("t1", "u1")).values
    given = mem.feedback(run_id=run_id, reward=1.0)
    assert (given.target_kind, given.target_id) == ("experience", state["absmem_experience_id"])
    experience = mem.get(state["absmem_experience_id"])
    assert experience is not None
    assert experience.outcome.n == 1.0
    # The next turn of the thread gets its own recall and experience, not the first turn's.
    agent.invoke(ask("thanks"), config("t1", "u1"))
    later = agent.get_state(config("t1", "u1")).values
    assert later["absmem_recall_id"] != state["absmem_recall_id"]
    assert mem.feedback(run_id=run_id, reward=1.0).target_id == state["absmem_experience_id"]


def test_the_handler_links_the_root_and_an_enclosing_chain(mem: AbstractionMemory) -> None:
    mem.remember(*PIN)
    agent = agent_with(mem, tool_turn("Done: PIN reset under Cards."))
    handler, recorder = AbsMemFeedbackHandler(mem), Recorder()
    outer = RunnableLambda(lambda text: agent.invoke(ask(text), config("t1", "u1")))
    outer_run = uuid.uuid4()
    outer.invoke("reset pin", config={"run_id": outer_run, "callbacks": [handler, recorder]})
    experience_id = agent.get_state(config("t1", "u1")).values["absmem_experience_id"]
    assert recorder.roots == [outer_run]
    given = handler.feedback(outer_run, False, scale="thumbs")
    assert (given.target_id, given.reward, given.run_id) == (experience_id, -1.0, str(outer_run))


def test_two_threads_and_two_users_do_not_mix(mem: AbstractionMemory) -> None:
    mem.remember(*PIN)
    replies = ["Answer A1", "Answer B1", "Answer A2", "Answer B2"]
    agent = agent_with(mem, replies)
    turns = [
        ("ta", "alice", "pin question one"),
        ("tb", "bob", "card pin question two"),
        ("ta", "alice", "pin question three"),
        ("tb", "bob", "card question four"),
    ]
    seen = []
    for thread, user, text in turns:
        agent.invoke(ask(text), config(thread, user))
        values = agent.get_state(config(thread, user)).values
        seen.append((values["absmem_recall_id"], values["absmem_experience_id"]))
    assert len({recall for recall, _ in seen}) == 4
    for (thread, user, text), (recall_id, exp_id), answer in zip(turns, seen, replies,
                                                                strict=True):  # fmt: skip
        experience = mem.get(exp_id)
        assert experience is not None
        assert (experience.user_id, experience.session_id) == (user, thread)
        assert (experience.context, experience.response, experience.recall_id) == (
            text, answer, recall_id,
        )  # fmt: skip
        recall, _ = mem._engine.store.get_recall("default", recall_id)
        assert (recall.user_id, recall.session_id, recall.query) == (user, thread, text)
    # Each thread's checkpoint holds only its own conversation.
    assert [m.content for m in agent.get_state(config("ta", "alice")).values["messages"]] == [
        "pin question one", "Answer A1", "pin question three", "Answer A2",
    ]  # fmt: skip
    mem.forget(user_id="bob")
    assert mem.get(seen[1][1]) is None
    assert mem.get(seen[0][1]) is not None


def test_the_user_id_may_come_from_the_runs_context(mem: AbstractionMemory) -> None:
    agent = create_agent(ToolFakeChatModel(messages=iter(["ok"])), tools=[lookup_card],
                         middleware=[AbsMemMiddleware(mem)], checkpointer=InMemorySaver(),
                         context_schema=dict)  # fmt: skip
    agent.invoke(
        ask("hello there"), {"configurable": {"thread_id": "t"}}, context={"user_id": "c1"}
    )
    exp_id = agent.get_state({"configurable": {"thread_id": "t"}}).values["absmem_experience_id"]
    experience = mem.get(exp_id)
    assert experience is not None
    assert (experience.user_id, experience.session_id) == ("c1", "t")


def test_async_agent_recalls_prompts_remembers_and_links(mem: AbstractionMemory) -> None:
    mem.remember(*PIN)
    agent = agent_with(mem, tool_turn("Async: reset it under Cards."))
    recorder, handler = Recorder(), AbsMemFeedbackHandler(mem)
    cfg = config("t-async", "u1", callbacks=[recorder, handler])

    async def scenario() -> tuple[dict[str, Any], str]:
        await agent.ainvoke(ask("reset my card pin"), cfg)
        values = (await agent.aget_state(cfg)).values
        given = await handler.afeedback(recorder.roots[0], 0.75, scale="unit")
        return values, given.target_id

    values, target = asyncio.run(scenario())
    assert all("Open the app, then Cards > Reset PIN." in p for p in recorder.system_prompts())
    assert target == values["absmem_experience_id"]
    experience = mem.get(target)
    assert experience is not None
    assert experience.recall_id == values["absmem_recall_id"]
    assert experience.response == "Async: reset it under Cards."
    assert experience.outcome.alpha == pytest.approx(1.75)  # score 0.75 = reward 0.5 = 0.75 success


def test_bad_arguments_name_themselves(mem: AbstractionMemory) -> None:
    with pytest.raises(InvalidArgumentError, match="^memory:"):
        AbsMemMiddleware("not a memory")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="^k:"):
        AbsMemMiddleware(mem, k=0)

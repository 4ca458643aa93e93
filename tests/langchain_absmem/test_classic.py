"""AbsMemMemory in a classic ConversationChain with a fake chat model."""

from __future__ import annotations

import asyncio
import warnings

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from absmem import AbstractionMemory, InvalidArgumentError
from langchain_absmem import AbsMemMemory

from .conftest import Recorder


def conversation(memory: AbsMemMemory, replies: list[str]):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConversationChain is deprecated (that is the point)
        from langchain_classic.chains import ConversationChain

        return ConversationChain(llm=GenericFakeChatModel(messages=iter(replies)), memory=memory)


def test_a_conversation_chain_recalls_and_remembers_linked(mem: AbstractionMemory) -> None:
    known = mem.remember("how do I reset my card pin?", "Open the app, then Cards > Reset PIN.")
    memory = AbsMemMemory(memory=mem, k=2, user_id="u1", session_id="s1")
    recorder = Recorder()
    chain = conversation(memory, ["Go to Cards > Reset PIN."])
    out = chain.invoke({"input": "reset my card pin"}, config={"callbacks": [recorder]})
    assert out["response"] == "Go to Cards > Reset PIN."
    assert "Open the app, then Cards > Reset PIN." in str(recorder.prompts[0][0].content)
    experience = mem.get(memory.last_experience_id)  # type: ignore[arg-type]
    assert experience is not None
    assert experience.recall_id == memory.last_recall_id
    assert (experience.context, experience.response, experience.session_id) == (
        "reset my card pin", "Go to Cards > Reset PIN.", "s1",
    )  # fmt: skip
    served = mem._engine.store.get_recall("default", memory.last_recall_id or "")[1]
    assert served[0].item_id == known
    memory.clear()
    assert mem.get(experience.id) is None


def test_async_and_argument_errors(mem: AbstractionMemory) -> None:
    memory = AbsMemMemory(memory=mem, k=1)

    async def scenario() -> str | None:
        await memory.aload_memory_variables({"input": "hello"})
        await memory.asave_context({"input": "hello"}, {"response": "hi"})
        return memory.last_experience_id

    exp_id = asyncio.run(scenario())
    assert exp_id is not None
    assert mem.get(exp_id) is not None
    with pytest.raises(InvalidArgumentError, match="^input_key:"):
        memory.load_memory_variables({"a": "x", "b": "y"})
    with pytest.raises(InvalidArgumentError, match="^session_id:"):
        memory.clear()

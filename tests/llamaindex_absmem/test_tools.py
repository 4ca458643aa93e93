"""The memory tools in LlamaIndex: FunctionTools called directly (sync and async) and by a
FunctionAgent on LlamaIndex's MockFunctionCallingLLM; refused arguments answered as text; the
tool schemas an LLM sees, without the scope."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.base.llms.types import ChatMessage, ToolCallBlock
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.tools import FunctionTool

from absmem import AbstractionMemory, InvalidArgumentError, MemoryClosedError
from llamaindex_absmem import absmem_tools

MENU = ("can you make the menu bigger", "I moved the menu to a new sidebar layout")
REPLY = ("this is confusing, I cannot find anything", "Sorry, I restored the old layout.")
PIN = ("how do I reset my card pin?", "Open the app, then Cards > Reset PIN.")
SECRET = ("how do I reset my card pin?", "the other tenant's secret answer")


@pytest.fixture
def planted(mem: AbstractionMemory) -> AbstractionMemory:
    """The menu turn (rated bad) and the reply it led to, a rated PIN answer; a secret answer
    in namespace ``other``."""
    first = mem.remember(*MENU, session_id="s1")
    mem.remember(*REPLY, session_id="s1")
    mem.feedback(first, -1.0)
    mem.feedback(mem.remember(*PIN, session_id="s2"), 1.0)
    mem.remember(*SECRET, namespace="other")
    return mem


class Script:
    """A ``MockFunctionCallingLLM`` that makes the scripted tool calls, one per model call,
    then answers ``final``."""

    def __init__(self, calls: list[tuple[str, dict[str, Any]]], final: str) -> None:
        self.calls = iter(calls)
        self.final = final
        self.llm = MockFunctionCallingLLM(response_generator=self._reply)

    def _reply(self, messages: list[ChatMessage], **kwargs: Any) -> ChatMessage:
        step = next(self.calls, None)
        if step is None:
            return ChatMessage(role="assistant", content=self.final)
        name, arguments = step
        block = ToolCallBlock(tool_call_id=f"call-{name}", tool_name=name, tool_kwargs=arguments)
        return ChatMessage(role="assistant", blocks=[block])


def run_agent(tools: list[FunctionTool], script: Script) -> tuple[str, list[ToolCallResult]]:
    """Run a FunctionAgent to its answer; the answer and the tool results it saw."""
    agent = FunctionAgent(tools=[*tools], llm=script.llm, system_prompt="You are a designer bot.")

    async def scenario() -> tuple[str, list[ToolCallResult]]:
        handler = agent.run("What happened last time I changed the menu?")
        results = [e async for e in handler.stream_events() if isinstance(e, ToolCallResult)]
        return str(await handler), results

    return asyncio.run(scenario())


def test_an_agent_calls_find_recall_and_assess_and_reads_the_planted_memory(
    planted: AbstractionMemory,
) -> None:
    script = Script(
        [
            ("absmem_find", {"cause": "new sidebar layout", "effect": "confusing",
                             "outcome": "bad"}),
            ("absmem_recall", {"query": "reset my card pin", "k": 2}),
            ("absmem_assess", {"context": PIN[0], "response": PIN[1]}),
        ],
        "The sidebar confused the user last time.",
    )  # fmt: skip
    answer, results = run_agent(absmem_tools(planted, user_id="u1", session_id="s3"), script)
    assert answer.endswith("The sidebar confused the user last time.")
    by_name = {r.tool_name: r.tool_output for r in results}
    assert set(by_name) == {"absmem_find", "absmem_recall", "absmem_assess"}
    assert not any(output.is_error for output in by_name.values())
    found = by_name["absmem_find"].content
    assert f'response "{MENU[1]}" -> led to: "{REPLY[0]}"; outcome -1.00' in found
    recalled = by_name["absmem_recall"].content
    assert f'response "{PIN[1]}"' in recalled
    assert "secret" not in recalled
    assert by_name["absmem_assess"].content.startswith("Expected reward +")


def test_refused_arguments_are_answered_as_text_and_the_agent_goes_on(
    planted: AbstractionMemory,
) -> None:
    script = Script(
        [("absmem_find", {"cause": "menu", "k": 500}), ("absmem_recall", {"query": " "})],
        "Sorry, let me try again.",
    )
    answer, results = run_agent(absmem_tools(planted), script)
    assert answer.endswith("Sorry, let me try again.")
    texts = [r.tool_output.content for r in results]
    assert texts[0].startswith("Error: absmem_find was not run: k: expected less than or equal")
    assert texts[1].startswith("Error: absmem_recall was not run: query: expected a non-empty")


def test_direct_calls_sync_and_async(planted: AbstractionMemory) -> None:
    recall, find, assess = absmem_tools(planted)
    text = recall.call(query=PIN[0], k=1).content
    assert text.startswith(f'1 memory for "{PIN[0]}"')
    assert PIN[1] in text
    arguments = {"cause": "new sidebar layout", "outcome": "bad"}

    async def both() -> tuple[str, str]:
        found = await find.acall(**arguments)
        assessed = await assess.acall(context=PIN[0], response=PIN[1])
        return found.content, assessed.content

    found, assessed = asyncio.run(both())
    assert found == find.call(**arguments).content
    assert MENU[1] in found
    assert assessed.startswith("Expected reward +")
    assert find.call(k=2).content == (
        "Error: absmem_find was not run: arguments: expected at least one of cause, effect or "
        "outcome. Fix the arguments and call it again."
    )
    assert assess.call(context="c").content.startswith(
        "Error: absmem_assess was not run: response: expected a value"
    )


def test_errors_that_are_not_the_models_are_raised(planted: AbstractionMemory) -> None:
    find = absmem_tools(planted)[1]
    planted.close()
    with pytest.raises(MemoryClosedError):
        find.call(cause="menu")


def test_the_model_cannot_pick_the_namespace(planted: AbstractionMemory) -> None:
    recall = absmem_tools(planted)[0]
    text = recall.call(query=PIN[0], namespace="other").content
    assert "secret" not in text
    assert PIN[1] in text
    other = absmem_tools(planted, namespace="other")[0].call(query=PIN[0]).content
    assert "secret" in other
    assert PIN[1] not in other


def test_recall_through_the_tool_is_logged_with_the_user_and_session(
    planted: AbstractionMemory, tmp_path: Path
) -> None:
    absmem_tools(planted, user_id="u7", session_id="s7")[0].call(query=PIN[0])
    planted.flush()
    with sqlite3.connect(tmp_path / "mem" / "absmem.db") as con:
        logged = con.execute("SELECT namespace, query, user_id, session_id FROM recalls").fetchall()
    assert logged == [(planted.namespace, PIN[0], "u7", "s7")]


def test_schemas_describe_every_argument_and_hide_the_scope(mem: AbstractionMemory) -> None:
    tools = absmem_tools(mem, namespace="acme", user_id="u1", session_id="s1")
    specs = [tool.metadata.to_openai_tool()["function"] for tool in tools]
    assert [spec["name"] for spec in specs] == ["absmem_recall", "absmem_find", "absmem_assess"]
    for spec in specs:
        assert "Use it" in spec["description"]
        properties = spec["parameters"]["properties"]
        assert all(field.get("description") for field in properties.values())
        assert not {"namespace", "user_id", "session_id"} & set(properties)
    assert specs[0]["parameters"]["required"] == ["query"]
    assert set(specs[1]["parameters"]["properties"]) == {
        "cause", "effect", "outcome", "k", "within_days"
    }  # fmt: skip
    assert specs[2]["parameters"]["required"] == ["context", "response"]


def test_a_bad_scope_is_refused_when_the_tools_are_made(mem: AbstractionMemory) -> None:
    with pytest.raises(InvalidArgumentError, match="namespace"):
        absmem_tools(mem, namespace=" ")
    with pytest.raises(InvalidArgumentError, match="memory"):
        absmem_tools("not a memory")  # type: ignore[arg-type]

"""The memory tools in LangChain: the langchain-tests standard suites, a create_agent graph whose
fake model calls them, refused arguments answered as error ToolMessages, schemas without scope."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests
from pydantic import ValidationError

from absmem import AbstractionMemory, LangChainEmbedder, MemoryClosedError
from langchain_absmem import AbsMemAssessTool, AbsMemFindTool, AbsMemRecallTool, absmem_tools

from .conftest import ToolFakeChatModel, Words

MENU = ("can you make the menu bigger", "I moved the menu to a new sidebar layout")
REPLY = ("this is confusing, I cannot find anything", "Sorry, I restored the old layout.")
PIN = ("how do I reset my card pin?", "Open the app, then Cards > Reset PIN.")
SECRET = ("how do I reset my card pin?", "the other tenant's secret answer")


def plant(mem: AbstractionMemory) -> str:
    """The menu turn (rated bad) and the reply it led to, a rated PIN answer, all in the
    memory's namespace; a secret answer in namespace ``other``. Returns the menu turn's id."""
    first = mem.remember(*MENU, session_id="s1")
    mem.remember(*REPLY, session_id="s1")
    mem.feedback(first, -1.0)
    mem.feedback(mem.remember(*PIN, session_id="s2"), 1.0)
    mem.remember(*SECRET, namespace="other")
    return first


@pytest.fixture
def planted(mem: AbstractionMemory) -> AbstractionMemory:
    plant(mem)
    return mem


class _Standard:
    """The langchain-tests tool suites on a memory of their own."""

    @pytest.fixture(autouse=True)
    def _memory(self, tmp_path: Path) -> Iterator[None]:
        embedder = LangChainEmbedder(Words(), name="test-words")
        with AbstractionMemory.open(tmp_path / "std", embedder=embedder) as memory:
            plant(memory)
            self.memory = memory
            yield

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"memory": self.memory, "user_id": "u1"}


class TestRecallToolUnit(_Standard, ToolsUnitTests):
    tool_constructor = AbsMemRecallTool
    tool_invoke_params_example = {"query": "I forgot my card pin", "k": 2}  # noqa: RUF012


class TestRecallToolIntegration(_Standard, ToolsIntegrationTests):
    tool_constructor = AbsMemRecallTool
    tool_invoke_params_example = {"query": "I forgot my card pin", "k": 2}  # noqa: RUF012


class TestFindToolUnit(_Standard, ToolsUnitTests):
    tool_constructor = AbsMemFindTool
    tool_invoke_params_example = {"cause": "new sidebar layout", "outcome": "bad"}  # noqa: RUF012


class TestFindToolIntegration(_Standard, ToolsIntegrationTests):
    tool_constructor = AbsMemFindTool
    tool_invoke_params_example = {"cause": "new sidebar layout", "outcome": "bad"}  # noqa: RUF012


class TestAssessToolUnit(_Standard, ToolsUnitTests):
    tool_constructor = AbsMemAssessTool
    tool_invoke_params_example = {"context": PIN[0], "response": PIN[1]}  # noqa: RUF012


class TestAssessToolIntegration(_Standard, ToolsIntegrationTests):
    tool_constructor = AbsMemAssessTool
    tool_invoke_params_example = {"context": PIN[0], "response": PIN[1]}  # noqa: RUF012


def call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}])


def tool_messages(out: dict[str, Any]) -> dict[str, ToolMessage]:
    return {m.tool_call_id: m for m in out["messages"] if isinstance(m, ToolMessage)}


def test_an_agent_calls_find_recall_and_assess_and_reads_the_planted_memory(
    planted: AbstractionMemory,
) -> None:
    replies = [
        call("absmem_find", {"cause": "new sidebar layout", "effect": "confusing",
                             "outcome": "bad"}, "c1"),
        call("absmem_recall", {"query": "reset my card pin", "k": 2}, "c2"),
        call("absmem_assess", {"context": PIN[0], "response": PIN[1]}, "c3"),
        AIMessage(content="Last time the sidebar confused the user; I will not do that again."),
    ]  # fmt: skip
    agent = create_agent(ToolFakeChatModel(messages=iter(replies)),
                         tools=absmem_tools(planted, user_id="u1", session_id="s3"))  # fmt: skip
    out = agent.invoke({"messages": [{"role": "user", "content": "What happened last time?"}]})
    found, recalled, assessed = (tool_messages(out)[c] for c in ("c1", "c2", "c3"))
    assert all(m.status == "success" for m in (found, recalled, assessed))
    assert found.name == "absmem_find"
    assert f'response "{MENU[1]}" -> led to: "{REPLY[0]}"; outcome -1.00' in found.content
    assert f'response "{PIN[1]}"' in recalled.content
    assert "(worked;" in recalled.content
    assert "secret" not in recalled.content
    assert str(assessed.content).startswith("Expected reward +")
    assert out["messages"][-1].content.startswith("Last time the sidebar")


def test_refused_arguments_come_back_as_error_messages_and_the_agent_goes_on(
    planted: AbstractionMemory,
) -> None:
    replies = [
        AIMessage(content="", tool_calls=[
            {"name": "absmem_find", "args": {"cause": "menu", "k": 500}, "id": "c1"},
            {"name": "absmem_find", "args": {"within_days": 3}, "id": "c2"},
            {"name": "absmem_recall", "args": {"query": "   "}, "id": "c3"},
            {"name": "absmem_assess", "args": {"context": "c"}, "id": "c4"},
        ]),
        AIMessage(content="Sorry, let me try again."),
    ]  # fmt: skip
    agent = create_agent(ToolFakeChatModel(messages=iter(replies)), tools=absmem_tools(planted))
    out = agent.invoke({"messages": [{"role": "user", "content": "what went wrong?"}]})
    messages = tool_messages(out)
    expected = {"c1": "k: expected less than or equal to 20, got 500",
                "c2": "arguments: expected at least one of cause, effect or outcome",
                "c3": "query: expected a non-empty string (not only whitespace)",
                "c4": "response: expected a value (it is required)"}  # fmt: skip
    for call_id, says in expected.items():
        assert messages[call_id].status == "error", call_id
        assert str(messages[call_id].content).startswith("Error: absmem_"), call_id
        assert says in str(messages[call_id].content), call_id
    assert out["messages"][-1].content == "Sorry, let me try again."


def test_direct_invoke_sync_and_async(planted: AbstractionMemory) -> None:
    recall, find, assess = absmem_tools(planted)
    text = recall.invoke({"query": PIN[0], "k": 1})
    assert text.startswith(f'1 memory for "{PIN[0]}"')
    arguments = {"cause": "new sidebar layout", "outcome": "bad"}
    assert asyncio.run(find.ainvoke(arguments)) == find.invoke(arguments)
    assert MENU[1] in find.invoke(arguments)
    assert asyncio.run(assess.ainvoke({"context": PIN[0], "response": PIN[1]})).startswith(
        "Expected reward +"
    )
    assert recall.invoke(PIN[0]) == recall.invoke({"query": PIN[0]})
    assert asyncio.run(recall.ainvoke(PIN[0])).startswith(f'3 memories for "{PIN[0]}"')
    assert "AbsMemRecallTool" in repr(recall)
    bad = recall.invoke({"query": PIN[0], "k": 0})
    assert bad.startswith("Error: absmem_recall was not run: k: expected greater than")
    assert asyncio.run(find.ainvoke({"k": 2})).startswith("Error: absmem_find was not run:")


def test_errors_that_are_not_the_models_are_raised(planted: AbstractionMemory) -> None:
    find = AbsMemFindTool(memory=planted)
    planted.close()
    with pytest.raises(MemoryClosedError):
        find.invoke({"cause": "menu"})


def test_the_model_cannot_pick_the_namespace(planted: AbstractionMemory) -> None:
    recall = AbsMemRecallTool(memory=planted)
    text = recall.invoke({"query": PIN[0], "namespace": "other"})
    assert "secret" not in text
    assert PIN[1] in text
    other = AbsMemRecallTool(memory=planted, namespace="other").invoke({"query": PIN[0]})
    assert "secret" in other
    assert PIN[1] not in other


def test_a_tool_recall_is_linked_to_the_tool_run(planted: AbstractionMemory) -> None:
    run_id = uuid.uuid4()
    recall = AbsMemRecallTool(memory=planted, user_id="u7", session_id="s7")
    recall.invoke({"query": PIN[0]}, config={"run_id": run_id})
    given = planted.feedback(run_id=run_id, reward=1.0)
    row, _ = planted._engine.store.get_recall(planted.namespace, given.target_id)
    assert (given.target_kind, row.user_id, row.session_id) == ("recall", "u7", "s7")


@pytest.mark.parametrize("tool_class", [AbsMemRecallTool, AbsMemFindTool, AbsMemAssessTool])
def test_schemas_describe_every_argument_and_hide_the_scope(
    mem: AbstractionMemory, tool_class: type[BaseTool]
) -> None:
    tool = tool_class(memory=mem, namespace="acme", user_id="u1", session_id="s1")
    spec = convert_to_openai_tool(tool)["function"]
    assert spec["name"] == tool.name
    assert spec["name"].startswith("absmem_")
    assert "Use it" in spec["description"]
    properties = spec["parameters"]["properties"]
    assert properties
    assert all(field.get("description") for field in properties.values())
    assert not {"namespace", "user_id", "session_id", "memory"} & set(properties)
    assert "namespace" not in str(spec)


def test_the_find_schema_offers_the_ends_and_filters(mem: AbstractionMemory) -> None:
    schema = convert_to_openai_tool(AbsMemFindTool(memory=mem))["function"]["parameters"]
    assert set(schema["properties"]) == {"cause", "effect", "outcome", "k", "within_days"}
    assert "next message" in schema["properties"]["effect"]["description"]
    assert "required" not in schema


def test_a_bad_scope_is_refused_when_the_tool_is_made(mem: AbstractionMemory) -> None:
    with pytest.raises(ValidationError, match="namespace"):
        AbsMemFindTool(memory=mem, namespace="")
    with pytest.raises(ValidationError, match="memory"):
        AbsMemFindTool(memory="not a memory")  # type: ignore[arg-type]


def test_tool_classes_follow_langchains_docstring_sections() -> None:
    for tool_class in (AbsMemRecallTool, AbsMemFindTool, AbsMemAssessTool):
        for section in ("Setup:", "Instantiate:", "Usage:", ">>> "):
            assert section in (tool_class.__doc__ or ""), (tool_class.__name__, section)

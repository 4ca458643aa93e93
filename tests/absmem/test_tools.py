"""MemoryTools: an LLM's arguments validated, the verbs called in the developer's scope, text back;
find and assess read-only, recall logged with its user, session and run id."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from absmem import AbstractionMemory, InvalidArgumentError
from absmem.embed import HashEmbedder
from absmem.tools import (
    TOOL_SPECS,
    AssessArgs,
    FindArgs,
    MemoryTools,
    RecallArgs,
    ToolArgumentError,
)

MENU = ("make the menu bigger", "I moved the menu to a sidebar")
REPLY = ("I cannot find anything now", "Sorry, here is the old layout.")
SECRET = ("make the menu bigger", "the other tenant's secret answer")


@pytest.fixture
def mem(tmp_path: Path) -> Iterator[AbstractionMemory]:
    """A memory on exact-match embeddings: the menu turn (rated bad) and the reply it led to in
    namespace ``acme``; the same question with a secret answer in namespace ``other``."""
    with AbstractionMemory.open(tmp_path / "mem", embedder=HashEmbedder(), namespace="acme") as m:
        first = m.remember(*MENU, session_id="s1")
        m.remember(*REPLY, session_id="s1")
        m.feedback(first, -1.0)
        m.remember(*SECRET, namespace="other")
        m.flush()
        yield m


def _counts(db: Path) -> dict[str, Any]:
    with sqlite3.connect(db) as con:
        return {
            table: con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("experiences", "recalls", "recall_items", "feedback", "credits", "edges")
        }


def test_recall_answers_in_the_fixed_namespace_whatever_the_arguments_say(
    mem: AbstractionMemory,
) -> None:
    tools = MemoryTools(mem, namespace="acme")
    text = tools.run("recall", {"query": MENU[0], "k": 3, "namespace": "other"})
    assert text.startswith(f'2 memories for "{MENU[0]}"')
    assert f'response "{MENU[1]}"' in text
    assert "secret" not in text
    other = MemoryTools(mem, namespace="other").run("recall", {"query": MENU[0]})
    assert "secret" in other
    assert MENU[1] not in other


def test_recall_is_logged_with_the_user_session_and_run_id(mem: AbstractionMemory) -> None:
    run_id = uuid.uuid4()
    MemoryTools(mem, user_id="u1", session_id="s9").run("recall", {"query": MENU[0]}, run_id=run_id)
    given = mem.feedback(run_id=run_id, reward=1.0)
    row, items = mem._engine.store.get_recall("acme", given.target_id)
    assert (given.target_kind, row.user_id, row.session_id) == ("recall", "u1", "s9")
    assert len(items) == 2


def test_find_reads_chains_with_their_outcome(mem: AbstractionMemory) -> None:
    tools = MemoryTools(mem)
    text = tools.run("find", {"cause": MENU[1], "effect": REPLY[0], "outcome": "bad"})
    assert text.splitlines()[0] == "1 matching interaction, best match first:"
    assert f'response "{MENU[1]}" -> led to: "{REPLY[0]}"; outcome -1.00' in text
    assert tools.run("find", {"cause": MENU[1], "outcome": "good"}) == (
        "No matching interactions found."
    )
    assert "secret" not in tools.run("find", {"cause": SECRET[1]})


def test_find_within_days_sets_the_time_window(mem: AbstractionMemory) -> None:
    tools = MemoryTools(mem)
    assert MENU[1] in tools.run("find", {"cause": MENU[1], "within_days": 1})
    assert tools.run("find", {"cause": MENU[1], "within_days": 1e-12}) == (
        "No matching interactions found."
    )


def test_assess_reads_the_expected_reward(mem: AbstractionMemory) -> None:
    text = MemoryTools(mem).run("assess", {"context": MENU[0], "response": MENU[1]})
    assert text.startswith("Expected reward -")
    assert "likely to go badly" in text


def test_find_and_assess_change_nothing_stored(mem: AbstractionMemory, tmp_path: Path) -> None:
    tools = MemoryTools(mem)
    before = _counts(tmp_path / "mem" / "absmem.db")
    tools.run("find", {"cause": MENU[1], "effect": REPLY[0]})
    tools.run("find", {"outcome": "bad"})
    tools.run("assess", {"context": MENU[0], "response": MENU[1]})
    mem.flush()
    assert _counts(tmp_path / "mem" / "absmem.db") == before
    tools.run("recall", {"query": MENU[0]})
    mem.flush()
    assert _counts(tmp_path / "mem" / "absmem.db")["recalls"] == before["recalls"] + 1


def test_async_twin_gives_the_same_text(mem: AbstractionMemory) -> None:
    tools = MemoryTools(mem)
    arguments = {"cause": MENU[1], "effect": REPLY[0]}

    async def both() -> tuple[str, str]:
        return await tools.arun("find", arguments), await tools.arun(
            "assess", {"context": MENU[0], "response": MENU[1]}
        )

    found, assessed = asyncio.run(both())
    assert found == tools.run("find", arguments)
    assert assessed == tools.run("assess", {"context": MENU[0], "response": MENU[1]})


@pytest.mark.parametrize(
    ("tool", "arguments", "argument"),
    [
        ("recall", {}, "query"),
        ("recall", {"query": "   "}, "query"),
        ("recall", {"query": "q", "k": 21}, "k"),
        ("recall", {"query": "q", "k": "many"}, "k"),
        ("find", {}, "arguments"),
        ("find", {"k": 3, "namespace": "other"}, "arguments"),
        ("find", {"cause": ""}, "cause"),
        ("find", {"cause": "x", "outcome": "meh"}, "outcome"),
        ("find", {"cause": "x", "within_days": 0}, "within_days"),
        ("find", {"cause": "x", "within_days": float("inf")}, "within_days"),
        ("find", {"cause": "x\ud800"}, "cause"),
        ("assess", {"context": "c"}, "response"),
        ("assess", {"context": "c", "response": "\ud800"}, "response"),
    ],
)
def test_refused_arguments_name_the_argument(
    mem: AbstractionMemory, tool: Any, arguments: dict[str, Any], argument: str
) -> None:
    with pytest.raises(ToolArgumentError) as caught:
        MemoryTools(mem).run(tool, arguments)
    assert caught.value.argument == argument
    with pytest.raises(ToolArgumentError) as caught:
        asyncio.run(MemoryTools(mem).arun(tool, arguments))
    assert caught.value.argument == argument


def test_errors_that_are_not_the_llms_keep_their_type(
    mem: AbstractionMemory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise InvalidArgumentError("embedder", "vectors of shape (1, 64)", "shape (1, 3)")

    monkeypatch.setattr(mem, "aassess", broken)
    monkeypatch.setattr(mem, "assess", lambda *a, **k: asyncio.run(broken()))
    tools = MemoryTools(mem)
    for call in (tools.run, lambda *a: asyncio.run(tools.arun(*a))):
        with pytest.raises(InvalidArgumentError) as caught:
            call("assess", {"context": "c", "response": "r"})
        assert type(caught.value) is InvalidArgumentError
        assert caught.value.argument == "embedder"


def test_the_scope_is_checked_when_the_tools_are_made(mem: AbstractionMemory) -> None:
    with pytest.raises(InvalidArgumentError, match="memory"):
        MemoryTools("not a memory")  # type: ignore[arg-type]
    for name, value in (("namespace", ""), ("user_id", " u1"), ("session_id", 3)):
        with pytest.raises(InvalidArgumentError) as caught:
            MemoryTools(mem, **{name: value})  # type: ignore[arg-type]
        assert caught.value.argument == name
    with pytest.raises(InvalidArgumentError, match="tool"):
        MemoryTools(mem).run("forget", {})  # type: ignore[arg-type]


def test_argument_models_describe_every_field_and_hold_no_scope() -> None:
    for spec, model in zip(TOOL_SPECS.values(), (RecallArgs, FindArgs, AssessArgs), strict=True):
        assert spec.args_schema is model
        assert spec.name.startswith("absmem_")
        assert len(spec.description) > 100
        schema = model.model_json_schema()
        assert all(field.get("description") for field in schema["properties"].values())
        assert not {"namespace", "user_id", "session_id"} & set(schema["properties"])
    assert RecallArgs.model_json_schema()["required"] == ["query"]
    assert AssessArgs.model_json_schema()["required"] == ["context", "response"]
    assert "required" not in FindArgs.model_json_schema()

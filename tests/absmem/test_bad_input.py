"""Each bad input gets an error naming the argument, and nothing stored is lost."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from absmem import (
    AbsmemError,
    AbstractionMemory,
    EmbedderMismatchError,
    InvalidArgumentError,
    MemoryClosedError,
    UnknownTargetError,
)

Open = Callable[..., AbstractionMemory]
PIN = ("how do I reset my card pin?", "Open the app, go to Cards, then choose Reset PIN.")


@pytest.fixture
def mem(open_memory: Open) -> AbstractionMemory:
    memory = open_memory()
    memory.remember(*PIN, user_id="u1")
    return memory


def _unchanged(mem: AbstractionMemory) -> None:
    assert mem.count() == 1
    assert mem.recall(PIN[0], k=1).items[0].response == PIN[1]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"context": "", "response": "r"}, "context"),
        ({"context": "   ", "response": "r"}, "context"),
        ({"context": None, "response": "r"}, "context"),
        ({"context": 42, "response": "r"}, "context"),
        ({"context": "c", "response": ""}, "response"),
        ({"context": "c", "response": b"bytes"}, "response"),
        ({"context": "c", "response": "r", "user_id": ""}, "user_id"),
        ({"context": "c", "response": "r", "session_id": 7}, "session_id"),
        ({"context": "c", "response": "r", "metadata": {"x": object()}}, "metadata"),
        ({"context": "c", "response": "r", "metadata": {"x": math.nan}}, "metadata"),
        ({"context": "c", "response": "r", "metadata": ["not", "a", "dict"]}, "metadata"),
        ({"context": "c", "response": "r", "namespace": ""}, "namespace"),
    ],
)
def test_remember_rejects(mem: AbstractionMemory, kwargs: dict[str, Any], argument: str) -> None:
    context, response = kwargs.pop("context"), kwargs.pop("response")
    with pytest.raises(InvalidArgumentError) as err:
        mem.remember(context, response, **kwargs)
    assert err.value.argument == argument
    assert str(err.value).startswith(f"{argument}: expected")
    _unchanged(mem)


def test_remember_with_unknown_recall_id(mem: AbstractionMemory) -> None:
    with pytest.raises(UnknownTargetError, match="recall_id"):
        mem.remember("c", "r", recall_id="rec_nope")
    _unchanged(mem)


@pytest.mark.parametrize("reward", [math.nan, math.inf, -math.inf, 1.5, -1.01, "1", None, True])
def test_feedback_rejects_reward(mem: AbstractionMemory, reward: object) -> None:
    recall = mem.recall(PIN[0], k=1)
    with pytest.raises(
        InvalidArgumentError, match=r"^reward: expected a finite number in \[-1, 1\]"
    ):
        mem.feedback(recall.id, reward=reward)  # type: ignore[arg-type]
    stored = mem.get(recall.items[0].id)
    assert stored is not None
    assert stored.usage.n == 0.0
    _unchanged(mem)


def test_feedback_unknown_target(mem: AbstractionMemory) -> None:
    with pytest.raises(UnknownTargetError) as err:
        mem.feedback("rec_does_not_exist", reward=1.0)
    assert str(err.value).startswith("target: expected the id of a recall or experience")
    assert isinstance(err.value, LookupError)
    with pytest.raises(InvalidArgumentError, match="^target"):
        mem.feedback("", reward=1.0)
    _unchanged(mem)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"k": 0}, "k"),
        ({"k": 1001}, "k"),
        ({"k": 2.5}, "k"),
        ({"k": True}, "k"),
        ({"user_id": " padded "}, "user_id"),
    ],
)
def test_recall_rejects(mem: AbstractionMemory, kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        mem.recall(PIN[0], **kwargs)
    assert err.value.argument == argument
    with pytest.raises(InvalidArgumentError, match="^query"):
        mem.recall("")
    _unchanged(mem)


def test_forget_needs_exactly_one_selector(mem: AbstractionMemory) -> None:
    with pytest.raises(InvalidArgumentError, match="^user_id/session_id"):
        mem.forget()
    with pytest.raises(InvalidArgumentError, match="^user_id/session_id"):
        mem.forget(user_id="u1", session_id="s1")
    _unchanged(mem)


def test_remember_many_validates_everything_first(mem: AbstractionMemory) -> None:
    batch = [{"context": "fine", "response": "fine"}, {"context": "fine", "response": ""}]
    with pytest.raises(InvalidArgumentError, match=r"^interactions\[1\]\.response"):
        mem.remember_many(batch)
    with pytest.raises(InvalidArgumentError, match=r"^interactions\[0\]"):
        mem.remember_many([{"context": "c", "response": "r", "colour": "red"}])
    with pytest.raises(InvalidArgumentError, match=r"^interactions\[0\]"):
        mem.remember_many(["just a string"])
    _unchanged(mem)


def test_closed_memory(open_memory: Open) -> None:
    mem = open_memory()
    mem.remember(*PIN)
    mem.close()
    mem.close()  # idempotent
    for call in (
        lambda: mem.remember("c", "r"),
        lambda: mem.recall("q"),
        lambda: mem.feedback("rec_x", 1.0),
        lambda: mem.forget(user_id="u"),
        mem.count,
    ):
        with pytest.raises(MemoryClosedError, match="expected an open memory"):
            call()
    reopened = open_memory()
    assert reopened.count() == 1


def test_wrong_embedder_is_refused(open_memory: Open, tmp_path: Path, hash_embedder: Any) -> None:
    mem = open_memory()
    mem.remember(*PIN)
    mem.close()
    with pytest.raises(EmbedderMismatchError, match="^embedder: expected 'sentence-transformers"):
        AbstractionMemory.open(tmp_path / "mem", embedder=hash_embedder)
    reopened = open_memory()
    assert reopened.count() == 1


def test_open_rejects_a_file_path(tmp_path: Path) -> None:
    path = tmp_path / "file.txt"
    path.write_text("not a folder")
    with pytest.raises(InvalidArgumentError, match="^path: expected a folder"):
        AbstractionMemory.open(path)
    assert path.read_text() == "not a folder"


def test_every_error_is_an_absmem_error() -> None:
    for cls in (InvalidArgumentError, UnknownTargetError, MemoryClosedError,
                EmbedderMismatchError):  # fmt: skip
        assert issubclass(cls, AbsmemError)

"""examples/llamaindex_chat_engine.py and examples/llamaindex_agent.py run offline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

Example = Callable[[str, Path], str]
"""The ``example`` fixture (tests/examples/conftest.py): runs a script, returns its output."""


def test_the_chat_engine_example_learns_from_the_first_turn(
    tmp_path: Path, example: Example
) -> None:
    out = example("llamaindex_chat_engine.py", tmp_path / "chat")
    first, second = out.split("bob (session-2)")
    assert "model sees memory: (none yet)" in first
    assert "I typed my card PIN wrong three times" in second  # alice's turn, recalled for bob
    assert out.count("feedback +1 on span SimpleChatEngine.chat-") == 2
    assert "reached exp_" in out
    assert "2 experiences remembered" in out
    assert (tmp_path / "chat" / "absmem.db").exists()


def test_the_agent_example_records_rates_and_recalls_agent_runs(
    tmp_path: Path, example: Example
) -> None:
    out = example("llamaindex_agent.py", tmp_path / "agent")
    first, second = out.split("bob (session-2)")
    assert "model sees memory: (none yet)" in first
    assert 'the response was "Your PIN is locked.' in second
    assert "feedback +1.0 on span FunctionAgent.run-" in first
    assert "feedback +0.5 on span FunctionAgent.run-" in second
    first_experience = first.split("reached ")[1].split()[0]
    assert f"latest turn rated again: {first_experience}" in out
    assert "2 experiences remembered" in out

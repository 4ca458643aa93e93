"""examples/langchain_agent.py and examples/langchain_lcel.py run offline with a fake model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

Example = Callable[[str, Path], str]
"""The ``example`` fixture (tests/examples/conftest.py): runs a script, returns its output."""


def test_the_agent_example_learns_from_the_first_turn(tmp_path: Path, example: Example) -> None:
    out = example("langchain_agent.py", tmp_path / "agent")
    first, second = out.split("bob (thread-2)")
    assert "model sees memory: (none yet)" in first
    assert "I typed my card PIN wrong three times" in second  # alice's turn, recalled for bob
    assert out.count("feedback +1 on run") == 2
    assert "reached exp_" in out
    assert "2 experiences remembered" in out
    assert (tmp_path / "agent" / "absmem.db").exists()


@pytest.mark.parametrize("name", ["langchain_lcel.py"])
def test_the_lcel_example_rates_the_chains_recall(
    tmp_path: Path, name: str, example: Example
) -> None:
    out = example(name, tmp_path / "lcel")
    assert "- [experience]" in out
    assert "answer: Open the app and go to Cards > Reset PIN." in out
    assert "feedback +0.8 on run" in out
    assert "reached recall rec_" in out

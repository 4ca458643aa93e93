"""examples/langchain_agent.py and examples/langchain_lcel.py run offline with a fake model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(name: str, folder: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), str(folder)],
        check=False, capture_output=True, text=True, timeout=600, cwd=folder.parent,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_agent_example_learns_from_the_first_turn(tmp_path: Path) -> None:
    out = run("langchain_agent.py", tmp_path / "agent")
    first, second = out.split("bob (thread-2)")
    assert "model sees memory: (none yet)" in first
    assert "I typed my card PIN wrong three times" in second  # alice's turn, recalled for bob
    assert out.count("feedback +1 on run") == 2
    assert "reached exp_" in out
    assert "2 experiences remembered" in out
    assert (tmp_path / "agent" / "absmem.db").exists()


@pytest.mark.parametrize("name", ["langchain_lcel.py"])
def test_the_lcel_example_rates_the_chains_recall(tmp_path: Path, name: str) -> None:
    out = run(name, tmp_path / "lcel")
    assert "- [experience]" in out
    assert "answer: Open the app and go to Cards > Reset PIN." in out
    assert "feedback +0.8 on run" in out
    assert "reached recall rec_" in out

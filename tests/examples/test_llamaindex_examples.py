"""examples/llamaindex_chat_engine.py and examples/llamaindex_agent.py run offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(name: str, folder: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), str(folder)],
        check=False, capture_output=True, text=True, timeout=600, cwd=folder.parent,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_chat_engine_example_learns_from_the_first_turn(tmp_path: Path) -> None:
    out = run("llamaindex_chat_engine.py", tmp_path / "chat")
    first, second = out.split("bob (session-2)")
    assert "model sees memory: (none yet)" in first
    assert "I typed my card PIN wrong three times" in second  # alice's turn, recalled for bob
    assert out.count("feedback +1 on span SimpleChatEngine.chat-") == 2
    assert "reached exp_" in out
    assert "2 experiences remembered" in out
    assert (tmp_path / "chat" / "absmem.db").exists()


def test_the_agent_example_records_rates_and_recalls_agent_runs(tmp_path: Path) -> None:
    out = run("llamaindex_agent.py", tmp_path / "agent")
    first, second = out.split("bob (session-2)")
    assert "model sees memory: (none yet)" in first
    assert 'the response was "Your PIN is locked.' in second
    assert "feedback +1.0 on span FunctionAgent.run-" in first
    assert "feedback +0.5 on span FunctionAgent.run-" in second
    first_experience = first.split("reached ")[1].split()[0]
    assert f"latest turn rated again: {first_experience}" in out
    assert "2 experiences remembered" in out

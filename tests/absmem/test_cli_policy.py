"""``absmem eval-policy`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from absmem import AbstractionMemory
from absmem.cli import main


def _memory(folder: Path, embedder: Any, rounds: int) -> None:
    with AbstractionMemory.open(folder, embedder=embedder) as mem:
        for r in range(rounds):
            recall = mem.recall(f"how do I reset my password, take {r}")
            mem.remember(f"reset password {r}", f"answer {r % 3}", recall_id=recall.id)
            mem.feedback(recall.id, 1.0 if r % 3 == 0 else -1.0)


def test_eval_policy_prints_estimates_as_json(
    tmp_path: Path, minilm: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _memory(tmp_path / "m", minilm, 25)
    assert main(["eval-policy", str(tmp_path / "m"), "--json", "--discount", "1.0"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert set(found) == {"serving", "candidate"}
    for name in found:
        assert found[name]["n"] == 24
        value, low, high = found[name]["dr"]
        assert low <= value <= high
        assert {"ips", "snips", "logged", "effective_sample_size"} <= set(found[name])


def test_eval_policy_prints_a_table(
    tmp_path: Path, minilm: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _memory(tmp_path / "m", minilm, 25)
    assert main(["eval-policy", str(tmp_path / "m")]) == 0
    out = capsys.readouterr().out
    assert "24 rated recalls" in out
    assert out.count("snips") == 2


def test_eval_policy_bad_arguments(
    tmp_path: Path, minilm: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval-policy", str(tmp_path / "nowhere")]) == 2
    assert "absmem eval-policy: error: PATH: expected a memory folder" in capsys.readouterr().err
    _memory(tmp_path / "m", minilm, 0)
    assert main(["eval-policy", str(tmp_path / "m")]) == 2
    assert "namespace" in capsys.readouterr().err
    assert main(["eval-policy", str(tmp_path / "m"), "--discount", "2"]) == 2
    assert "discount" in capsys.readouterr().err
    assert main(["eval-policy", str(tmp_path / "m"), "--exploration", "lots"]) == 2
    assert "--exploration: expected a number, got 'lots'" in capsys.readouterr().err

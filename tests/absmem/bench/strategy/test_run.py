"""A whole strategy run on the hand-built CLINC150 folder with a hash embedder."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from absmem.bench.data import BenchDataError
from absmem.bench.strategy import StrategyParams, run_strategy, strategy_markdown
from absmem.bench.strategy.baselines import NoMemory, Oracle
from absmem.bench.strategy.loop import run_stream
from absmem.bench.strategy.world import StrategyWorld

from ..helpers import TinyEmbedder, write_tiny_data

PARAMS = StrategyParams(
    interactions=40, eval_size=6, checkpoints=2, window=10, recovery_window=3, tag="-test"
)
SYSTEMS = [
    "absmem",
    "absmem, no policy",
    "absmem, epsilon-greedy",
    "absmem + forgetting",
    "vector memory",
    "recency buffer",
    "no memory",
    "oracle",
]


def run(data: Path, out: Path, params: StrategyParams = PARAMS) -> dict[str, Any]:
    lines: list[str] = []
    result = run_strategy(data, out, params, embedder=TinyEmbedder(), progress=lines.append,
                          command="absmem bench quality --test")  # fmt: skip
    assert any("drift at 24" in line for line in lines)
    return result


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("out")


@pytest.fixture(scope="module")
def result(data_dir: Path, out_dir: Path) -> dict[str, Any]:
    return run(data_dir, out_dir)


def test_result_structure(result: dict[str, Any], out_dir: Path) -> None:
    assert result["benchmark"] == "strategy"
    assert result["command"] == "absmem bench quality --test"
    assert result["machine"]["cores"] >= 1
    assert result["date"]
    assert result["params"]["interactions"] == 40
    assert list(result["systems"]) == SYSTEMS
    assert result["figures"] == [
        "strategy-curves-test.png",
        "strategy-heldout-test.png",
        "strategy-regret-test.png",
    ]
    for name in result["figures"]:
        assert (out_dir / name).stat().st_size > 1000
    assert [c["t"] for c in result["checkpoints"]] == [0, 20, 40]
    assert result["absmem"]["consolidation"] == "ran 0 times"
    assert result["absmem"]["memory_count"] == 40
    assert result["world"]["advice_decoding_accuracy"] > 0
    absmem, oracle = result["systems"]["absmem"], result["systems"]["oracle"]
    assert absmem["nodes_per_interaction"] == 1.0
    assert absmem["stored_at_checkpoints"] == [0, 20, 40]
    assert "recovery_to_own_level" in absmem
    assert oracle["normalised_gain"] == 1.0
    assert oracle["regret"] == 0.0
    assert result["systems"]["no memory"]["regret"] >= 0.0
    assert set(result["curves"]["cumulative_regret"]) == set(SYSTEMS) - {"oracle"}
    assert set(result["absmem"]["policies"]) == set(SYSTEMS[:4])
    assert oracle["held_out_vs_oracle"] == [1.0] * 3
    assert result["systems"]["no memory"]["normalised_gain"] == 0.0
    assert len(result["curves"]["t"]) == 40
    json.dumps(result, allow_nan=False)


def test_same_seed_same_run(result: dict[str, Any], data_dir: Path, tmp_path: Path) -> None:
    again = run(data_dir, tmp_path / "again")

    def choices(r: dict[str, Any]) -> dict[str, Any]:
        return {k: {m: v for m, v in s.items() if m != "ms_per_interaction"}
                for k, s in r["systems"].items()}  # fmt: skip

    assert choices(again) == choices(result)
    assert again["curves"] == result["curves"]


def test_markdown(result: dict[str, Any]) -> None:
    text = strategy_markdown(result)
    assert "Command: `absmem bench quality --test`" in text
    assert "| system | success rate |" in text
    for name in SYSTEMS:
        assert f"| {name} |" in text
    assert "![strategy: strategy-curves-test.png](../results/strategy-curves-test.png)" in text
    assert re.search(r"Consolidation: ran \d+ times", text)
    assert "interactions back to own pre-drift level" in text


def test_missing_data_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(BenchDataError, match="data_full.json"):
        run_strategy(tmp_path / "nowhere", tmp_path / "out", PARAMS, embedder=TinyEmbedder())


def test_missing_domains_names_the_path(tiny_data: Path, tmp_path: Path) -> None:
    (tiny_data / "clinc150" / "domains.json").unlink()
    with pytest.raises(BenchDataError, match="domains.json"):
        run_strategy(tiny_data, tmp_path / "out", PARAMS, embedder=TinyEmbedder())


def test_too_few_utterances(tiny_data: Path, tmp_path: Path) -> None:
    with pytest.raises(BenchDataError, match="needed"):
        run_strategy(tiny_data, tmp_path / "out", replace(PARAMS, interactions=1000),
                     embedder=TinyEmbedder())  # fmt: skip


def test_loop_works_on_any_world(world: StrategyWorld) -> None:
    import numpy as np

    vectors = np.eye(8, dtype=np.float32)
    traces, held = run_stream(world, [NoMemory(0), Oracle(world)], vectors, seed=1,
                              checkpoints=[4], eval_requests=world.requests[:2],
                              eval_vectors=vectors[:2])  # fmt: skip
    assert held[0]["t"] == 4
    assert set(held[0]["scores"]) == {"no memory", "oracle"}
    assert (traces["oracle"].expected >= traces["no memory"].expected).all()

"""A whole LoCoMo run on hand-built conversations with a hash embedder."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from absmem.bench.data import BenchDataError
from absmem.bench.locomo import SYSTEMS, LocomoParams, recall_scores, run_locomo
from absmem.bench.perf_peers import PEERS

from ..helpers import TinyEmbedder


def run(data: Path, out: Path, params: LocomoParams, lines: list[str]) -> dict[str, Any]:
    return run_locomo(data, out, params, embedder=TinyEmbedder(), progress=lines.append,
                      command="absmem bench quality --test")  # fmt: skip


@pytest.fixture
def quick(tiny_locomo: Path, tmp_path: Path) -> dict[str, Any]:
    lines: list[str] = []
    result = run(tiny_locomo, tmp_path / "out", LocomoParams.quick(), lines)
    assert any(line.startswith("  bm25: recall@5") for line in lines)
    return result


def test_result_structure(quick: dict[str, Any], tmp_path: Path) -> None:
    assert quick["benchmark"] == "locomo"
    assert quick["command"] == "absmem bench quality --test"
    assert quick["figures"] == ["locomo-quick.png"]
    assert (tmp_path / "out" / "locomo-quick.png").stat().st_size > 0
    assert list((tmp_path / "out" / "cache").glob("locomo-*-test-tiny.npz"))
    assert quick["data"]["conversations"] == ["conv-0", "conv-1"]
    assert (quick["data"]["sessions"], quick["data"]["turns"]) == (4, 14)
    assert quick["data"]["evidence"]["questions"] == 12
    assert quick["embedder"]["model_calls_while_ranking"] == 0
    assert json.loads(json.dumps(quick))["params"]["ks"] == [5, 10, 20]


def test_every_system_scored_per_category(quick: dict[str, Any]) -> None:
    # every peer installs with absmem[all], which the tests run with
    assert quick["unavailable"] == {}
    assert list(quick["systems"]) == [*SYSTEMS, *PEERS]
    for name, figures in quick["systems"].items():
        assert figures["overall"]["questions"] == 10
        assert list(figures["by_category"]) == [
            "multi-hop", "temporal", "open-domain", "single-hop", "adversarial",
        ]  # fmt: skip
        for scores in [figures["overall"], *figures["by_category"].values()]:
            assert all(0.0 <= v <= 1.0 for n, v in scores.items() if "@" in n)
        # a question that is a turn's own text finds that turn, whatever the system
        assert figures["by_category"]["open-domain"]["recall@5"] == 1.0
        # 14 turns in 2 conversations of 7: k=20 returns every turn of the conversation, but
        # Mem0's search drops turns of negative similarity (its threshold; see Mem0Peer)
        assert (figures["overall"]["recall@20"] == 1.0) is (name != "mem0"), name
    assert quick["systems"]["absmem"]["timing"]["query"]["n"] == 10


def test_same_seed_same_figures(tiny_locomo: Path, tmp_path: Path, quick: dict[str, Any]) -> None:
    again = run(tiny_locomo, tmp_path / "again", LocomoParams.quick(), [])

    def figures(result: dict[str, Any]) -> dict[str, Any]:
        return {n: {**s, "timing": None} for n, s in result["systems"].items()}

    assert figures(again) == figures(quick)


def test_all_conversations_and_missing_data(tiny_locomo: Path, tmp_path: Path) -> None:
    params = replace(LocomoParams(), ks=(1, 3))
    result = run(tiny_locomo, tmp_path / "out", params, [])
    assert result["data"]["conversations"] == ["conv-0", "conv-1", "conv-2"]
    assert result["figures"] == ["locomo.png"]
    assert "recall@3" in result["systems"]["bm25"]["overall"]
    with pytest.raises(BenchDataError, match="locomo10.json"):
        run(tmp_path / "nowhere", tmp_path / "out", params, [])


def test_recall_scores() -> None:
    scores = recall_scores(["D1:1", "D2:1"], ["D1:1", "D1:2", "D3:1"], ks=(1, 2))
    assert scores == pytest.approx({
        "recall@1": 1 / 3, "recall@2": 1 / 3, "session_recall@1": 0.5, "session_recall@2": 0.5,
    })  # fmt: skip
    assert recall_scores([], ["D1:1"], ks=(5,))["recall@5"] == 0.0

"""The index benchmark: recall@k arithmetic and a tiny run on hand-built data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from absmem.bench.index import IndexBenchParams, index_markdown, recall_at, run_index

from .helpers import TinyEmbedder


def test_recall_at_counts_shared_keys() -> None:
    exact = np.array([[1, 2, 3], [4, 5, -1]])
    assert recall_at(exact, exact, k=3) == 1.0
    assert recall_at(exact, np.array([[3, 9, 9], [5, 4, 9]]), k=3) == pytest.approx((1 / 3 + 1) / 2)
    assert recall_at(exact, np.array([[2, 1], [9, 9]]), k=2) == 0.5


def test_tiny_run(tiny_data: Path, tmp_path: Path, tiny_embedder: TinyEmbedder) -> None:
    params = IndexBenchParams(ef_values=(16, 64), big_size=300, latency_queries=5)
    result = run_index(
        tiny_data,
        tmp_path / "out",
        params,
        embedder=tiny_embedder,
        command="absmem bench index --test",
    )
    assert result["data"]["indexed"] == 61
    assert result["data"]["queries"] == 30
    names = [s["name"] for s in result["scenarios"]]
    assert names == ["clinc150", "jittered"]
    for scenario in result["scenarios"]:
        assert scenario["kind"] == "hnsw"
        assert [r["ef_search"] for r in scenario["sweep"]] == [16, 64, 96]
        assert scenario["default"]["ef_search"] == 96
        assert scenario["exact_latency"]["p50_ms"] > 0
        for row in scenario["sweep"]:
            assert 0.0 <= row["recall_at_k"] <= 1.0
            assert row["recall_at_k"] <= row["recall_at_k_in_pool"] + 1e-9
            assert row["latency"]["n"] == 5
    assert result["scenarios"][1]["vectors"] == 300
    assert isinstance(result["target"]["default_params_met"], bool)
    text = index_markdown(result)
    assert "| clinc150 | 61 | 96 (default) |" in text
    assert "recall@10 in top 50" in text
    assert "`jittered`: 61 real vectors plus 239 jittered copies" in text


def test_big_index_can_be_skipped(
    tiny_data: Path, tmp_path: Path, tiny_embedder: TinyEmbedder
) -> None:
    params = IndexBenchParams(ef_values=(32,), big_size=0, latency_queries=2, queries=4)
    result = run_index(tiny_data, tmp_path / "out", params, embedder=tiny_embedder)
    assert [s["name"] for s in result["scenarios"]] == ["clinc150"]
    assert result["data"]["queries"] == 4

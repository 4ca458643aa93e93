"""A real but tiny ingest run, on hand-built data with a hash embedder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from absmem.bench.ingest import IngestParams, ingest_markdown, run_ingest

from .helpers import TinyEmbedder


@pytest.fixture
def result(tiny_data: Path, tmp_path: Path, tiny_embedder: TinyEmbedder) -> dict[str, Any]:
    params = IngestParams(sizes=(30, 80), ops=6, real_ops=2, warmup=1, users=4, sessions=8)
    lines: list[str] = []
    out = run_ingest(
        tiny_data,
        tmp_path / "out",
        params,
        embedder=tiny_embedder,
        command="absmem bench ingest --test",
        progress=lines.append,
    )
    assert any("store of 80 experiences" in line for line in lines)
    return out


def test_structure_and_sanity(result: dict[str, Any]) -> None:
    assert result["command"] == "absmem bench ingest --test"
    assert result["machine"]["cores"] >= 1
    assert [row["size"] for row in result["sizes"]] == [30, 80]
    small, large = result["sizes"]
    assert small["jittered_contexts"] == 0
    assert large["jittered_contexts"] == 80 - 61
    assert large["count_after"] == 80 + (6 + 1) + (2 + 1)  # timed and warm-up remembers
    for row in result["sizes"]:
        assert row["index"] == "exact"
        assert row["fill"]["per_second"] > 0
        for verb in ("remember", "recall"):
            for mode, n in (("precomputed", 6), ("real_embedder", 2)):
                stats = row[verb][mode]
                assert stats["n"] == n
                assert 0 < stats["p50_ms"] <= stats["p99_ms"] <= stats["max_ms"]
        assert row["check"] == {
            "precomputed_texts_embedded_by_model": 0,
            "real_texts_served_from_table": 0,
        }
    assert result["embedder"]["single_text"]["n"] == 2
    ratios = result["ratios"]
    assert ratios["sizes"] == [30, 80]
    assert ratios["remember_precomputed_p50"] > 0
    assert set(ratios["targets"]) >= {"remember_p50_ratio_met", "recall_p50_precomputed_ms_met"}
    assert "jittered copies" in result["workload"]["contexts"]


def test_markdown_table(result: dict[str, Any]) -> None:
    text = ingest_markdown(result)
    assert "Command: `absmem bench ingest --test`" in text
    assert "| 30 | 0 | exact |" in text
    assert "| 80 | 19 | exact |" in text
    assert "Ratio 80 / 30" in text
    assert "defined for 1k and 100k" in text


def test_missing_sizes_ratio_is_empty(
    tiny_data: Path, tmp_path: Path, tiny_embedder: TinyEmbedder
) -> None:
    params = IngestParams(sizes=(20,), ops=2, real_ops=1, warmup=0)
    out = run_ingest(tiny_data, tmp_path / "out", params, embedder=tiny_embedder)
    assert out["ratios"] == {}
    assert "Ratio" not in ingest_markdown(out)

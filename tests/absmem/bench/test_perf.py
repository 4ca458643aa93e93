"""A real but tiny perf run: absmem and every peer, on hand-built data with a hash embedder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from absmem.bench.perf import PerfParams, _in_child, _targets, _Task, run_perf
from absmem.bench.perf_peers import PEERS
from absmem.bench.perf_report import perf_markdown, perf_plot
from absmem.embed import MiniLMEmbedder
from absmem.errors import InvalidArgumentError

from .helpers import TinyEmbedder

TINY = PerfParams(sizes=(30, 60), peer_max_size=30, ops=4, real_ops=2, warmup=1, bulk_real=6,
                  consolidate_max_size=30, chunk=16, isolate=False)  # fmt: skip


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from .helpers import write_tiny_data

    root = tmp_path_factory.mktemp("perf")
    lines: list[str] = []
    out = run_perf(write_tiny_data(root / "data"), root / "out", TINY, embedder=TinyEmbedder(),
                   command="absmem bench perf --test", progress=lines.append)  # fmt: skip
    assert any("absmem at 60 experiences" in line for line in lines)
    return out


def _ok(result: dict[str, Any], system: str, size: int) -> dict[str, Any]:
    row = next(r for r in result["rows"] if r["system"] == system and r["size"] == size)
    assert row["status"] == "ok", row
    return row


def test_absmem_reports_every_figure(result: dict[str, Any]) -> None:
    for size in (30, 60):
        row = _ok(result, "absmem", size)
        assert row["fill"]["per_second"] > 0
        for verb in ("remember", "recall"):
            assert row[verb]["precomputed"]["n"] == 4
            assert row[verb]["real_embedder"]["n"] == 2
            assert 0 < row[verb]["precomputed"]["p50_ms"] <= row[verb]["precomputed"]["p99_ms"]
        assert row["check"]["precomputed_texts_embedded_by_model"] == 0
        bulk = row["bulk_real_embedder"]
        assert bulk["interactions"] == 6
        assert bulk["ratio"] > 0
        assert row["rss_mb"] > row["rss_growth_mb"]
        assert row["rss_memory_mb"] == pytest.approx(row["rss_base_mb"] + row["rss_growth_mb"])
        assert row["disk_bytes_per_experience"] > 0
        assert row["cold_open_seconds"] > 0
        assert row["embed_alone"]["n"] == 2
        for verb in ("recall", "remember"):  # profiled on the worker thread, where work runs
            profile = row["profile"][verb]
            assert profile["calls"] == 5
            assert profile["groups"]["SQLite"] > 0
            assert sum(profile["groups"].values()) == pytest.approx(1.0, abs=0.01)
            assert profile["top"][0]["share"] >= profile["top"][-1]["share"]
            assert not any("SimpleQueue" in t["function"] for t in profile["top"])  # idle wait
    assert "consolidate_seconds" in _ok(result, "absmem", 30)
    assert "consolidate_seconds" not in _ok(result, "absmem", 60)  # above consolidate_max_size
    assert result["embedder"] == "test-tiny"  # named by the measuring process
    targets = result["targets"]
    assert targets["largest_size"] == 60
    assert targets["remember_p50_ratio_largest_to_smallest"] > 0
    assert isinstance(targets["recall_p50_under_5ms"], bool)


def test_every_peer_is_measured_or_says_why(result: dict[str, Any]) -> None:
    for peer in PEERS:
        row = next(r for r in result["rows"] if r["system"] == peer and r["size"] == 30)
        if row["status"] == "ok":
            assert row["fill"]["per_second"] > 0
            assert row["recall"]["precomputed"]["n"] == 4
            assert row["remember"]["real_embedder"]["n"] == 2
        else:
            assert row["status"] == "unavailable"
            assert row["reason"]
        skipped = next(r for r in result["rows"] if r["system"] == peer and r["size"] == 60)
        assert skipped["status"] == "skipped"
        assert "peer_max_size" in skipped["reason"]
    # the two peers that come with the core dependencies always run
    for peer in ("langchain-inmemory", "llamaindex-vector"):
        _ok(result, peer, 30)
    assert set(result["targets"]["recall_faster_than_peer"]) >= {"langchain-inmemory@30"}


def test_markdown_and_plot(result: dict[str, Any], tmp_path: Path) -> None:
    text = perf_markdown(result)
    assert "| 60 | absmem |" in text
    assert "| 60 | langchain-inmemory | skipped: above peer_max_size 30" in text
    assert "bulk ingest with precomputed vectors at least 5,000/s" in text
    assert "Where the time goes in absmem at 60" in text
    rows = [r for r in result["rows"] if r["size"] == 60]  # one size: no ratio to report
    one = {**result, "rows": rows, "targets": _targets(rows)}
    assert one["targets"]["remember_p50_ratio_largest_to_smallest"] is None
    assert "not measured (one store size in this run)" in perf_markdown(one)
    png = perf_plot(result, tmp_path / "perf.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_size_runs_in_a_fresh_process(tiny_data: Path, tmp_path: Path) -> None:
    # What the command does: the fresh process builds the real model from its factory.
    params = PerfParams(sizes=(20,), ops=2, real_ops=1, warmup=1, bulk_real=2, chunk=8,
                        consolidate_max_size=0)  # fmt: skip
    row = _in_child(_Task("absmem", 20, str(tiny_data), str(tmp_path), params, MiniLMEmbedder))
    assert row["status"] == "ok"
    assert row["size"] == 20
    assert row["recall"]["precomputed"]["n"] == 2


def test_isolation_needs_a_factory(tiny_data: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="factory"):
        run_perf(tiny_data, tmp_path, PerfParams(sizes=(20,)), embedder=TinyEmbedder())

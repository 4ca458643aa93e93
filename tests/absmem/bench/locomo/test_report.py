"""The LoCoMo docs section and figure, from a hand-built result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from absmem.bench.locomo import locomo_markdown, plot_locomo
from absmem.bench.report import machine


def scores(value: float) -> dict[str, Any]:
    return {"questions": 2, "recall@5": value, "recall@10": value, "session_recall@5": value,
            "session_recall@10": value}  # fmt: skip


def result() -> dict[str, Any]:
    system = {"overall": scores(0.5), "by_category": {"multi-hop": scores(0.25)},
              "timing": {"mean_ms_per_question": 0.1}}  # fmt: skip
    absmem = {**system, "timing": {"query": {"mean_ms": 3.0}}}
    return {
        "benchmark": "locomo", "command": "absmem bench quality", "date": "2026-01-01T00:00:00",
        "machine": machine(), "params": {"ks": [5, 10], "bm25_k1": 1.2, "bm25_b": 0.75},
        "data": {"conversations": ["c1"], "sessions": 2, "turns": 9,
                 "evidence": {"questions": 3, "split": 1}},
        "memory": {"context": "ctx", "response": "marker", "date": "in metadata", "ranker": "R()"},
        "embedder": {"name": "tiny"}, "systems": {"absmem": absmem, "bm25": system},
        "figures": ["locomo.png"],
    }  # fmt: skip


def test_markdown_has_every_system_and_the_figure() -> None:
    text = locomo_markdown(result())
    assert "Command: `absmem bench quality`" in text
    assert "| system | recall@5 | recall@10 | session recall@5 |" in text
    assert "| absmem | 0.500 | 0.500 | 0.500 | 0.500 | 3.00 |" in text
    assert "| bm25 | 0.250 | 0.500 |" in text  # per category: multi-hop, then all
    assert "| system | multi-hop (2) | all |" in text
    assert "entries holding several ids split on ';' or spaces: 1" in text
    assert "![LoCoMo recall@10 per category](../results/locomo.png)" in text


def test_plot_writes_a_png(tmp_path: Path) -> None:
    path = plot_locomo(result()["systems"], (5, 10), tmp_path / "figs" / "locomo.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

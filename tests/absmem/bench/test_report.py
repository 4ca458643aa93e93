"""Latency summaries, the machine description and regenerating a docs section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from absmem.bench.report import (
    describe_run,
    machine,
    markdown_table,
    summarise,
    update_section,
    write_json,
)


def test_summarise_in_milliseconds() -> None:
    stats = summarise([0.001] * 99 + [0.101])
    assert stats["n"] == 100
    assert stats["p50_ms"] == 1.0
    assert 1.0 < stats["p99_ms"] <= 101.0
    assert stats["max_ms"] == 101.0
    assert summarise([])["n"] == 0


def test_machine_describes_cpu_and_cores() -> None:
    info = machine()
    assert info["cores"] >= 1
    assert info["cpu"]
    assert info["packages"]["numpy"]
    text = describe_run(
        {
            "command": "absmem bench x",
            "date": "2025-01-01",
            "machine": info,
            "load_average": {"start": 0.5, "end": 0.7},
        }
    )
    assert "`absmem bench x`" in text
    assert "before the run: 0.5" in text


def test_update_section_replaces_only_between_markers(tmp_path: Path) -> None:
    doc = tmp_path / "docs" / "bench.md"
    update_section(doc, "ingest", "first")  # created, with a heading
    assert doc.read_text().startswith("# Benchmarks\n")
    doc.write_text("intro\n<!-- ingest:begin -->\nold\n<!-- ingest:end -->\noutro\n")
    update_section(doc, "ingest", "| a |\n")
    assert doc.read_text() == "intro\n<!-- ingest:begin -->\n| a |\n<!-- ingest:end -->\noutro\n"
    update_section(doc, "index", "second")
    text = doc.read_text()
    assert text.endswith("<!-- index:begin -->\nsecond\n<!-- index:end -->\n")
    assert "| a |" in text


def test_markdown_table_and_json(tmp_path: Path) -> None:
    table = markdown_table(["name", "ms"], [["exact", "1.5"], ["hnsw", "0.2"]])
    assert table.splitlines()[1] == "|---|---:|"
    path = write_json(tmp_path / "out" / "x.json", {"a": 1})
    assert json.loads(path.read_text()) == {"a": 1}


@pytest.mark.parametrize("seconds", [[0.002], [0.001, 0.003]])
def test_p50_of_small_samples(seconds: list[float]) -> None:
    assert summarise(seconds)["p50_ms"] == 2.0

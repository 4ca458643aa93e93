"""The load benchmark's parts: the consistency check finds what is missing, the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from absmem.bench.load import LoadParams, check_consistency, load_markdown, read_acks, run_load
from absmem.bench.load_worker import WorkerConfig, main, open_target
from absmem.embed import HashEmbedder


def _stored(folder: Path) -> list[dict[str, Any]]:
    """Three acknowledged writes in namespace ``t``: a remember, a recall, a feedback."""
    with open_target(str(folder), HashEmbedder(dim=64)) as mem:
        eid = mem.remember("ctx", "resp", namespace="t")
        recall = mem.recall("ctx", k=1, namespace="t")
        given = mem.feedback(recall.id, 1.0, namespace="t")
    return [
        {"verb": "remember", "namespace": "t", "id": eid},
        {"verb": "recall", "namespace": "t", "id": recall.id},
        {"verb": "feedback", "namespace": "t", "id": given.id, "target": recall.id},
    ]


def test_the_check_passes_on_what_was_stored_and_finds_every_kind_of_loss(tmp_path: Path) -> None:
    acks = _stored(tmp_path)
    with open_target(str(tmp_path), HashEmbedder(dim=64)) as mem:
        good = check_consistency(mem, acks)
        assert good["ok"]
        assert good["checked"] == {"remember": 1, "recall": 1, "feedback": 1, "namespaces": 1}
        lost = [
            {"verb": "remember", "namespace": "t", "id": "exp_lost"},
            {"verb": "recall", "namespace": "t", "id": "rec_lost"},
            {"verb": "feedback", "namespace": "t", "id": "fb_lost"},
        ]
        bad = check_consistency(mem, [*acks, *lost, acks[0]])
    problems = " | ".join(bad["problems"])
    assert not bad["ok"]
    assert "1 ids acknowledged twice" in problems
    assert "1 acknowledged experiences missing" in problems
    assert "acknowledged recall rec_lost missing" in problems
    assert "1 acknowledged feedbacks missing" in problems


def test_the_check_bounds_unacknowledged_writes(tmp_path: Path) -> None:
    acks = _stored(tmp_path)
    with open_target(str(tmp_path), HashEmbedder(dim=64)) as mem:
        mem.remember("stored, never acknowledged", "resp", namespace="t")
        assert not check_consistency(mem, acks)["ok"]
        assert check_consistency(mem, acks, in_flight=1)["ok"]


def test_acks_cut_short_by_a_kill_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "acks.jsonl"
    path.write_text('{"verb": "remember", "namespace": "t", "id": "a"}\n{"verb": "rem')
    assert read_acks([path, tmp_path / "missing.jsonl"]) == [
        {"verb": "remember", "namespace": "t", "id": "a"}
    ]


def test_a_quick_run_reports_every_figure(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_load(LoadParams(processes=2, seconds=2.0), progress=lines.append,
                      command="absmem bench load --test")  # fmt: skip
    assert result["store"] == "SQLite"
    assert result["command"] == "absmem bench load --test"
    assert result["errors"] == []
    assert result["crashes"] == []
    assert result["consistency"]["ok"]
    for figures in result["verbs"].values():
        assert {"count", "per_second", "p50_ms", "p99_ms", "max_ms"} <= set(figures)
    assert result["operations"] == sum(v["count"] for v in result["verbs"].values())
    text = load_markdown(result)
    assert "| verb | calls | per second | p50 ms | p99 ms | max ms |" in text
    assert "Errors: 0." in text
    assert "integrity_check ok" in text
    assert any("consistency ok" in line for line in lines)


def test_the_worker_entry_point_runs_and_summarises(tmp_path: Path) -> None:
    config = WorkerConfig(
        index=0, target=str(tmp_path / "s"), seconds=0.5, acks=str(tmp_path / "a.jsonl"),
        summary=str(tmp_path / "s.json"),
    )  # fmt: skip
    assert main([json.dumps(config.__dict__)]) == 0
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["errors"] == []
    assert sum(len(v) for v in summary["latencies"].values()) == len(
        read_acks([tmp_path / "a.jsonl"])
    )
    assert main([]) == 2

"""A real but tiny consolidation benchmark, through the ``absmem`` command, on hand-built data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from absmem import cli
from absmem.bench.consolidate import ConsolidateBenchParams, consolidate_markdown, run_consolidate

from .helpers import TinyEmbedder, write_tiny_data

SIZE = 600


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run of ``absmem bench consolidate --quick --sizes 600`` into a temporary folder."""
    root = tmp_path_factory.mktemp("consolidate-bench")
    data = write_tiny_data(root / "data")
    out = root / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "make_embedder", lambda name: TinyEmbedder())
        argv = ["bench", "consolidate", "--quick", "--sizes", str(SIZE), "--cores", "1",
                "--data", str(data), "--out", str(out), "--no-docs", "--seed", "3"]  # fmt: skip
        assert cli.main(argv) == 0
    loaded: dict[str, Any] = json.loads((out / "consolidate-quick.json").read_text())
    return loaded


def test_quick_params() -> None:
    assert ConsolidateBenchParams.quick().sizes == (2_000,)
    assert ConsolidateBenchParams().sizes == (10_000, 100_000)


def test_result_holds_times_memory_and_a_trained_model(result: dict[str, Any]) -> None:
    assert result["benchmark"] == "consolidate"
    assert result["command"].startswith("absmem bench consolidate --quick --sizes 600")
    assert result["machine"]["cores"] >= 1
    assert result["params"]["seed"] == 3
    assert [row["size"] for row in result["sizes"]] == [SIZE]
    row = result["sizes"][0]
    assert row["jittered_contexts"] == SIZE - 61
    assert row["texts_embedded_by_model"] == 0
    assert row["build"]["feedback_calls"] == round(SIZE * 0.3)
    assert row["growth"]["experiences"] == 6
    assert row["after"]["experiences"] == SIZE + 6
    assert row["process"]["cores"] == 1
    assert isinstance(row["process"]["cuda_available"], bool)
    for key, experiences in (("consolidate", SIZE), ("finetune", SIZE + 6)):
        run = row[key]
        assert run["experiences"] == experiences
        assert run["seconds"] > 0
        assert all(run["phases"][phase] >= 0 for phase in ("extract", "train", "abstract"))
        assert run["phases"]["train"] > 0
        assert run["trained"] is True
        assert 0.0 <= run["training"]["reward_auc"] <= 1.0
        assert 0.0 <= run["training"]["edge_auc"] <= 1.0
        assert run["abstractions"] > 0
        assert run["peak_rss_mb"] >= run["rss_before_mb"] > 0
    assert row["consolidate"]["training"]["finetuned"] is False
    assert row["finetune"]["training"]["finetuned"] is True
    assert result["target"]["status"] == "not measured"


def test_markdown_table(result: dict[str, Any]) -> None:
    text = consolidate_markdown(result)
    assert "Command: `absmem bench consolidate --quick" in text
    assert "| store size | run | experiences | wall s |" in text
    assert "| 600 | first | 600 |" in text
    assert "| 600 | +6 (fine-tune) | 606 |" in text
    assert "Target: consolidating 100,000 experiences under 60 s on 2 CPU cores: not measured" in (
        text
    )


def test_a_size_past_its_time_limit_is_recorded_as_not_measured(
    tiny_data: Path, tmp_path: Path, tiny_embedder: TinyEmbedder
) -> None:
    params = ConsolidateBenchParams(sizes=(SIZE,), time_limit=0.5)
    lines: list[str] = []
    out = run_consolidate(tiny_data, tmp_path / "out", params, embedder=tiny_embedder,
                          progress=lines.append)  # fmt: skip
    assert out["failed"] == [SIZE]
    row = out["sizes"][0]
    assert row["failed"] == "stopped by the time limit after 0.5 s, while starting"
    assert row["stage"] == "starting"
    assert 0 < row["stage_seconds"] < 60
    assert out["target"]["status"] == "not measured"
    text = consolidate_markdown(out)
    assert f"| {SIZE} | not measured | - |" in text
    assert any("stopped by the time limit" in line for line in lines)


def test_target_status() -> None:
    from absmem.bench.consolidate import _target

    def done(seconds: float) -> dict[str, Any]:
        return {"size": 100_000, "consolidate": {"seconds": seconds}, "process": {"cores": 2}}

    assert _target([done(42.0)])["status"] == "met"
    assert _target([done(75.0)])["status"] == "not met"
    stopped = {"size": 100_000, "failed": "stopped", "stage": "running the consolidation"}
    assert _target([{**stopped, "stage_seconds": 700.0}])["status"].startswith(
        "not met (unfinished after 700 s"
    )
    assert _target([{**stopped, "stage_seconds": 10.0}])["status"] == "not measured (stopped)"
    assert _target([done(1.0) | {"size": 10_000}])["status"] == "not measured"

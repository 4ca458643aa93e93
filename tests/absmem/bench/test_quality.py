"""The quality orchestrator: runs worlds, writes JSON and docs, skips worlds without data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from absmem.bench.data import BenchDataError
from absmem.bench.quality import WORLDS, World, run_quality
from absmem.registry import Registry


@dataclass(frozen=True)
class ToyParams:
    rounds: int = 10
    seed: int = 0

    @classmethod
    def quick(cls) -> ToyParams:
        return cls(rounds=2)


def _run(data: Any, out: Path, params: ToyParams, **_: Any) -> dict[str, Any]:
    (out / "toy.png").write_bytes(b"png")
    return {
        "benchmark": "toy",
        "rounds": params.rounds,
        "seed": params.seed,
        "figures": ["toy.png"],
    }


def _missing(data: Any, out: Path, params: ToyParams, **_: Any) -> dict[str, Any]:
    raise BenchDataError("data: expected /nowhere/toy, not found")


def _worlds() -> Registry[World]:
    worlds: Registry[World] = Registry("benchmark")
    worlds.register(
        "toy", World("toy", lambda: (ToyParams, _run, lambda r: f"rounds {r['rounds']}"))
    )
    worlds.register("gone", World("gone", lambda: (ToyParams, _missing, str)))
    return worlds


def test_runs_writes_json_and_docs_and_skips_missing_data(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text("<!-- toy:begin -->\nold\n<!-- toy:end -->\n")
    lines: list[str] = []
    outcomes = run_quality(["toy", "gone"], None, tmp_path, quick=True, seed=3, docs=docs,
                           progress=lines.append, worlds=_worlds())  # fmt: skip
    toy, gone = outcomes
    assert toy.json_path == tmp_path / "toy-quick.json"
    assert '"rounds": 2' in toy.json_path.read_text()
    assert '"seed": 3' in toy.json_path.read_text()
    assert toy.figures == ("toy.png",)
    assert "rounds 2" in docs.read_text()
    assert gone.skipped is not None
    assert "/nowhere/toy" in gone.skipped
    assert any("skipped" in line for line in lines)


def test_the_three_worlds_are_registered() -> None:
    assert WORLDS.names() == ["locomo", "satisfaction", "strategy"]


def test_quick_quality_run_on_the_real_data_produces_every_figure(
    tmp_path: Path, real_data: Path, minilm: Any
) -> None:
    # The smoke test of the harness that CI runs: every world ran and wrote its JSON and
    # figures. The figures' values are the benchmark's business, not this test's.
    docs = tmp_path / "benchmarks.md"
    docs.write_text("".join(f"<!-- {n}:begin -->\n<!-- {n}:end -->\n" for n in WORLDS.names()))
    outcomes = run_quality(WORLDS.names(), real_data, tmp_path, quick=True, embedder=minilm,
                           docs=docs)  # fmt: skip
    assert [o.name for o in outcomes] == WORLDS.names()
    for outcome in outcomes:
        assert outcome.skipped is None, outcome.skipped
        assert outcome.json_path is not None
        assert outcome.json_path.exists()
        assert outcome.figures, outcome.name
        for figure in outcome.figures:
            assert (tmp_path / figure).read_bytes().startswith(b"\x89PNG"), figure
        assert outcome.markdown.strip()
    text = docs.read_text()
    assert all(f"<!-- {n}:begin -->\n<!-- {n}:end -->" not in text for n in WORLDS.names())

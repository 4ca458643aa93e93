"""A real but tiny satisfaction run, on hand-built USS dialogues with a hash embedder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from absmem.bench.data import BenchDataError
from absmem.bench.satisfaction import (
    SYSTEMS,
    SatisfactionParams,
    _split,
    run_satisfaction,
    satisfaction_markdown,
)
from absmem.bench.uss import load_uss

from .helpers import TinyEmbedder


def write_tiny_uss(root: Path, dialogues: int = 10) -> Path:
    """A ``uss/`` folder of two corpora: each dialogue has 3 rated turns, ratings 1 to 5."""
    folder = root / "uss"
    folder.mkdir(parents=True)
    for corpus in ("MWOZ", "SGD"):
        blocks = []
        for d in range(dialogues):
            lines = [f"USER\t{corpus} hello {d}\tinform\t3,3,3"]
            for t in range(3):
                rating = 1 + (d + t) % 5
                lines.append(f"SYSTEM\t{corpus} answer {t} of {d}\tact{t}\t")
                lines.append(f"USER\t{corpus} reply {t} of {d}\tinform\t{rating},{rating},{rating}")
            lines.append("USER\tOVERALL\t\t3,3,3")
            blocks.append("\n".join(lines))
        (folder / f"{corpus}.txt").write_text("\n\n".join(blocks) + "\n")
    return root


PARAMS = SatisfactionParams(dialogues=None, k=5, knn_k=3, chunk=7, tag="-test")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("satisfaction")


@pytest.fixture(scope="module")
def result(run_dir: Path) -> dict[str, Any]:
    lines: list[str] = []
    out = run_satisfaction(
        write_tiny_uss(run_dir / "data"),
        run_dir / "out",
        PARAMS,
        embedder=TinyEmbedder(),
        progress=lines.append,
        command="absmem bench quality --test",
    )
    assert any("training turns" in line for line in lines)
    return out


def test_structure_counts_and_figure(result: dict[str, Any], run_dir: Path) -> None:
    assert result["benchmark"] == "satisfaction"
    assert result["command"] == "absmem bench quality --test"
    assert result["machine"]["cores"] >= 1
    assert result["figures"] == ["satisfaction-roc-test.png"]
    assert (run_dir / "out" / "satisfaction-roc-test.png").stat().st_size > 0
    assert list(result["results"]) == ["MWOZ", "SGD", "overall"]
    for corpus in ("MWOZ", "SGD"):
        row = result["results"][corpus]
        assert (row["train_turns"], row["test_turns"]) == (24, 6)  # 8 and 2 dialogues of 3 turns
        assert row["test_satisfied"] + row["test_dissatisfied"] <= row["test_turns"]
    overall = result["results"]["overall"]
    assert overall["train_turns"] == 48
    assert overall["test_turns"] == 12
    for row in result["results"].values():
        assert set(row["auc"]) == set(SYSTEMS) == set(row["correlation"])
        for value in row["auc"].values():
            assert value is None or 0.0 <= value <= 1.0
        if row["auc"]["global_prior"] is not None:
            assert row["auc"]["global_prior"] == 0.5
    assert result["timings"]["assess_ms_per_call"] > 0
    assert result["params"]["seed"] == 0


def test_same_seed_same_result(result: dict[str, Any], run_dir: Path) -> None:
    again = run_satisfaction(run_dir / "data", run_dir / "again", PARAMS, embedder=TinyEmbedder())
    assert again["results"] == result["results"]


def test_the_split_is_by_dialogue_and_seeded(run_dir: Path) -> None:
    uss = load_uss(run_dir / "data")
    split = _split(uss.dialogues, PARAMS)
    assert split == _split(uss.dialogues, PARAMS)
    train = {(t.corpus, t.dialogue) for t in split.train}
    test = {(t.corpus, t.dialogue) for t in split.test}
    assert not train & test
    assert len(train) == 16
    other = _split(uss.dialogues, replace(PARAMS, seed=1, dialogues=5))
    assert len({(t.corpus, t.dialogue) for t in other.train}) == 8
    assert other.test != split.test


def test_markdown(result: dict[str, Any]) -> None:
    text = satisfaction_markdown(result)
    assert "Command: `absmem bench quality --test`" in text
    assert "| system | MWOZ | SGD | overall |" in text
    for name in SYSTEMS:
        assert f"| {name} |" in text
    assert "![ROC curves of every system](../results/satisfaction-roc-test.png)" in text


def test_missing_data_names_the_path(tmp_path: Path, tiny_embedder: TinyEmbedder) -> None:
    with pytest.raises(BenchDataError, match=r"uss/MWOZ\.txt"):
        run_satisfaction(tmp_path, tmp_path / "out", PARAMS, embedder=tiny_embedder)


def test_quick_params() -> None:
    quick = SatisfactionParams.quick()
    assert quick.tag == "-quick"
    assert quick.dialogues is not None
    assert SatisfactionParams().tag == ""
    assert SatisfactionParams().dialogues is None

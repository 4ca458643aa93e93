"""Locating and loading CLINC150: precedence of --data, $ABSMEM_DATA and the default; errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from absmem.bench.data import (
    DATA_ENV,
    INDEXED_SPLITS,
    BenchDataError,
    load_clinc150,
    project_root,
    resolve_data_dir,
)
from absmem.errors import AbsmemError


def test_loads_splits_domains_and_intents(tiny_data: Path) -> None:
    data = load_clinc150(tiny_data)
    assert len(data.splits["train"]) == 48
    assert data.splits["test"][0] == ("pin_change query 0", "pin_change")
    assert data.intent_of["weather question 3"] == "weather"
    assert data.domains["banking"] == ["pin_change", "balance"]
    assert len(data.sha256) == 64
    assert len(data.texts(*INDEXED_SPLITS)) == 61
    assert data.without(["a", "b", "c"], ["b"]) == ["a", "c"]


def test_texts_are_distinct_and_in_file_order(tmp_path: Path) -> None:
    folder = tmp_path / "clinc150"
    folder.mkdir()
    rows = {"train": [["b", "x"], ["a", "x"], ["b", "x"]], "val": [["a", "x"], ["c", "y"]]}
    (folder / "data_full.json").write_text(json.dumps(rows))
    data = load_clinc150(tmp_path)
    assert data.texts("train", "val") == ["b", "a", "c"]
    assert data.domains == {}


def test_missing_data_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(BenchDataError, match="nowhere") as caught:
        load_clinc150(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere" / "clinc150" / "data_full.json") in str(caught.value)
    assert isinstance(caught.value, AbsmemError)
    assert isinstance(caught.value, FileNotFoundError)


def test_malformed_data_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "clinc150"
    folder.mkdir()
    (folder / "data_full.json").write_text(json.dumps({"train": [["only text"]]}))
    with pytest.raises(BenchDataError, match="expected CLINC150's format"):
        load_clinc150(tmp_path)


def test_data_folder_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "repo"
    (project / "sub").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    monkeypatch.chdir(project / "sub")
    monkeypatch.delenv(DATA_ENV, raising=False)
    assert project_root() == project.resolve()
    assert resolve_data_dir() == (tmp_path / "shared" / "data").resolve()
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "from-env"))
    assert resolve_data_dir() == tmp_path / "from-env"
    assert resolve_data_dir(tmp_path / "explicit") == tmp_path / "explicit"


def test_real_clinc150_has_its_published_sizes(real_data: Path) -> None:
    data = load_clinc150(real_data)
    sizes = {name: len(rows) for name, rows in data.splits.items()}
    assert sizes["train"] == 15_000
    assert sizes["val"] == 3_000
    assert sizes["test"] == 4_500
    assert len({intent for _, intent in data.splits["train"]}) == 150

"""absmem demo: a short run on the real model writes its memory, figure and summary."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from absmem import MiniLMEmbedder
from absmem.cli import main
from absmem.demo import DemoParams, demo_requests, run_demo


def test_a_short_demo_writes_everything(tmp_path: Path, minilm: MiniLMEmbedder) -> None:
    lines: list[str] = []
    bar = io.StringIO()
    folder = tmp_path / "demo"
    summary = run_demo(folder, DemoParams(interactions=60), embedder=minilm, out=lines.append,
                       bar_stream=bar)  # fmt: skip
    assert (folder / "memory" / "absmem.db").exists()
    assert (folder / "learning_curve.png").read_bytes().startswith(b"\x89PNG")
    assert json.loads((folder / "summary.json").read_text()) == summary
    assert summary["stored_experiences"] == 60
    assert set(summary["mean_success"]) == {"no memory", "absmem", "oracle"}
    assert "100%  60/60" in bar.getvalue()
    text = "\n".join(lines)
    assert "Success rate over the stream" in text
    assert "What the memory now advises" in text
    assert str(folder / "summary.json") in text


def test_the_stream_is_seeded_and_holds_out_a_phrasing_per_intent() -> None:
    first, held_out = demo_requests(DemoParams(interactions=50, seed=1))
    again, _ = demo_requests(DemoParams(interactions=50, seed=1))
    assert first == again
    assert not {r.text for r in first} & {r.text for r in held_out}


def test_demo_refuses_an_existing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--folder", str(tmp_path)]) == 2
    assert "--folder: expected a new folder" in capsys.readouterr().err

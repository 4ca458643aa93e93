"""``absmem report`` through the real entry point (``main`` and ``python -m absmem``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from absmem import AbstractionMemory
from absmem.cli import main
from absmem.embed import HashEmbedder


def _memory(folder: Path, rounds: int = 12) -> Path:
    with AbstractionMemory.open(folder, embedder=HashEmbedder(dim=32)) as mem:
        for r in range(rounds):
            recall = mem.recall(f"reset my password {r % 2}")
            mem.remember(f"reset my password {r % 2}", f"answer {r % 3}", recall_id=recall.id)
            mem.feedback(recall.id, 1.0 if r % 3 == 0 else -1.0)
        mem.consolidate()
    return folder


def test_report_writes_the_page_and_says_what_it_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _memory(tmp_path / "m")
    out = tmp_path / "out" / "report.html"
    assert main(["report", str(folder), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"wrote {out} (")
    assert "namespace 'default', 12 experiences, 12 rated," in printed
    page = out.read_text(encoding="utf-8")
    assert 'id="lessons"' in page
    assert "No data yet" not in page


def test_report_through_python_dash_m(tmp_path: Path) -> None:
    folder = _memory(tmp_path / "m", rounds=3)
    done = subprocess.run(
        [sys.executable, "-m", "absmem", "report", str(folder), "--output", "r.html"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "3 experiences, 3 rated" in done.stdout
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    shown = subprocess.run(
        [sys.executable, "-m", "absmem", "report", "--help"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert shown.returncode == 0
    assert "absmem report ./my-memory -o report.html" in shown.stdout
    assert "--namespace" in shown.stdout


def test_report_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "r.html")
    assert main(["report", str(tmp_path / "nowhere"), "-o", out]) == 2
    err = capsys.readouterr().err
    assert "absmem report: error: PATH: expected a memory folder holding absmem.db" in err
    assert not (tmp_path / "nowhere").exists()
    folder = _memory(tmp_path / "m", rounds=2)
    assert main(["report", str(folder), "-o", out, "--namespace", "sales"]) == 2
    err = capsys.readouterr().err
    assert "--namespace: expected a namespace this memory holds (it holds: 'default'), " in err
    assert "got 'sales'" in err
    assert main(["report", str(folder), "-o", str(tmp_path)]) == 2
    assert "--output: expected an HTML file path" in capsys.readouterr().err
    assert not Path(out).exists()
    assert main(["report"]) == 2
    assert "absmem report: error: PATH: required, not given" in capsys.readouterr().err


def test_report_of_an_empty_memory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    AbstractionMemory.open(tmp_path / "m", embedder=HashEmbedder(dim=32)).close()
    assert main(["report", str(tmp_path / "m"), "-o", str(tmp_path / "r.html")]) == 0
    assert "0 experiences, 0 rated, 0 lessons" in capsys.readouterr().out
    assert (tmp_path / "r.html").read_text(encoding="utf-8").count("No data yet") == 5

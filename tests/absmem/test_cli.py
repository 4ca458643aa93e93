"""The ``absmem`` command: argument errors, missing data, where results and docs go."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

import absmem
from absmem import cli

from .bench.helpers import TinyEmbedder

TINY = ["--sizes", "30,80", "--ops", "4", "--real-ops", "2"]


@pytest.fixture
def tiny_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command builds a hash embedder instead of loading all-MiniLM-L6-v2."""
    monkeypatch.setattr(cli, "make_embedder", lambda name: TinyEmbedder())


@pytest.fixture(autouse=True)
def plain_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """Captured streams are not terminals, whatever FORCE_COLOR says: output is plain text."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


def _commands(command: Any = None, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand of the ``absmem`` app, as the words that run it."""
    command = command or typer.main.get_command(cli.app)
    found = [path] if path else []
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


def test_every_command_is_listed() -> None:
    names = {" ".join(words) for words in _commands()}
    assert names >= {
        "demo", "bench", "bench ingest", "bench quality", "bench index", "bench consolidate",
        "bench perf", "bench load", "eval-policy", "report", "ingest", "recall", "assess",
        "feedback", "consolidate", "forget", "stats", "lessons", "explain", "export",
    }  # fmt: skip


@pytest.mark.parametrize("words", _commands(), ids=" ".join)
def test_every_command_has_help_with_examples(
    words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([*words, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"Usage: absmem {' '.join(words)} [OPTIONS]" in out
    assert re.search(rf"Examples:\s*\n\s+absmem {' '.join(words)}", out), out
    assert "\x1b[" not in out
    assert cli.main([*words, "-h"]) == 0
    assert capsys.readouterr().out == out


def test_version_and_root_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"absmem {absmem.__version__}\n"
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("demo", "ingest", "recall", "report", "eval-policy", "bench"):
        assert f" {name} " in out
    assert "absmem recall ./my-memory" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "missing COMMAND: one of demo, ingest"),
        (["bench"], "missing COMMAND: one of ingest"),
        (["bench", "nothing"], "no such command 'nothing'"),
        (["bench", "ingest", "--sizes", "0,10"], "positive integers"),
        (["bench", "ingest", "--sizes", "1k"], "positive integers"),
        (["bench", "ingest", "--ops", "-3"], ">= 1"),
        (["bench", "index", "--ef", "x"], "positive integers"),
        (["bench", "index", "--docs", "a.md", "--no-docs"], "not allowed with"),
        (["bench", "perf", "--systems", "absmem,nope"], "expected comma-separated names among"),
        (["bench", "perf", "--sizes", "-5"], "positive integers"),
        (["bench", "perf", "--ops", "0"], ">= 1"),
        (["bench", "perf", "--section", "../x"], "lower-case letters, digits and dashes"),
        (["bench", "load", "--seconds", "-1"], "positive number of seconds"),
        (["bench", "load", "--processes", "0"], ">= 1"),
        (["bench", "load", "--embedder", "bert"], "invalid choice 'bert'"),
        (["bench", "consolidate", "--feedback-share", "0"], "expected a number in (0, 1]"),
        (["bench", "quality", "--only", "chess"], "expected comma-separated names among"),
        (["demo", "--interactions", "5"], "--interactions: expected an integer >= 10, got 5"),
        (["eval-policy", "m", "--exploration", "lots"], "--exploration: expected a number"),
        (["report", "m", "--nope"], "no such option: --nope"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("absmem")
    assert ": error: " in captured.err
    assert message in captured.err


def test_missing_data_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tiny_model: None
) -> None:
    for name in ("ingest", "index"):
        status = cli.main(
            [
                "bench",
                name,
                "--data",
                str(tmp_path / "none"),
                "--out",
                str(tmp_path / "out"),
                "--no-docs",
            ]
        )
        assert status == 1
        err = capsys.readouterr().err
        assert str(tmp_path / "none" / "clinc150" / "data_full.json") in err
        assert f"absmem bench {name}: error: CLINC150 data not found" in err


def test_env_var_names_the_data_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tiny_model: None,
) -> None:
    monkeypatch.setenv("ABSMEM_DATA", str(tmp_path / "env-data"))
    assert cli.main(["bench", "ingest", "--out", str(tmp_path / "out"), "--no-docs"]) == 1
    assert str(tmp_path / "env-data") in capsys.readouterr().err


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, doc_name: str, text: str) -> Path:
    """A project root (``pyproject.toml``, ``docs/<doc_name>`` holding ``text``) made the working
    folder; returns the doc's path."""
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    doc = project / "docs" / doc_name
    doc.write_text(text)
    monkeypatch.chdir(project)
    return doc


def test_run_writes_json_and_regenerates_the_docs_section(
    tiny_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tiny_model: None,
) -> None:
    doc = _project(tmp_path, monkeypatch, "benchmarks.md",
                   "# B\n<!-- ingest:begin -->\nold\n<!-- ingest:end -->\nkept\n")  # fmt: skip
    project = doc.parents[1]
    assert cli.main(["bench", "ingest", *TINY, "--data", str(tiny_data)]) == 0
    result = json.loads((project / "results" / "ingest.json").read_text())
    assert result["command"] == f"absmem bench ingest {' '.join(TINY)} --data {tiny_data}"
    assert [row["size"] for row in result["sizes"]] == [30, 80]
    text = doc.read_text()
    assert "old" not in text
    assert "| 80 | 19 | exact |" in text
    assert text.endswith("<!-- ingest:end -->\nkept\n")
    assert (project / "results" / "cache").is_dir()
    out = capsys.readouterr().out
    assert "| 30 | 0 | exact |" in out
    assert "updated section 'ingest'" in out


def test_quick_run_leaves_the_docs_alone(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_model: None
) -> None:
    (tmp_path / "docs").mkdir()
    doc = tmp_path / "docs" / "benchmarks.md"
    doc.write_text("untouched\n")
    monkeypatch.chdir(tmp_path)
    argv = [
        "bench",
        "index",
        "--quick",
        "--data",
        str(tiny_data),
        "--out",
        str(tmp_path / "r"),
        "--big-size",
        "200",
        "--latency-queries",
        "3",
    ]
    assert cli.main(argv) == 0
    assert doc.read_text() == "untouched\n"
    result = json.loads((tmp_path / "r" / "index-quick.json").read_text())
    assert result["params"]["ef_values"] == [32, 96, 256]
    other = tmp_path / "elsewhere.md"
    assert cli.main([*argv, "--docs", str(other)]) == 0
    assert "<!-- index:begin -->" in other.read_text()


def test_python_dash_m_runs_the_command() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run(
        [sys.executable, "-m", "absmem", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("absmem ")
    done = subprocess.run([sys.executable, "-m", "absmem", "bench", "ingest", "--sizes", "x"],
                          capture_output=True, text=True, check=False, timeout=120,
                          env=env)  # fmt: skip
    assert done.returncode == 2
    assert "absmem bench ingest: error: --sizes: expected comma-separated positive" in done.stderr


def test_real_tiny_runs(real_data: Path, tmp_path: Path) -> None:
    """Both benchmarks end to end on real CLINC150 with all-MiniLM-L6-v2, at tiny sizes."""
    out, doc = tmp_path / "out", tmp_path / "bench.md"
    common = ["--data", str(real_data), "--out", str(out), "--docs", str(doc)]
    assert (
        cli.main(
            ["bench", "ingest", "--sizes", "200,400", "--ops", "20", "--real-ops", "3", *common]
        )
        == 0
    )
    assert (
        cli.main(
            [
                "bench",
                "index",
                "--base-limit",
                "400",
                "--queries",
                "40",
                "--big-size",
                "1000",
                "--ef",
                "16,64",
                "--latency-queries",
                "10",
                *common,
            ]
        )
        == 0
    )
    ingest = json.loads((out / "ingest.json").read_text())
    assert ingest["embedder"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    for row in ingest["sizes"]:
        assert row["recall"]["real_embedder"]["p50_ms"] > row["recall"]["precomputed"]["p50_ms"]
    index = json.loads((out / "index.json").read_text())
    for scenario in index["scenarios"]:
        for row in scenario["sweep"]:
            assert 0.0 <= row["recall_at_k"] <= 1.0
    text = doc.read_text()
    assert "<!-- ingest:begin -->" in text
    assert "<!-- index:begin -->" in text
    assert "| 400 | 0 | exact |" in text


def test_perf_quick_run_writes_json_plot_and_performance_docs(
    tiny_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tiny_model: None,
) -> None:
    doc = _project(tmp_path, monkeypatch, "performance.md",
                   "# P\n<!-- perf:begin -->\nSTALE\n<!-- perf:end -->\n")  # fmt: skip
    project = doc.parents[1]
    argv = ["bench", "perf", "--quick", "--sizes", "30", "--systems", "absmem,langchain-inmemory",
            "--ops", "3", "--data", str(tiny_data), "--docs", str(doc)]  # fmt: skip
    assert cli.main(argv) == 0
    result = json.loads((project / "results" / "perf-quick.json").read_text())
    assert [(r["system"], r["status"]) for r in result["rows"]] == [
        ("absmem", "ok"), ("langchain-inmemory", "ok")]  # fmt: skip
    assert (project / "results" / "perf-quick.png").is_file()
    assert (project / "docs" / "figures" / "perf.png").is_file()
    text = doc.read_text()
    assert "STALE" not in text
    assert "| 30 | absmem |" in text
    assert "![absmem bench perf](figures/perf.png)" in text
    assert "updated section 'perf'" in capsys.readouterr().out


def test_load_run_writes_json_and_the_reliability_docs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = "# R\n<!-- load-sqlite:begin -->\nSTALE\n<!-- load-sqlite:end -->\n"
    doc = _project(tmp_path, monkeypatch, "reliability.md", stale)
    project = doc.parents[1]
    argv = ["bench", "load", "--quick", "--processes", "2", "--seconds", "2", "--docs", str(doc)]
    assert cli.main(argv) == 0
    result = json.loads((project / "results" / "load-sqlite-quick.json").read_text())
    assert result["errors"] == []
    assert result["consistency"]["ok"]
    text = doc.read_text()
    assert "STALE" not in text
    assert "| remember |" in text
    assert "Consistency: every acknowledged write present" in text
    assert "updated section 'load-sqlite'" in capsys.readouterr().out

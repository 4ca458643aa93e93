"""``absmem find`` through the real entry point: the table of chains, and bad arguments named.

Texts are matched with a hash embedder (identical texts have similarity 1, others about 0), so
a query naming a stored response and the reply it provoked finds exactly that chain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from absmem import AbstractionMemory, cli
from absmem.cli_find import parse_outcome, parse_time
from absmem.embed import HashEmbedder

BAD_REPLY = "I moved everything to a new sidebar."
COMPLAINT = "This is confusing, I cannot find anything."


@pytest.fixture(autouse=True)
def hash_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "make_embedder", lambda name: HashEmbedder())
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def memory(tmp_path: Path) -> tuple[Path, str]:
    """Two sessions: in s1 the sidebar reply led to a complaint and was rated -1; in s2 another
    reply led to thanks. Returns the folder and the id of the planted experience."""
    folder = tmp_path / "memory"
    with AbstractionMemory.open(folder, embedder=HashEmbedder()) as mem:
        planted = mem.remember("Make the menu bigger", BAD_REPLY, session_id="s1", user_id="u1")
        mem.remember(COMPLAINT, "Sorry, let me help.", session_id="s1", user_id="u1")
        mem.feedback(planted, -1.0)
        other = mem.remember("Make the menu bigger", "I made the font larger.", session_id="s2")
        mem.remember("Thanks, much better.", "Glad it helps.", session_id="s2")
        mem.feedback(other, 1.0)
    return folder, planted


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_find_prints_the_planted_chain(
    memory: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, planted = memory
    status, out, _ = _run(["find", str(folder), "--cause", BAD_REPLY, "--effect", COMPLAINT,
                           "--outcome", "bad"], capsys)  # fmt: skip
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["#", "score", "experience", "situation"]
    rows = lines[2:]
    assert len(rows) == 1
    assert planted[:20] in rows[0]
    assert "-1.00" in rows[0]
    assert "This is confusing" in rows[0]


def test_outcome_ranges_and_filters(
    memory: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, planted = memory
    status, out, _ = _run(["find", str(folder), "--outcome", "0.5:1"], capsys)
    assert status == 0
    assert "+1.00" in out
    assert planted[:20] not in out
    status, out, _ = _run(["find", str(folder), "--outcome", "bad", "--user-id", "u2"], capsys)
    assert (status, out.strip()) == (0, "no chain matches (lower --min-similarity, or widen "
                                        "the filters)")  # fmt: skip
    status, out, _ = _run(["find", str(folder), "--outcome", "bad", "--since", "2001-01-01",
                           "--session-id", "s1"], capsys)  # fmt: skip
    assert status == 0
    assert planted[:20] in out


@pytest.mark.parametrize(
    ("argv", "named"),
    [([], "--cause/--effect/--outcome"), (["--cause", "x", "-k", "0"], "-k"),
     (["--outcome", "1:-1"], "--outcome"), (["--outcome", "meh"], "--outcome"),
     (["--cause", "x", "--since", "last tuesday"], "--since"),
     (["--cause", "x", "--min-similarity", "2"], "--min-similarity"),
     (["--cause", ""], "--cause")],
)  # fmt: skip
def test_bad_arguments_exit_2_naming_them(
    memory: tuple[Path, str], capsys: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    status, _, err = _run(["find", str(memory[0]), *argv], capsys)
    assert status == 2
    assert f"error: {named}" in err


def test_unknown_abstraction_exits_1_and_missing_memory_exits_2(
    memory: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = _run(["find", str(memory[0]), "--cause", "x", "--abstraction-id", "a9"],
                          capsys)  # fmt: skip
    assert (status, "--abstraction-id" in err) == (1, True)
    assert "absmem lessons" in err
    status, _, err = _run(["find", str(tmp_path / "nothing"), "--cause", "x"], capsys)
    assert status == 2
    assert "PATH" in err


def test_help_through_python_m_absmem() -> None:
    done = subprocess.run([sys.executable, "-m", "absmem", "find", "--help"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0
    assert "Examples:" in done.stdout
    assert "--outcome" in done.stdout


def test_parsers() -> None:
    assert parse_outcome("good") == "good"
    assert parse_outcome(" -0.5:0.5 ") == (-0.5, 0.5)
    assert parse_time("2026-11-01T00:00:00") == parse_time("2026-11-01") == 1793491200.0

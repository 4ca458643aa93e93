"""examples/quickstart.py runs end to end (real model, real files) and reports what it found."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart.py"


def test_quickstart_runs_and_recalls_after_reopening(tmp_path: Path) -> None:
    folder = tmp_path / "qs"
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), str(folder), "--steps", "120"],
        check=False, capture_output=True, text=True, timeout=600, cwd=tmp_path,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "closed; 120 experiences on disk. Reopening..." in out
    assert "after reopening found 3 items:" in out
    assert "Relevant past interactions" in out
    assert (folder / "absmem.db").exists()


def test_quickstart_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "data.txt").write_text("keep me")
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path / "precious")],
        check=False, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "was not made by this quickstart" in done.stderr
    assert (tmp_path / "precious" / "data.txt").read_text() == "keep me"

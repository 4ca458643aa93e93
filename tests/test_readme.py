"""The README's usage example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python example"
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})
    assert (tmp_path / "memory" / "absmem.db").exists()


def test_readme_starts_with_the_two_setup_commands() -> None:
    lines = README.read_text().splitlines()
    commands = lines[lines.index("```bash") + 1 : lines.index("```bash") + 3]
    assert commands[0].endswith(".venv/bin/absmem demo")
    assert commands[1].endswith(".venv/bin/pytest")
    assert all(
        c.startswith("python3 -m venv .venv && .venv/bin/pip install torch==2.13.0")
        for c in commands
    )

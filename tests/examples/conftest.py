"""Running an example script as a user would: a subprocess, offline, in its own folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def example() -> Callable[[str, Path], str]:
    """Run ``examples/<name> <folder>`` offline; it must succeed; returns its standard output."""

    def run(name: str, folder: Path) -> str:
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / name), str(folder)],
            check=False, capture_output=True, text=True, timeout=600, cwd=folder.parent,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run

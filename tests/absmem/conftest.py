"""Data fixtures shared by the command-line and benchmark tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .bench.helpers import real_data_or_skip, write_tiny_data


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    """A data folder holding a hand-built ``clinc150/`` (3 intents, 61 stored, 30 test texts)."""
    return write_tiny_data(tmp_path / "data")


@pytest.fixture
def real_data() -> Path:
    """The real ``../shared/data`` folder; skips the test when CLINC150 is not there."""
    return real_data_or_skip()

"""A hand-built LoCoMo folder: 3 short conversations, malformed evidence ids included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from absmem.bench.data import project_root

REAL = (project_root(Path(__file__).parent) / ".." / "shared" / "data").resolve()
"""The real data folder, ``../shared/data`` from the project root."""


def _conversation(n: int) -> dict[str, Any]:
    ann, bob = f"Ann{n}", f"Bob{n}"
    lines = [
        [(ann, "I adopted a cat named Tom."), (bob, "Lovely! I started painting lakes."),
         (ann, "Tom sleeps all day."), (bob, "My sister visits next week.")],
        [(ann, "I ran a charity race on Sunday."), (bob, "I sold my first painting!"),
         (ann, "The race raised money for shelters.")],
    ]  # fmt: skip
    conv: dict[str, Any] = {"speaker_a": ann, "speaker_b": bob}
    for s, session in enumerate(lines, start=1):
        conv[f"session_{s}_date_time"] = f"1:00 pm on {s} May, 2023"
        conv[f"session_{s}"] = [
            {"speaker": who, "dia_id": f"D{s}:{t}", "text": text}
            for t, (who, text) in enumerate(session, start=1)
        ]
    qa = [
        {"question": "What is the cat called?", "evidence": ["D1:1", "D1:3"], "category": 4},
        {"question": "When was the race?", "evidence": ["D2:01"], "category": 2},
        {"question": "What does Bob paint?", "evidence": ["D1:2; D2:2"], "category": 1},
        # the question is a turn's own text: every system must rank that turn first
        {"question": f"{ann}: I adopted a cat named Tom.", "evidence": ["D1:1"], "category": 3},
        {"question": "Who visits?", "evidence": ["D:1:4", "D", "D9:9"], "category": 5},
        {"question": "Unanswerable?", "evidence": [], "category": 5},
    ]
    return {"sample_id": f"conv-{n}", "conversation": conv, "qa": qa}


def write_tiny_locomo(root: Path) -> Path:
    """Write ``locomo/locomo10.json`` with 3 conversations under ``root``; return ``root``."""
    folder = root / "locomo"
    folder.mkdir(parents=True)
    (folder / "locomo10.json").write_text(json.dumps([_conversation(n) for n in range(3)]))
    return root


@pytest.fixture
def tiny_locomo(tmp_path: Path) -> Path:
    """A data folder holding a hand-built ``locomo/locomo10.json``."""
    return write_tiny_locomo(tmp_path / "data")


@pytest.fixture
def real_locomo() -> Path:
    """The real data folder; skips the test when ``locomo/locomo10.json`` is not there."""
    if not (REAL / "locomo" / "locomo10.json").is_file():
        pytest.skip(f"real LoCoMo data absent: {REAL / 'locomo' / 'locomo10.json'}")
    return REAL

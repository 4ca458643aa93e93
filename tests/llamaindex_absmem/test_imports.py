"""The adapter's public names are pinned."""

from __future__ import annotations

import llamaindex_absmem

EXPECTED_ALL: list[str] = [
    "AbsMemBlock",
    "AbsMemFeedbackHandler",
    "AbsMemMemory",
    "AbsMemRecallEvent",
    "AbsMemRememberEvent",
    "LLMLessonWriter",
    "LlamaIndexEmbedder",
    "absmem_tools",
    "to_reward",
    "turn_run_id",
]


def test_all_imports() -> None:
    assert sorted(llamaindex_absmem.__all__) == sorted(EXPECTED_ALL)
    for name in EXPECTED_ALL:
        assert getattr(llamaindex_absmem, name) is not None, name

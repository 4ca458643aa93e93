"""The LlamaIndex adapter package exists and exports nothing yet (its issue builds it)."""

from __future__ import annotations

import llamaindex_absmem

EXPECTED_ALL: list[str] = []


def test_all_imports() -> None:
    assert sorted(llamaindex_absmem.__all__) == sorted(EXPECTED_ALL)

"""The LangChain adapter package exists and exports nothing yet (its issue builds it)."""

from __future__ import annotations

import langchain_absmem

EXPECTED_ALL: list[str] = []


def test_all_imports() -> None:
    assert sorted(langchain_absmem.__all__) == sorted(EXPECTED_ALL)

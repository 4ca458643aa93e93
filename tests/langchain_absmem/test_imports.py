"""The adapter's public names are pinned; AbsMemMemory stays a lazy import."""

from __future__ import annotations

import subprocess
import sys

import langchain_absmem

EXPECTED_ALL: list[str] = [
    "AbsMemAssessTool",
    "AbsMemFeedbackHandler",
    "AbsMemFindTool",
    "AbsMemMemory",
    "AbsMemMiddleware",
    "AbsMemRecallTool",
    "AbsMemRetriever",
    "AbsMemState",
    "LLMLessonWriter",
    "LangChainEmbedder",
    "absmem_tools",
    "recall_to_documents",
    "to_reward",
]


def test_all_imports() -> None:
    assert sorted(langchain_absmem.__all__) == sorted(EXPECTED_ALL)
    for name in EXPECTED_ALL:
        assert getattr(langchain_absmem, name) is not None, name


def test_langchain_classic_is_imported_only_for_the_classic_memory() -> None:
    probe = (
        "import sys, langchain_absmem; before = 'langchain_classic' in sys.modules; "
        "langchain_absmem.AbsMemMemory; print(before, 'langchain_classic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=300)  # fmt: skip
    assert done.stdout.split() == ["False", "True"]

"""The adapter's integration classes follow LangChain's docstring sections (the docstring
examples of every module run in tests/test_docstrings.py)."""

from __future__ import annotations

import pytest

import langchain_absmem


@pytest.mark.parametrize(
    "name", ["AbsMemMiddleware", "AbsMemRetriever", "AbsMemFeedbackHandler", "AbsMemMemory"]
)
def test_integration_classes_have_setup_instantiate_usage(name: str) -> None:
    doc = getattr(langchain_absmem, name).__doc__
    for section in ("Setup:", "Instantiate:", "Usage:", ">>> "):
        assert section in doc, f"{name} lacks {section}"

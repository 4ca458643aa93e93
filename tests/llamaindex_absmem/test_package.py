"""The adapter's integration classes have Setup / Instantiate / Usage sections (the docstring
examples of every module run in tests/test_docstrings.py)."""

from __future__ import annotations

import pytest

import llamaindex_absmem


@pytest.mark.parametrize("name", ["AbsMemMemory", "AbsMemBlock", "AbsMemFeedbackHandler"])
def test_integration_classes_have_setup_instantiate_usage(name: str) -> None:
    doc = getattr(llamaindex_absmem, name).__doc__
    for section in ("Setup:", "Instantiate:", "Usage:", ">>> "):
        assert section in doc, f"{name} lacks {section}"

"""Every module of the adapter is documented and its docstring examples run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import llamaindex_absmem


def _modules() -> list[str]:
    found = pkgutil.walk_packages(llamaindex_absmem.__path__, "llamaindex_absmem.")
    return ["llamaindex_absmem", *(m.name for m in found)]


@pytest.mark.parametrize("module", _modules())
def test_docstring_examples_run(module: str) -> None:
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module}"


@pytest.mark.parametrize("module", _modules())
def test_public_names_are_documented(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__doc__, module
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        if callable(obj) or isinstance(obj, type):
            assert obj.__doc__, f"{module}.{name} has no docstring"


@pytest.mark.parametrize("name", ["AbsMemMemory", "AbsMemBlock", "AbsMemFeedbackHandler"])
def test_integration_classes_have_setup_instantiate_usage(name: str) -> None:
    doc = getattr(llamaindex_absmem, name).__doc__
    for section in ("Setup:", "Instantiate:", "Usage:", ">>> "):
        assert section in doc, f"{name} lacks {section}"

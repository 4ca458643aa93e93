"""Every module of absmem and of both adapters is documented and its docstring examples run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import absmem
import langchain_absmem
import llamaindex_absmem

PACKAGES = (absmem, langchain_absmem, llamaindex_absmem)


def _modules() -> list[str]:
    found = []
    for package in PACKAGES:
        found.append(package.__name__)
        found += [m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]
    return found


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

"""Packaging: core/ installs as `absmem`, never as `core`; typed; explicit API; docstrings run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import absmem


def test_no_top_level_core_module_is_installed() -> None:
    site = Path(absmem.__file__).resolve().parents[1]
    assert site.name in {"site-packages", "dist-packages"}, "absmem must be installed to test this"
    assert not (site / "core").exists()
    records = list(site.glob("absmem-*.dist-info/RECORD"))
    assert len(records) == 1
    top = {line.split("/")[0].split(",")[0] for line in records[0].read_text().splitlines()}
    assert "core" not in top
    assert {"absmem", "langchain_absmem", "llamaindex_absmem"} <= top
    assert "absmem/py.typed" in records[0].read_text()


def test_all_names_resolve() -> None:
    for name in absmem.__all__:
        assert getattr(absmem, name) is not None, name


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(absmem.__path__, "absmem.")]


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

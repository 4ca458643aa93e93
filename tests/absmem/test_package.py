"""Packaging: core/ installs as `absmem`, never as `core`; typed; explicit API (docstrings:
tests/test_docstrings.py)."""

from __future__ import annotations

from pathlib import Path

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

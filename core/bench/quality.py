"""``absmem bench quality``: the worlds that show whether the memory learns, with baselines.

Three benchmarks run in turn, each seeded and each measuring its baselines in the same run:

- ``strategy``: learning from feedback which ways of responding work (CLINC150 requests);
- ``satisfaction``: telling satisfying responses from dissatisfying ones (USS ratings);
- ``locomo``: retrieving the turns that answer questions about long conversations (LoCoMo).

Each world module exposes ``<Name>Params`` (with ``quick()``), ``run_<name>`` and
``<name>_markdown``; :data:`WORLDS` maps names to them, loaded on first use. A world whose data
is absent says so (naming the path) and is skipped; the others still run.

Example:
    >>> from absmem.bench.quality import WORLDS
    >>> WORLDS.names()
    ['locomo', 'satisfaction', 'strategy']
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..embed import Embedder
from ..registry import Registry
from .data import BenchDataError
from .report import update_section, write_json

__all__ = ["WORLDS", "Parts", "World", "WorldOutcome", "run_quality"]

Progress = Callable[[str], None]


Parts = tuple[Any, Callable[..., dict[str, Any]], Callable[[dict[str, Any]], str]]
"""``(params class, run function, markdown function)`` of a world."""


@dataclass(frozen=True)
class World:
    """One quality benchmark: its name and how to load its parts (imported on first use)."""

    name: str
    load: Callable[[], Parts]


def _from_module(name: str) -> Callable[[], Parts]:
    def load() -> Parts:
        module = importlib.import_module(f".{name}", __package__)
        return (
            getattr(module, f"{name.capitalize()}Params"),
            getattr(module, f"run_{name}"),
            getattr(module, f"{name}_markdown"),
        )

    return load


WORLDS: Registry[World] = Registry("benchmark")
"""The quality benchmarks, by name."""
for _name in ("strategy", "satisfaction", "locomo"):
    WORLDS.register(_name, World(_name, _from_module(_name)))


@dataclass(frozen=True)
class WorldOutcome:
    """What one world's run produced, or why it did not run."""

    name: str
    seconds: float
    json_path: Path | None = None
    figures: tuple[str, ...] = ()
    markdown: str = ""
    skipped: str | None = None


def run_quality(
    names: Sequence[str],
    data: str | Path | None,
    out: Path,
    *,
    quick: bool,
    seed: int = 0,
    embedder: Embedder | None = None,
    docs: Path | None = None,
    command: str = "",
    progress: Progress | None = None,
    worlds: Registry[World] = WORLDS,
) -> list[WorldOutcome]:
    """Run the named worlds; write ``<out>/<name>[-quick].json`` and the docs sections."""
    say = progress or (lambda line: None)
    outcomes = []
    for name in names:
        params_class, run, markdown = worlds.get(name).load()
        params = params_class.quick() if quick else params_class()
        if "seed" in getattr(params_class, "__dataclass_fields__", {}):
            params = replace(params, seed=seed)
        say(f"== {name}{' (quick)' if quick else ''}")
        started = time.perf_counter()
        try:
            result = run(data, out, params, embedder=embedder, progress=say, command=command)
        except BenchDataError as err:
            say(f"{name}: skipped: {err}")
            outcomes.append(WorldOutcome(name, time.perf_counter() - started, skipped=str(err)))
            continue
        seconds = time.perf_counter() - started
        result = {**result, "seconds": round(seconds, 1)}
        path = write_json(out / f"{name}{'-quick' if quick else ''}.json", result)
        section = markdown(result)
        if docs is not None:
            update_section(docs, name, section)
        outcomes.append(WorldOutcome(name, seconds, path, _figures(result), section))
    return outcomes


def _figures(result: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(figure) for figure in result.get("figures", ()))

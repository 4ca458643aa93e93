"""What ``absmem demo`` shows at the end: curves, a terminal table, and the memory's advice.

Example:
    >>> import numpy as np
    >>> from absmem.demo.report import sparkline
    >>> sparkline(np.array([0.0, 0.5, 1.0]))
    '▁▅█'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..bench.strategy.agent import ApproachDecoder
from ..bench.strategy.loop import Trace
from ..bench.strategy.metrics import rolling
from ..bench.strategy.world import Request, StrategyWorld
from ..memory import AbstractionMemory

__all__ = ["lessons", "plot_curves", "sparkline", "sparkline_table"]

_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: np.ndarray) -> str:
    """Values in [0, 1] as block characters."""
    steps = np.clip((np.asarray(values) * (len(_BLOCKS) - 1)).round(), 0, len(_BLOCKS) - 1)
    return "".join(_BLOCKS[int(s)] for s in steps)


def sparkline_table(traces: dict[str, Trace], drift_t: int, columns: int = 10) -> str:
    """One line per system: its success rate in each tenth of the stream, then the mean."""
    lines = []
    for name, trace in traces.items():
        parts = np.array_split(trace.success.astype(float), columns)
        rates = np.array([part.mean() if len(part) else 0.0 for part in parts])
        cut = int(np.searchsorted(np.cumsum([len(p) for p in parts]), drift_t, side="right"))
        line = sparkline(rates)
        line = line[:cut] + "|" + line[cut:]
        shown = " ".join(f"{r:.0%}" for r in rates)
        lines.append(f"  {name:<10} {line}  {shown}")
    return "\n".join(lines)


def plot_curves(path: Path, traces: dict[str, Trace], drift_t: int, window: int = 100) -> Path:
    """Rolling success of each system over the stream, drift marked; saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, trace in traces.items():
        ax.plot(rolling(trace.success.astype(float), window), label=name)
    ax.axvline(drift_t, color="grey", linestyle="--", label="drift")
    ax.set(xlabel="interaction", ylabel=f"success rate (rolling {window})", ylim=(0, 1),
           title="absmem demo: learning from feedback")  # fmt: skip
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def lessons(
    memory: AbstractionMemory,
    decoder: ApproachDecoder,
    world: StrategyWorld,
    held_out: Sequence[Request],
    t: int,
) -> list[dict[str, Any]]:
    """For one unseen request per domain: the approach the memory's top advice points to.

    These are read from recall (experiences with their feedback); learned abstractions
    ("lessons" proper) arrive with the abstraction layer.
    """
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for request in held_out:
        if request.domain in seen:
            continue
        seen.add(request.domain)
        items = memory.recall(request.text, k=5).items
        advised = next((item for item in items if item.advice), None)
        if advised is None or advised.advice is None:
            found.append({"domain": request.domain, "request": request.text, "advice": None})
            continue
        approach = decoder.decode(advised.advice)
        found.append({
            "domain": request.domain,
            "request": request.text,
            "advice": world.approaches[approach].name,
            "support": round(advised.support, 1),
            "utility": round(advised.utility, 2),
            "matches_hidden_preference": approach == world.best(request, t),
        })  # fmt: skip
    return found

"""The figures of the strategy world, as PNG files (matplotlib, Agg backend).

- ``strategy-curves<tag>.png``: rolling expected reward of every system over the stream, and the
  rolling normalised gain ``(R - R_none) / (R_oracle - R_none)``, with the drift marked;
- ``strategy-heldout<tag>.png``: held-out expected reward relative to the oracle at each
  checkpoint, and the interactions each system needed to get back to 90% of the oracle on the
  drifted domains.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .loop import Trace
from .metrics import recovery, rolling, rolling_gain
from .params import StrategyParams
from .summary import NONE, ORACLE, held_out_ratios
from .world import StrategyWorld

__all__ = ["plot_strategy"]


def plot_strategy(
    world: StrategyWorld,
    traces: dict[str, Trace],
    checkpoints: Sequence[dict[str, Any]],
    params: StrategyParams,
    out: Path,
) -> list[str]:
    """Write the three figures into ``out``; return their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    names = [f"strategy-curves{params.tag}.png", f"strategy-heldout{params.tag}.png",
             f"strategy-regret{params.tag}.png"]  # fmt: skip
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7.5), sharex=True)
    _curves(top, bottom, world, traces, params.window)
    fig.tight_layout()
    fig.savefig(out / names[0], dpi=110)
    plt.close(fig)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    _held_out(left, world, checkpoints)
    _recovery(right, world, traces, params.recovery_window)
    fig.tight_layout()
    fig.savefig(out / names[1], dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(9, 4.2))
    _regret(ax, world, traces)
    fig.tight_layout()
    fig.savefig(out / names[2], dpi=110)
    plt.close(fig)
    return names


def _regret(ax: Any, world: StrategyWorld, traces: dict[str, Trace]) -> None:
    oracle = traces[ORACLE].expected
    t = np.arange(1, len(oracle) + 1)
    for name, trace in traces.items():
        if name != ORACLE:
            style = "--" if name == NONE else "-"
            ax.plot(t, np.cumsum(oracle - trace.expected), style, label=name, linewidth=1.4)
    ax.axvline(world.drift_t, color="grey", linestyle=":", label="drift")
    ax.set_xlabel("interaction")
    ax.set_ylabel("cumulative regret (expected reward)")
    ax.set_title("Regret against the oracle: lower is better")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")


def _curves(top: Any, bottom: Any, world: StrategyWorld, traces: dict[str, Trace], w: int) -> None:
    none, oracle = traces[NONE].expected, traces[ORACLE].expected
    t = np.arange(1, len(none) + 1)
    for name, trace in traces.items():
        style = "--" if name in (NONE, ORACLE) else "-"
        top.plot(t, rolling(trace.expected, w), style, label=name, linewidth=1.4)
        if name not in (NONE, ORACLE):
            bottom.plot(t, rolling_gain(trace.expected, none, oracle, w), label=name, linewidth=1.4)
    for ax in (top, bottom):
        ax.axvline(world.drift_t, color="grey", linestyle=":", label="drift")
        ax.grid(alpha=0.3)
    top.set_ylabel(f"expected reward (rolling {w})")
    top.set_title("Strategy world: learning curves (CLINC150 requests)")
    top.legend(fontsize=8, ncol=3, loc="center", bbox_to_anchor=(0.5, 0.72))
    bottom.axhline(0.0, color="black", linewidth=0.6)
    bottom.axhline(1.0, color="black", linewidth=0.6, linestyle="--")
    bottom.set_ylabel("normalised gain (rolling)")
    bottom.set_xlabel("interaction")
    bottom.legend(fontsize=8, ncol=4, loc="upper left")


def _held_out(ax: Any, world: StrategyWorld, checkpoints: Sequence[dict[str, Any]]) -> None:
    ratios = held_out_ratios(checkpoints)
    t = [c["t"] for c in checkpoints]
    for name, values in ratios.items():
        style = "--" if name in (NONE, ORACLE) else "-o"
        ax.plot(t, values, style, label=name, markersize=3)
    ax.axvline(world.drift_t, color="grey", linestyle=":", label="drift")
    ax.set_xlabel("interactions seen")
    ax.set_ylabel("held-out expected reward / oracle")
    ax.set_title("Held-out test utterances (no feedback)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")


def _recovery(ax: Any, world: StrategyWorld, traces: dict[str, Trace], window: int) -> None:
    mask = np.array([r.domain in world.drifted for r in world.requests], dtype=bool)
    oracle = traces[ORACLE].expected
    limit = len(oracle) - world.drift_t
    names, values, labels = [], [], []
    for name, trace in traces.items():
        if name == NONE:
            continue
        got = recovery(trace.expected, oracle, mask, start=world.drift_t, window=window)
        names.append(name)
        values.append(limit if got is None else got)
        labels.append("not reached" if got is None else str(got))
    bars = ax.bar(names, values, color=["C0" if v != "not reached" else "0.7" for v in labels])
    for bar, label in zip(bars, labels, strict=True):
        ax.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8)  # fmt: skip
    ax.set_ylabel("interactions after the drift")
    ax.set_title(f"Back to 90% of the oracle on drifted domains (window {window})")
    ax.tick_params(axis="x", labelsize=8, rotation=15)

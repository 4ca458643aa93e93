"""The numbers of a strategy run, per system: what the report table and the JSON carry.

Example:
    >>> import numpy as np
    >>> from absmem.bench.strategy.summary import held_out_ratios
    >>> held_out_ratios([{"t": 0, "scores": {"a": 0.4, "oracle": 0.8}}])
    {'a': [0.5], 'oracle': [1.0]}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .loop import Trace
from .metrics import normalised_gain, recovery, rolling, rolling_gain
from .params import StrategyParams
from .world import StrategyWorld

__all__ = ["NONE", "ORACLE", "held_out_ratios", "summarise_run"]

NONE = "no memory"
"""Name of the no-memory baseline (the floor of the normalised gain)."""
ORACLE = "oracle"
"""Name of the oracle (the ceiling)."""


def held_out_ratios(checkpoints: Sequence[dict[str, Any]]) -> dict[str, list[float]]:
    """Each system's held-out expected reward divided by the oracle's, at each checkpoint."""
    out: dict[str, list[float]] = {}
    for mark in checkpoints:
        best = mark["scores"][ORACLE]
        for name, score in mark["scores"].items():
            out.setdefault(name, []).append(round(score / best, 4) if best > 0 else float("nan"))
    return out


def _round(value: float | None, digits: int = 4) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), digits)


def summarise_run(
    world: StrategyWorld,
    traces: dict[str, Trace],
    checkpoints: Sequence[dict[str, Any]],
    params: StrategyParams,
) -> dict[str, Any]:
    """Per-system figures, held-out checkpoints and sampled curves of one run."""
    ratios = held_out_ratios(checkpoints)
    return {
        "systems": {
            name: _system(world, traces, name, ratios.get(name, []), params) for name in traces
        },
        "checkpoints": [
            dict(c, vs_oracle={k: v[i] for k, v in ratios.items()})
            for i, c in enumerate(checkpoints)
        ],
        "curves": _curves(traces, params.window),
    }


def _system(
    world: StrategyWorld,
    traces: dict[str, Trace],
    name: str,
    held_out: list[float],
    params: StrategyParams,
) -> dict[str, Any]:
    """The figures of one system (gains against the no-memory baseline and the oracle)."""
    n, drift, trace = len(world.requests), world.drift_t, traces[name]
    e, none, oracle = trace.expected, traces[NONE].expected, traces[ORACLE].expected
    mask = np.array([r.domain in world.drifted for r in world.requests], dtype=bool)
    tail = max(1, n // 5)
    before, end = slice(max(0, drift - tail), drift), slice(n - tail, n)
    level = _level(e, oracle, mask, drift, params)
    window = params.recovery_window
    own = None if level is None else recovery(e, oracle, mask, start=drift, window=window,
                                              level=level)  # fmt: skip
    return {
        "success_rate": _round(trace.success.mean()),
        "expected_reward": _round(e.mean()),
        "normalised_gain": _round(normalised_gain(e, none, oracle)),
        "normalised_gain_before_drift": _round(
            normalised_gain(e[before], none[before], oracle[before])
        ),
        "normalised_gain_end": _round(normalised_gain(e[end], none[end], oracle[end])),
        "held_out_vs_oracle": held_out,
        "drifted_domains_vs_oracle_before_drift": _round(level),
        "recovery_interactions": recovery(e, oracle, mask, start=drift, window=window, level=0.9),
        "recovery_to_own_level": own,
        "stored_at_checkpoints": trace.stored,
        "nodes_per_interaction": _round(trace.stored[-1] / n if trace.stored and n else 0.0),
        "explored_share": _round(trace.explored.mean()),
        "regret": _round(float((oracle - e).sum()), 1),
        "regret_after_drift": _round(float((oracle[drift:] - e[drift:]).sum()), 1),
        "ms_per_interaction": _round(1000 * trace.seconds / max(n, 1), 3),
    }


def _level(
    system: np.ndarray, oracle: np.ndarray, mask: np.ndarray, drift: int, params: StrategyParams
) -> float | None:
    """Ratio to the oracle over the last recovery window of drifted-domain requests pre-drift."""
    picked = np.flatnonzero(mask[:drift])[-params.recovery_window :]
    if len(picked) == 0:
        return None
    return float(system[picked].sum() / max(oracle[picked].sum(), 1e-12))


def _curves(traces: dict[str, Trace], window: int) -> dict[str, Any]:
    """Rolling expected reward and rolling normalised gain, sampled at about 100 points."""
    n = len(next(iter(traces.values())).expected)
    step = max(1, n // 100)
    at = list(range(step - 1, n, step))
    none, oracle = traces[NONE].expected, traces[ORACLE].expected
    return {
        "window": window,
        "t": [t + 1 for t in at],
        "rolling_expected_reward": {
            name: [round(float(v), 4) for v in rolling(tr.expected, window)[at]]
            for name, tr in traces.items()
        },
        "cumulative_regret": {
            name: [round(float(v), 1) for v in np.cumsum(oracle - tr.expected)[at]]
            for name, tr in traces.items()
            if name != ORACLE
        },
        "rolling_normalised_gain": {
            name: [_round(float(v)) for v in rolling_gain(tr.expected, none, oracle, window)[at]]
            for name, tr in traces.items()
            if name not in (NONE, ORACLE)
        },
    }

"""The figures of the strategy world: rolling rewards, normalised gain, recovery after the drift.

Every figure is computed on expected rewards (the success probability of each choice), which the
world knows exactly, rather than on the noisy +1/-1 draws; the draws are reported beside them.

Example:
    >>> import numpy as np
    >>> from absmem.bench.strategy.metrics import normalised_gain, recovery, rolling
    >>> rolling(np.array([1.0, 0.0, 1.0, 1.0]), 2).tolist()
    [1.0, 0.5, 0.5, 1.0]
    >>> normalised_gain(np.array([0.75]), np.array([0.5]), np.array([1.0]))
    0.5
    >>> system = np.array([0.2, 0.2, 0.8, 0.8]); oracle = np.full(4, 0.8)
    >>> recovery(system, oracle, np.ones(4, dtype=bool), start=0, window=2, level=0.9)
    4
"""

from __future__ import annotations

import numpy as np

__all__ = ["normalised_gain", "recovery", "rolling", "rolling_gain"]


def rolling(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over ``window`` values (over fewer at the start)."""
    if len(values) == 0:
        return np.zeros(0)
    sums = np.cumsum(np.concatenate([[0.0], np.asarray(values, dtype=np.float64)]))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(ends - window, 0)
    means: np.ndarray = (sums[ends] - sums[starts]) / (ends - starts)
    return means


def normalised_gain(system: np.ndarray, none: np.ndarray, oracle: np.ndarray) -> float:
    """``(R - R_none) / (R_oracle - R_none)`` of mean rewards; NaN when the oracle gains nothing."""
    gap = float(np.mean(oracle) - np.mean(none))
    if len(system) == 0 or gap <= 1e-12:
        return float("nan")
    return float((np.mean(system) - np.mean(none)) / gap)


def rolling_gain(
    system: np.ndarray, none: np.ndarray, oracle: np.ndarray, window: int
) -> np.ndarray:
    """Normalised gain over a trailing window at each interaction (NaN where the gap is ~0)."""
    s, z, o = rolling(system, window), rolling(none, window), rolling(oracle, window)
    gap = o - z
    out = np.full(len(s), np.nan)
    ok = gap > 1e-6
    out[ok] = (s[ok] - z[ok]) / gap[ok]
    return out


def recovery(
    system: np.ndarray,
    oracle: np.ndarray,
    mask: np.ndarray,
    *,
    start: int,
    window: int,
    level: float = 0.9,
) -> int | None:
    """Interactions from ``start`` until the system is back at ``level`` of the oracle.

    Only interactions where ``mask`` holds (the drifted domains' requests) from ``start`` on are
    counted; the ratio is the system's summed expected reward over the last ``window`` of them
    divided by the oracle's. Returns the number of interactions (of any kind) from ``start`` to the
    first full window at ``level``, or ``None`` if the stream ends first.
    """
    picked = np.flatnonzero(mask[start:]) + start
    if len(picked) < window:
        return None
    s = np.convolve(system[picked], np.ones(window), mode="valid")
    o = np.convolve(oracle[picked], np.ones(window), mode="valid")
    hit = np.flatnonzero(s >= level * o)
    if len(hit) == 0:
        return None
    return int(picked[hit[0] + window - 1] - start + 1)

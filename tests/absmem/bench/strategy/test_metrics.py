"""Rolling means, normalised gain and recovery on hand-built sequences."""

from __future__ import annotations

import math

import numpy as np

from absmem.bench.strategy.metrics import normalised_gain, recovery, rolling, rolling_gain


def test_rolling_uses_shorter_windows_at_the_start() -> None:
    assert rolling(np.array([2.0, 4.0, 6.0]), 2).tolist() == [2.0, 3.0, 5.0]
    assert rolling(np.zeros(0), 5).tolist() == []


def test_normalised_gain_bounds() -> None:
    none, oracle = np.full(4, 0.3), np.full(4, 0.7)
    assert normalised_gain(none, none, oracle) == 0.0
    assert normalised_gain(oracle, none, oracle) == 1.0
    assert math.isnan(normalised_gain(none, none, none))
    gain = rolling_gain(np.array([0.3, 0.7]), np.full(2, 0.3), np.array([0.3, 0.7]), 1)
    assert math.isnan(gain[0])
    assert gain[1] == 1.0


def test_recovery_counts_only_masked_requests() -> None:
    oracle = np.full(8, 1.0)
    system = np.array([0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    mask = np.array([True, True, False, True, False, True, False, True])
    # Masked from t=2: 3, 5, 7 all at 1.0 -> window 2 full at t=5.
    assert recovery(system, oracle, mask, start=2, window=2) == 4
    assert recovery(system, oracle, mask, start=2, window=4) is None
    assert recovery(np.zeros(8), oracle, mask, start=0, window=2) is None

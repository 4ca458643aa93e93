"""AUC with ties, ROC curve end points, correlation and the ROC figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from absmem.bench.roc import auc, correlation, plot_roc, roc_curve


def test_auc_matches_pair_counting() -> None:
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, 40).astype(float)  # many ties
    labels = rng.random(40) < 0.4
    pos, neg = scores[labels], scores[~labels]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert auc(scores, labels) == pytest.approx(pairs / (len(pos) * len(neg)))
    fpr, tpr = roc_curve(scores, labels)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert np.trapezoid(tpr, fpr) == pytest.approx(auc(scores, labels))


def test_degenerate_inputs() -> None:
    assert auc(np.array([1.0, 2.0]), np.array([True, True])) is None
    assert auc(np.array([]), np.array([], dtype=bool)) is None
    assert correlation(np.ones(3), np.arange(3.0)) is None
    assert correlation(np.array([1.0]), np.array([2.0])) is None


def test_plot_writes_a_png(tmp_path: Path) -> None:
    labels = np.array([False, True, False, True])
    curves = {
        "A": {"x": (np.arange(4.0), labels), "y": (np.zeros(4), labels)},
        "B": {"x": (np.arange(2.0), labels[:2])},
    }
    path = plot_roc(tmp_path / "figs" / "roc.png", curves, "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""ROC curves and their area for binary labels, with ties handled; a plot of several systems.

Example:
    >>> import numpy as np
    >>> from absmem.bench.roc import auc, roc_curve
    >>> scores, labels = np.array([0.1, 0.4, 0.35, 0.8]), np.array([False, False, True, True])
    >>> auc(scores, labels)
    0.75
    >>> auc(np.zeros(4), labels)
    0.5
    >>> roc_curve(scores, labels)[1].tolist()
    [0.0, 0.5, 0.5, 1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = ["auc", "correlation", "plot_roc", "roc_curve"]

Curves = Mapping[str, Mapping[str, tuple[np.ndarray, np.ndarray]]]


def auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """Chance that a positive scores above a negative (ties count half); ``None`` without both."""
    labels = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    values = np.asarray(scores, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):  # average ranks over ties
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    u = ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def roc_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positive rates at every distinct threshold, from (0, 0) to (1, 1)."""
    labels = np.asarray(labels, dtype=bool)
    values = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-values, kind="stable")
    values, hits = values[order], labels[order]
    last_of_tie = np.r_[np.nonzero(np.diff(values))[0], len(values) - 1] if len(values) else []
    tp = np.r_[0, np.cumsum(hits)[last_of_tie]].astype(np.float64)
    fp = np.r_[0, np.cumsum(~hits)[last_of_tie]].astype(np.float64)
    return fp / max(fp[-1], 1.0), tp / max(tp[-1], 1.0)


def correlation(scores: np.ndarray, targets: np.ndarray) -> float | None:
    """Pearson correlation; ``None`` when either side is constant or there are < 2 points.

    Example:
        >>> import numpy as np
        >>> from absmem.bench.roc import correlation
        >>> correlation(np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 7.0])) > 0.9
        True
    """
    x, y = np.asarray(scores, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def plot_roc(path: Path, curves: Curves, title: str) -> Path:
    """One panel per group (``curves[group][system] = (scores, labels)``), written as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(4.2 * len(curves), 4.4), squeeze=False)
    for ax, (group, systems) in zip(axes[0], curves.items(), strict=True):
        ax.plot([0, 1], [0, 1], color="0.8", linewidth=1, linestyle="--")
        for name, (scores, labels) in systems.items():
            area = auc(scores, labels)
            fpr, tpr = roc_curve(scores, labels)
            label = f"{name} (AUC {area:.3f})" if area is not None else f"{name} (AUC n/a)"
            ax.plot(fpr, tpr, linewidth=1.6, label=label)
        n_pos = int(sum(int(np.sum(labels)) for _, labels in list(systems.values())[:1]))
        n_all = int(sum(len(labels) for _, labels in list(systems.values())[:1]))
        ax.set_title(f"{group}: {n_pos} satisfied, {n_all - n_pos} dissatisfied", fontsize=10)
        ax.set_xlabel("false positive rate (dissatisfied scored as satisfied)")
        ax.set_ylabel("true positive rate")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

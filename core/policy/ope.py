"""Off-policy evaluation: estimate a target recall policy's expected reward from logged recalls.

Each logged recall holds its candidates' features, the candidate served first (the action), the
logging policy's probability ``mu`` of serving it first (the propensity) and the reward in [0, 1].
With importance weights ``w = min(pi(a | x) / mu, clip)``:

* **IPS** averages ``w r``: unbiased (without clipping), but high variance.
* **SNIPS** divides ``sum w r`` by ``sum w``: slightly biased, usually lower variance.
* **DR** (doubly robust) averages ``sum_a pi(a | x) q(x, a) + w (r - q(x, a))`` with ``q`` a
  ridge reward model cross-fitted on two folds: unbiased when the propensities are right, low
  variance when ``q`` is good. The gate uses DR (:meth:`PolicyEvaluation.best`).

Confidence intervals are seeded percentile bootstraps over records.

Example:
    >>> import numpy as np
    >>> from absmem.policy.ope import LoggedChoice, evaluate
    >>> rng = np.random.default_rng(0)
    >>> logs = []
    >>> for _ in range(300):  # uniform logging over 3 candidates; serving the first one pays
    ...     action = int(rng.integers(3))
    ...     logs.append(LoggedChoice(rng.normal(size=(3, 2)), action, 1 / 3, float(action == 0)))
    >>> uniform = evaluate(logs, lambda x: np.full(len(x), 1 / len(x)), bootstrap=100)
    >>> uniform.n, uniform.effective_sample_size  # the logging policy itself: every weight is 1
    (300, 300.0)
    >>> uniform.estimates["ips"].value == uniform.logged.value
    True
    >>> first = evaluate(logs, lambda x: np.eye(len(x))[0], bootstrap=100)  # always the first
    >>> first.estimates["snips"].value, first.effective_sample_size, first.best().name
    (1.0, 101.0, 'dr')
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import InvalidArgumentError

__all__ = [
    "Estimate",
    "LoggedChoice",
    "PolicyEvaluation",
    "TargetPolicy",
    "evaluate",
    "fit_reward_model",
]

logger = logging.getLogger(__name__)


class TargetPolicy(Protocol):
    """A policy to evaluate: any callable from features ``(n, d)`` to P(served first) ``(n,)``."""

    def __call__(self, features: np.ndarray, /) -> np.ndarray:
        """The probability that each of the ``n`` candidates is served first (sums to 1)."""
        ...


_TOL = 1e-6


@dataclass(frozen=True)
class LoggedChoice:
    """One logged recall; validated on construction (``features`` is stored as read-only float)."""

    features: np.ndarray
    action: int
    propensity: float
    reward: float

    def __post_init__(self) -> None:
        features = np.array(self.features, dtype=np.float64)
        if features.ndim != 2 or features.shape[0] == 0 or not np.isfinite(features).all():
            raise InvalidArgumentError("features", "a finite (n >= 1, d) array", features)
        features.flags.writeable = False
        object.__setattr__(self, "features", features)
        action = self.action
        if isinstance(action, bool) or not isinstance(action, int | np.integer):
            raise InvalidArgumentError("action", "an integer index", action)
        if not 0 <= action < features.shape[0]:
            raise InvalidArgumentError("action", f"an index in [0, {features.shape[0]})", action)
        object.__setattr__(self, "action", int(action))
        propensity, reward = _number("propensity", self.propensity), _number("reward", self.reward)
        if not 0.0 < propensity <= 1.0:  # comparisons also reject nan
            raise InvalidArgumentError("propensity", "a number in (0, 1]", propensity)
        if not 0.0 <= reward <= 1.0:
            raise InvalidArgumentError("reward", "a finite number in [0, 1]", reward)
        object.__setattr__(self, "propensity", propensity)
        object.__setattr__(self, "reward", reward)


@dataclass(frozen=True)
class Estimate:
    """A point estimate of expected reward (``name``: ips, snips, dr or logged) and its CI."""

    name: str
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class PolicyEvaluation:
    """The estimates of one target policy's value from ``n`` logged recalls.

    ``effective_sample_size`` is ``(sum w)^2 / sum w^2`` of the clipped importance weights: ``n``
    when the target is the logging policy, near 0 when the logs say little about the target.
    """

    estimates: dict[str, Estimate]
    logged: Estimate
    n: int
    effective_sample_size: float
    confidence: float

    def best(self) -> Estimate:
        """The doubly robust estimate, the one the promotion gate uses."""
        return self.estimates["dr"]


def fit_reward_model(choices: Sequence[LoggedChoice], ridge: float = 1.0) -> np.ndarray:
    """Ridge weights ``(d,)`` of reward on the served candidate's features (no intercept).

    Example:
        >>> import numpy as np
        >>> rows = [LoggedChoice(np.array([[1.0, x]]), 0, 1.0, 0.2 + 0.3 * x) for x in (0, 1, 2)]
        >>> np.round(fit_reward_model(rows, ridge=0.0), 6).tolist()
        [0.2, 0.3]
    """
    _check_choices(choices, ridge)
    served = np.stack([c.features[c.action] for c in choices])
    rewards = np.array([c.reward for c in choices], dtype=np.float64)
    d = served.shape[1]
    # Least squares on [X; sqrt(ridge) I] w = [y; 0] is ridge regression and copes with ridge 0.
    design = np.vstack([served, math.sqrt(ridge) * np.eye(d)])
    target = np.concatenate([rewards, np.zeros(d)])
    weights: np.ndarray = np.linalg.lstsq(design, target, rcond=None)[0]
    return weights


def evaluate(
    choices: Sequence[LoggedChoice],
    target: TargetPolicy,
    *,
    confidence: float = 0.95,
    bootstrap: int = 500,
    seed: int = 0,
    ridge: float = 1.0,
    clip: float = 100.0,
) -> PolicyEvaluation:
    """Estimate ``target``'s expected reward from ``choices`` with IPS, SNIPS and DR.

    The reward model is cross-fitted once (two folds split by a permutation seeded by ``seed``;
    fitted on all records when there are fewer than 4) and not refitted inside the bootstrap.
    When every importance weight is 0 the logs carry no evidence about ``target``: SNIPS is then
    defined as 0 (like IPS), the same rule applies inside bootstrap resamples, and
    ``effective_sample_size`` is 0. ``clip`` may be ``inf`` to turn clipping off.
    """
    _check_choices(choices, ridge)
    if not 0.0 < confidence < 1.0:
        raise InvalidArgumentError("confidence", "a number in (0, 1)", confidence)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int | np.integer) or bootstrap < 1:
        raise InvalidArgumentError("bootstrap", "an integer >= 1", bootstrap)
    if not clip > 0:
        raise InvalidArgumentError("clip", "a number > 0", clip)
    n = len(choices)
    rng = np.random.default_rng(seed)
    probs = [_target_probs(target, c.features) for c in choices]
    rewards = np.array([c.reward for c in choices], dtype=np.float64)
    mu = np.array([c.propensity for c in choices], dtype=np.float64)
    pi = np.array([p[c.action] for p, c in zip(probs, choices, strict=True)])
    w = np.minimum(pi / mu, clip)

    model = np.empty((n, choices[0].features.shape[1]))
    order = rng.permutation(n)
    if n < 4:
        model[:] = fit_reward_model(choices, ridge)
    else:
        folds = (order[: n // 2], order[n // 2 :])
        for here, other in (folds, folds[::-1]):
            model[here] = fit_reward_model([choices[i] for i in other], ridge)
    dr_terms = np.empty(n)
    for i, c in enumerate(choices):
        q = np.clip(c.features @ model[i], 0.0, 1.0)
        dr_terms[i] = float(probs[i] @ q) + w[i] * (c.reward - q[c.action])

    columns = np.column_stack([w * rewards, w, dr_terms, rewards])
    point = _statistics(columns.sum(axis=0), n)
    draws = np.array(
        [_statistics(columns[rng.integers(0, n, n)].sum(axis=0), n) for _ in range(bootstrap)]
    )
    tail = (1.0 - confidence) / 2.0
    lows, highs = np.quantile(draws, [tail, 1.0 - tail], axis=0)
    found = {
        name: Estimate(name, float(point[j]), float(lows[j]), float(highs[j]))
        for j, name in enumerate(("ips", "snips", "dr", "logged"))
    }
    total, squares = float(w.sum()), float((w**2).sum())
    if total == 0.0:
        logger.warning("every importance weight is 0: the logs say nothing about this policy")
    return PolicyEvaluation(
        estimates={name: found[name] for name in ("ips", "snips", "dr")},
        logged=found["logged"],
        n=n,
        effective_sample_size=total**2 / squares if squares > 0 else 0.0,
        confidence=confidence,
    )


def _statistics(sums: np.ndarray, n: int) -> np.ndarray:
    """IPS, SNIPS (0 when every weight is 0), DR and logged mean from sums of (wr, w, DR, r)."""
    snips = sums[0] / sums[1] if sums[1] > 0 else 0.0
    return np.array([sums[0] / n, snips, sums[2] / n, sums[3] / n])


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InvalidArgumentError(name, "a real number", value)
    return float(value)


def _check_choices(choices: Sequence[LoggedChoice], ridge: float) -> None:
    if len(choices) == 0:
        raise InvalidArgumentError("choices", "at least one logged choice", choices)
    dims = {c.features.shape[1] for c in choices}
    if len(dims) != 1:
        raise InvalidArgumentError("choices", "features with one width d", sorted(dims))
    if not (math.isfinite(ridge) and ridge >= 0):
        raise InvalidArgumentError("ridge", "a finite number >= 0", ridge)


def _target_probs(target: TargetPolicy, features: np.ndarray) -> np.ndarray:
    try:
        probs = np.asarray(target(features), dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidArgumentError("target", "a policy returning an array of floats") from err
    n = features.shape[0]
    if probs.shape != (n,) or not np.isfinite(probs).all():
        raise InvalidArgumentError("target", f"finite probabilities of shape ({n},)", probs)
    if probs.min() < -_TOL or abs(probs.sum() - 1.0) > _TOL:
        raise InvalidArgumentError("target", "non-negative probabilities summing to 1", probs)
    return np.clip(probs, 0.0, None)

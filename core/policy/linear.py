"""The learned recall policy: a discounted Bayesian linear posterior served by Thompson sampling.

Reward model: a recall's reward mapped to ``r`` in [0, 1] is ``x @ theta + noise`` for the
features ``x`` of each served item (:mod:`absmem.policy.features`), with a Gaussian prior
``theta ~ N(theta0, diag(1 / lambda))`` whose mean is the hand-set blend. Each feedback adds its
served items as observations weighted by their credit ``w`` (position, and whether the answer
followed the item's advice), after discounting all older evidence by ``gamma``::

    G <- gamma G + sum_j w_j x_j x_j^T / s2        h <- gamma h + sum_j w_j r_j x_j / s2
    P = diag(lambda) + G                            mu = P^-1 (lambda * theta0 + h)

Serving draws ``theta ~ N(mu, v^2 P^-1)`` (``v`` = ``exploration``) and ranks by ``x @ theta``;
as evidence grows ``P^-1`` shrinks and so does exploration. The propensity of each served item
is the share of ``draws`` independent posterior draws that put it at that rank (the served
ranking is the first of them), and each candidate's probability of being served first is logged
for off-policy evaluation. With ``exploration`` 0 the ranking is by ``mu``, deterministic.

Example:
    >>> from absmem.policy import Candidate, LinearThompsonRanker, PolicyConfig
    >>> from absmem.types import Outcome
    >>> ranker = LinearThompsonRanker(PolicyConfig(exploration=0.0))
    >>> good = Candidate(key="a", similarity=0.80, outcome=Outcome(alpha=5, beta=1, n=4))
    >>> bad = Candidate(key="b", similarity=0.82, outcome=Outcome(alpha=1, beta=5, n=4))
    >>> [(r.key, r.propensity) for r in ranker.rank([bad, good], k=2)]
    [('a', 1.0), ('b', 1.0)]
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load, save

from ..blobs import check_digest, with_digest
from ..errors import InvalidArgumentError, StoreCorruptError
from .base import Candidate, Ranked
from .features import FEATURES, PRIOR_MEAN, featurize

__all__ = ["LinearThompsonRanker", "PolicyConfig", "Posterior"]


@dataclass(frozen=True)
class PolicyConfig:
    """Settings of :class:`LinearThompsonRanker`.

    Attributes:
        exploration: scale ``v`` of the posterior draws; 0 serves the posterior mean (greedy,
            deterministic). Exploration decays with evidence whatever ``v`` is.
        discount: ``gamma``, the weight old evidence keeps at each new feedback (1: never
            forgets; 0.995 halves evidence every ~140 feedbacks, so a change of what works shows).
        prior_precision: ``lambda`` of every weight but the bias (its prior is 100x weaker).
        noise: reward variance ``s2`` (0.25 is a fair coin's, the largest in [0, 1]).
        draws: posterior draws that estimate the propensities.
        not_followed: credit share of an item whose advice the answer is known not to follow.
        history: most recent rated recalls read for the refit and off-policy evaluation.
        shared_prior: start new namespaces from the evidence-weighted mean of the others'
            weights (weights only: no data crosses namespaces).
        seed: seed of the ranker's random generator.

    Example:
        >>> PolicyConfig().exploration, PolicyConfig(exploration=0.0).exploration
        (1.0, 0.0)
    """

    exploration: float = 1.0
    discount: float = 0.995
    prior_precision: float = 25.0
    noise: float = 0.25
    draws: int = 256
    not_followed: float = 0.1
    history: int = 20000
    shared_prior: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("exploration", "prior_precision", "noise", "not_followed"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise InvalidArgumentError(name, "a finite number >= 0", value)
        if self.prior_precision <= 0 or self.noise <= 0:
            raise InvalidArgumentError("prior_precision/noise", "numbers > 0",
                                       (self.prior_precision, self.noise))  # fmt: skip
        if not 0.0 < self.discount <= 1.0:
            raise InvalidArgumentError("discount", "a number in (0, 1]", self.discount)
        if self.not_followed > 1.0:
            raise InvalidArgumentError("not_followed", "a number in [0, 1]", self.not_followed)
        for name in ("draws", "history"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidArgumentError(name, "a positive integer", value)


class Posterior:
    """The discounted Bayesian linear posterior of one namespace's policy weights.

    Args:
        prior_mean: ``theta0`` (defaults to the blend, :data:`~absmem.policy.features.PRIOR_MEAN`).
        config: discount, prior precision and noise.
    """

    def __init__(self, config: PolicyConfig, prior_mean: np.ndarray | None = None) -> None:
        d = len(FEATURES)
        self.config = config
        self.prior_mean = np.array(PRIOR_MEAN if prior_mean is None else prior_mean, dtype=float)
        if self.prior_mean.shape != (d,) or not np.isfinite(self.prior_mean).all():
            raise InvalidArgumentError("prior_mean", f"{d} finite weights", prior_mean)
        self.prior_precision = np.full(d, config.prior_precision)
        self.prior_precision[FEATURES.index("bias")] = config.prior_precision / 100.0
        self.gram = np.zeros((d, d))
        self.moment = np.zeros(d)
        self.evidence = 0.0
        self.updates = 0
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def update(self, x: np.ndarray, rewards: np.ndarray, weights: np.ndarray) -> None:
        """Discount old evidence once, then add rows ``x`` with rewards in [0, 1] and weights."""
        x = np.asarray(x, dtype=float).reshape(-1, len(FEATURES))
        r = np.asarray(rewards, dtype=float)
        w = np.asarray(weights, dtype=float)
        gamma, s2 = self.config.discount, self.config.noise
        self.gram = gamma * self.gram + (x * (w / s2)[:, None]).T @ x
        self.moment = gamma * self.moment + x.T @ (w * r / s2)
        self.evidence = gamma * self.evidence + float(w.sum())
        self.updates += 1
        self._cache = None

    def _solve(self) -> tuple[np.ndarray, np.ndarray]:
        if self._cache is None:
            precision = np.diag(self.prior_precision) + self.gram
            cov = np.linalg.inv(precision)
            mean = cov @ (self.prior_precision * self.prior_mean + self.moment)
            self._cache = (mean, (cov + cov.T) / 2.0)
        return self._cache

    @property
    def mean(self) -> np.ndarray:
        """The posterior mean ``mu`` of the weights."""
        return self._solve()[0]

    @property
    def covariance(self) -> np.ndarray:
        """The posterior covariance ``P^-1``."""
        return self._solve()[1]

    def sample(self, rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
        """``n`` weight draws from ``N(mu, scale^2 P^-1)``, one per column."""
        mean, cov = self._solve()
        chol = np.linalg.cholesky(cov + 1e-12 * np.eye(len(mean)))
        z = rng.standard_normal((len(mean), n))
        return np.asarray(mean[:, None] + scale * (chol @ z))

    def to_bytes(self) -> tuple[bytes, dict[str, str]]:
        """Safetensors bytes with their digest, and metadata (never pickle)."""
        arrays = {"prior_mean": self.prior_mean, "prior_precision": self.prior_precision,
                  "gram": self.gram, "moment": self.moment}  # fmt: skip
        contiguous = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
        meta = with_digest(contiguous, {
            "features": ",".join(FEATURES), "evidence": repr(self.evidence),
            "updates": str(self.updates), "config": json.dumps(asdict(self.config)),
        })  # fmt: skip
        return save(contiguous, metadata=meta), meta

    @classmethod
    def from_bytes(
        cls, data: bytes, config: PolicyConfig, metadata: dict[str, Any] | None = None
    ) -> Posterior:
        """Restore a posterior saved by :meth:`to_bytes` (with its ``metadata``); refuse a
        tampered one, or one over other features."""
        meta = metadata or {}
        if not isinstance(meta, dict):
            raise StoreCorruptError(f"policy state: expected a metadata object, got {meta!r:.40}")
        if meta.get("features", ",".join(FEATURES)) != ",".join(FEATURES):
            raise StoreCorruptError(
                f"policy state: saved over features {meta['features']!r}, this absmem uses "
                f"{','.join(FEATURES)!r}"
            )
        try:
            arrays = load(data)
        except (SafetensorError, ValueError) as err:
            raise StoreCorruptError(f"policy state: unreadable safetensors ({err})") from err
        check_digest("policy state", data, arrays)
        d = len(FEATURES)
        shapes = {"prior_mean": (d,), "prior_precision": (d,), "gram": (d, d), "moment": (d,)}
        for name, shape in shapes.items():
            if name not in arrays or arrays[name].shape != shape:
                raise StoreCorruptError(f"policy state: {name} missing or not of shape {shape}")
            if not np.isfinite(arrays[name]).all():
                raise StoreCorruptError(f"policy state: {name} holds non-finite values")
        out = cls(config, arrays["prior_mean"])
        out.prior_precision = arrays["prior_precision"].astype(float)
        out.gram, out.moment = arrays["gram"].astype(float), arrays["moment"].astype(float)
        try:
            out.evidence = float(meta.get("evidence", 0.0))
            out.updates = int(meta.get("updates", 0))
        except (TypeError, ValueError) as err:
            raise StoreCorruptError(f"policy state: unreadable metadata ({err})") from err
        return out


class LinearThompsonRanker:
    """Ranks candidates by Thompson draws of a learned linear reward model (module docstring).

    One ranker serves every namespace; each namespace's :class:`Posterior` is kept by the memory
    and passed to :meth:`rank_with`. :meth:`rank` serves from a fresh prior (the blend).

    Args:
        config: exploration, discount, prior and credit settings.
    """

    name = "linear-thompson"

    def __init__(self, config: PolicyConfig | None = None) -> None:
        self.config = config or PolicyConfig()
        self.rng_ = np.random.default_rng(self.config.seed)

    def new_posterior(self, prior_mean: np.ndarray | None = None) -> Posterior:
        """A posterior holding only the prior."""
        return Posterior(self.config, prior_mean)

    def rank(self, candidates: Sequence[Candidate], k: int) -> list[Ranked]:
        """Rank with the prior alone (the :class:`~absmem.policy.Ranker` protocol)."""
        return self.rank_with(self.new_posterior(), featurize(candidates),
                              [c.key for c in candidates], k)[0]  # fmt: skip

    def rank_with(
        self, posterior: Posterior, x: np.ndarray, keys: Sequence[str], k: int
    ) -> tuple[list[Ranked], np.ndarray]:
        """Serve at most ``k`` of ``keys`` (feature rows ``x``) and each one's P(first)."""
        n = len(keys)
        if k <= 0 or n == 0:
            return [], np.full(n, 1.0 / n) if n else np.zeros(0)
        k = min(k, n)
        if self.config.exploration == 0.0:
            scores = x @ posterior.mean
            order = np.argsort(-scores, kind="stable")[:k]
            top = np.zeros(n)
            top[order[0]] = 1.0
            served = [Ranked(keys[i], float(scores[i]), r, 1.0) for r, i in enumerate(order)]
            return served, top
        thetas = posterior.sample(self.rng_, self.config.draws, self.config.exploration)
        scores = x @ thetas  # (n, draws)
        orders = np.argsort(-scores, axis=0, kind="stable")[:k]  # (k, draws)
        mean_scores = x @ posterior.mean
        served = [
            Ranked(keys[i], float(mean_scores[i]), r, float(np.mean(orders[r] == i)))
            for r, i in enumerate(orders[:, 0])
        ]
        top = np.bincount(orders[0], minlength=n) / orders.shape[1]
        return served, top

    def first_probabilities(self, posterior: Posterior, x: np.ndarray) -> np.ndarray:
        """Each row's probability of being served first (estimated from ``draws`` draws)."""
        return self.rank_with(posterior, x, [str(i) for i in range(len(x))], 1)[1]

    def __repr__(self) -> str:
        return f"LinearThompsonRanker({self.config!r})"

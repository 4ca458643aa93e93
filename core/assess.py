"""Expected reward of a candidate response, from the feedback on similar stored experiences.

:class:`Assessor` holds the scoring of ``AbstractionMemory.assess``: the engine finds the ``k``
stored experiences nearest by context, measures how close each one's context *and* response are
to the situation and the candidate response, and hands the similarities and the experiences'
outcomes here. Each neighbour's weight is a product of two kernels,

.. math::

    w_i = \\exp\\big((s^{ctx}_i - 1) / \\tau\\big) \\cdot \\exp\\big((s^{resp}_i - 1) / \\tau\\big),

1 for an identical context and response, falling off with either distance. The neighbours'
feedback is pooled into a Beta posterior whose prior is the namespace's mean outcome with the
weight of ``prior_strength`` ratings,

.. math::

    \\alpha = s_0 p_0 + \\sum_i w_i (\\alpha_i - 1), \\qquad
    \\beta = s_0 (1 - p_0) + \\sum_i w_i (\\beta_i - 1),

so that with no evidence the estimate is the prior ``p_0`` itself, and weak evidence (few or
distant neighbours, little feedback) stays near it. The expected reward is
``2 * alpha / (alpha + beta) - 1`` in [-1, 1]; the evidence is ``n_eff = sum_i w_i n_i``
(kernel-weighted feedback) and the confidence ``n_eff / (n_eff + s_0)``.

Example:
    >>> import numpy as np
    >>> from absmem.assess import Assessor
    >>> from absmem.types import Outcome
    >>> good, bad = Outcome().updated(1.0), Outcome().updated(-1.0)
    >>> scorer = Assessor(temperature=0.2)
    >>> context_sim = np.array([0.9, 0.9])
    >>> near_good = scorer.score(context_sim, np.array([0.95, 0.3]), [good, bad], Outcome())
    >>> near_bad = scorer.score(context_sim, np.array([0.3, 0.95]), [good, bad], Outcome())
    >>> near_good.expected_reward > 0 > near_bad.expected_reward
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import InvalidArgumentError
from .types import Outcome

__all__ = ["Assessor", "Score"]


@dataclass(frozen=True)
class Score:
    """What :meth:`Assessor.score` returns: the estimate and each neighbour's kernel weight."""

    expected_reward: float
    confidence: float
    evidence: float
    weights: np.ndarray


class Assessor:
    """Kernel-weighted Beta posterior of the reward a response would get (see the module).

    Args:
        temperature: kernel width ``tau`` on cosine similarity; smaller trusts only close matches.
        prior_strength: weight ``s_0``, in ratings, of the namespace's mean outcome.
    """

    def __init__(self, temperature: float = 0.3, prior_strength: float = 2.0) -> None:
        for name, value in (("temperature", temperature), ("prior_strength", prior_strength)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidArgumentError(name, "a finite number > 0", value)
            if not math.isfinite(value) or value <= 0:
                raise InvalidArgumentError(name, "a finite number > 0", value)
        self.temperature = float(temperature)
        self.prior_strength = float(prior_strength)

    def weights(self, context_sim: np.ndarray, response_sim: np.ndarray) -> np.ndarray:
        """Kernel weight of each neighbour, in (0, 1]."""
        closeness = np.minimum(context_sim, 1.0) + np.minimum(response_sim, 1.0) - 2.0
        return np.exp(np.asarray(closeness, dtype=np.float64) / self.temperature)

    def score(
        self,
        context_sim: np.ndarray,
        response_sim: np.ndarray,
        outcomes: Sequence[Outcome],
        prior: Outcome,
    ) -> Score:
        """Pool the neighbours' ``outcomes`` by kernel weight, shrunk toward ``prior``'s mean.

        Args:
            context_sim: cosine similarity of each neighbour's context to the situation.
            response_sim: cosine similarity of each neighbour's response to the candidate.
            outcomes: each neighbour's own outcome (feedback on its response).
            prior: the namespace's pooled outcome; only its mean is used.
        """
        weights = self.weights(context_sim, response_sim)
        alpha = np.fromiter((o.alpha - 1.0 for o in outcomes), np.float64, len(outcomes))
        beta = np.fromiter((o.beta - 1.0 for o in outcomes), np.float64, len(outcomes))
        n = np.fromiter((o.n for o in outcomes), np.float64, len(outcomes))
        s0 = self.prior_strength
        a = s0 * prior.mean + float(weights @ alpha)
        b = s0 * (1.0 - prior.mean) + float(weights @ beta)
        evidence = float(weights @ n)
        return Score(
            expected_reward=2.0 * a / (a + b) - 1.0,
            confidence=evidence / (evidence + s0),
            evidence=evidence,
            weights=weights,
        )

    def __repr__(self) -> str:
        return f"Assessor(temperature={self.temperature}, prior_strength={self.prior_strength})"

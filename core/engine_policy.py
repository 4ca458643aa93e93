"""The recall policy's side of :class:`~absmem.engine.Engine`: serve, learn, refit, evaluate.

Kept apart from ``engine.py``: serving a ranking with its propensities and logging the features
of every candidate; turning a feedback into credit for what was served (by position, and by
whether the answer followed an item's advice when the approach it took is known) and into an
online update of the namespace's posterior; refitting the posterior from the recall log at
consolidation and swapping it in only when off-policy evaluation does not rate it worse; and
persisting each namespace's posterior (safetensors, in the store's blobs).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .errors import InvalidArgumentError, StoreCorruptError
from .lesson_state import LessonState
from .policy.base import Candidate, Ranked, Ranker, position_weight
from .policy.features import FEATURES, featurize
from .policy.linear import LinearThompsonRanker, PolicyConfig, Posterior
from .policy.ope import LoggedChoice, PolicyEvaluation, evaluate
from .store.base import GraphStore, LoggedRecall, PolicyLogRow, RecallItemRow

__all__ = ["GLOBAL_PRIOR", "POLICY_BLOB", "PolicyMixin"]

logger = logging.getLogger(__name__)

POLICY_BLOB = "policy"
"""Blob name of a namespace's posterior."""
GLOBAL_PRIOR = ""
"""Blob namespace of the shared prior (no user namespace is empty)."""
OPE_WINDOW = 2000
"""Most recent rated recalls that off-policy evaluation reads."""


class PolicyMixin:
    """Mixin of :class:`~absmem.engine.Engine` (see the module docstring)."""

    store: GraphStore
    ranker: Ranker
    _policies: dict[str, Posterior]

    def _lesson_state(self, namespace: str) -> LessonState:
        raise NotImplementedError

    @property
    def _learned(self) -> LinearThompsonRanker | None:
        """The ranker when it learns (its config and posteriors apply), else ``None``."""
        return self.ranker if isinstance(self.ranker, LinearThompsonRanker) else None

    # -- serving ------------------------------------------------------------------------------

    def _posterior(self, namespace: str) -> Posterior | None:
        """The namespace's posterior (loaded, or the prior), or ``None`` for a fixed ranker."""
        ranker = self._learned
        if ranker is None:
            return None
        posterior = self._policies.get(namespace)
        if posterior is None:
            try:
                blob = self.store.get_blob(namespace, POLICY_BLOB)
                if blob is not None:
                    posterior = Posterior.from_bytes(blob[0], ranker.config, blob[1])
            except StoreCorruptError as err:  # serve, and let the next update rewrite it
                logger.warning("%s; serving namespace %r from the prior until its next "
                               "feedback rewrites it", err, namespace)  # fmt: skip
            if posterior is None:
                posterior = ranker.new_posterior(self._shared_prior())
            self._policies[namespace] = posterior
        return posterior

    def _shared_prior(self) -> np.ndarray | None:
        """The evidence-weighted mean weights of all namespaces, when sharing is on."""
        ranker = self._learned
        if ranker is None or not ranker.config.shared_prior:
            return None
        rows = list(_prior_table(self.store).values())
        if not rows:
            return None
        weights = np.array([v[:-1] for v in rows], dtype=float)
        evidence = np.array([v[-1] for v in rows], dtype=float)
        if evidence.sum() <= 0:
            return None
        return np.asarray((weights * evidence[:, None]).sum(0) / evidence.sum())

    def _save_posterior(self, namespace: str, posterior: Posterior) -> None:
        data, meta = posterior.to_bytes()
        self.store.put_blob(namespace, POLICY_BLOB, data, meta)

    def _serve(
        self, namespace: str, candidates: Sequence[Candidate], k: int
    ) -> tuple[list[Ranked], np.ndarray, np.ndarray]:
        """The served ranking, the candidates' feature rows and each one's P(first)."""
        x = featurize(candidates)
        posterior, ranker = self._posterior(namespace), self._learned
        if posterior is not None and ranker is not None:
            served, top = ranker.rank_with(posterior, x, [c.key for c in candidates], k)
            return served, x, top
        served = self.ranker.rank(candidates, k)
        first = getattr(self.ranker, "first_probabilities", None)
        if callable(first):
            top = np.asarray(first(candidates), dtype=float)
        else:  # an unknown ranker: its first choice, as if deterministic
            first_key = served[0].key if served else None
            top = np.array([float(c.key == first_key) for c in candidates])
        return served, x, top

    # -- learning from feedback ---------------------------------------------------------------

    def _credit(
        self, namespace: str, served: Sequence[RecallItemRow], informed: Sequence[str],
        log: PolicyLogRow | None,
    ) -> dict[str, float]:  # fmt: skip
        """Credit weight of each served item: its position's, times ``not_followed`` when the
        answer is known to have taken another approach than the item advised."""
        config = self._learned.config if self._learned is not None else None
        weights = {i.item_id: position_weight(i.rank) for i in served
                   if i.item_kind in ("experience", "lesson")}  # fmt: skip
        if config is None or not weights or not informed:
            return weights
        state = self._lesson_state(namespace)
        answers = set(self._approaches(namespace, state, informed).values()) - {None}
        if not answers:
            return weights
        advised = self._approaches(
            namespace, state, [i.item_id for i in served if i.item_kind == "experience"]
        )
        if log is not None:
            advised.update((c, a) for c, kind, a in zip(log.candidates, log.kinds, log.advice,
                           strict=True) if kind == "lesson" and a >= 0)  # fmt: skip
        for item in weights:
            approach = advised.get(item)
            if approach is not None and approach not in answers:
                weights[item] *= config.not_followed
        return weights

    def _approaches(
        self, namespace: str, state: LessonState, ids: Sequence[str]
    ) -> dict[str, int | None]:
        """The known global approach each experience's response took."""
        found = [e for i in ids if (e := self.store.get_experience(namespace, i)) is not None]
        if not found or state.centroids is None:
            return {}
        seqs = [e.seq for e in found]
        contexts = self.store.get_vectors(namespace, seqs)
        responses = self.store.get_response_vectors(namespace, seqs)
        return {e.id: state.approach_of(contexts[j], responses[j]) for j, e in enumerate(found)}

    def _learn(
        self, namespace: str, log: PolicyLogRow | None, weights: dict[str, float], reward: float,
        *, save: bool = True,
    ) -> bool:  # fmt: skip
        """Update the namespace's posterior with one feedback on a logged recall (``save``:
        and store it); whether it changed."""
        posterior = self._posterior(namespace)
        if posterior is None or log is None or not weights:
            return False
        index = {c: i for i, c in enumerate(log.candidates)}
        rows = [(index[item], w) for item, w in weights.items() if item in index]
        if not rows:
            return False
        x = log.features[[i for i, _ in rows]].astype(float)
        w = np.array([w for _, w in rows])
        posterior.update(x, np.full(len(rows), (reward + 1.0) / 2.0), w)
        if save:
            self._save_posterior(namespace, posterior)
        return True

    def _save_policy(self, namespace: str) -> None:
        """Store the namespace's posterior as it is now (after unsaved updates)."""
        posterior = self._policies.get(namespace)
        if posterior is not None:
            self._save_posterior(namespace, posterior)

    # -- refit and evaluation -----------------------------------------------------------------

    def _refit(self, namespace: str, config: PolicyConfig, history: Sequence[LoggedRecall]
               ) -> Posterior:  # fmt: skip
        """A posterior fitted afresh on the log: one update per rated recall (its repeated
        feedbacks averaged), in the order they were last rated."""
        current = self._posterior(namespace)
        posterior = Posterior(config, current.prior_mean if current is not None else None)
        for logged in history:
            index = {c: i for i, c in enumerate(logged.log.candidates)}
            sums: dict[str, list[float]] = {}
            for item, reward, weight in logged.credits:
                if item in index:
                    acc = sums.setdefault(item, [0.0, 0.0, 0.0])
                    acc[0] += weight * (reward + 1.0) / 2.0
                    acc[1] += weight
                    acc[2] += 1.0
            rows = [(index[i], s[0] / s[1], s[1] / s[2]) for i, s in sums.items() if s[1] > 0]
            if rows:
                x = logged.log.features[[r[0] for r in rows]].astype(float)
                posterior.update(x, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]))
        return posterior

    def _choices(self, history: Sequence[LoggedRecall]) -> list[LoggedChoice]:
        """The logged first choices, with their propensities and mean rewards in [0, 1]."""
        floor = 1.0 / self._learned.config.draws if self._learned is not None else 1e-3
        out = []
        for logged in history[-OPE_WINDOW:]:
            log = logged.log
            if not logged.served or logged.served[0] not in log.candidates or not logged.rewards:
                continue
            action = log.candidates.index(logged.served[0])
            out.append(LoggedChoice(
                features=log.features.astype(float), action=action,
                propensity=float(min(1.0, max(log.top[action], floor))),
                reward=float((np.mean(logged.rewards) + 1.0) / 2.0),
            ))  # fmt: skip
        return out

    @staticmethod
    def _evaluate(
        posterior: Posterior, choices: Sequence[LoggedChoice], seed: int
    ) -> PolicyEvaluation:
        ranker = LinearThompsonRanker(replace(posterior.config, seed=seed))
        return evaluate(choices, lambda x: ranker.first_probabilities(posterior, x), seed=seed)

    def _refit_and_gate(self, namespace: str) -> dict[str, Any]:
        """Refit the posterior from the log; swap it in unless off-policy evaluation rates it
        worse than the serving one. Returns the report's ``policy`` entry."""
        serving, ranker = self._posterior(namespace), self._learned
        if serving is None or ranker is None:
            return {"swapped": False, "reason": f"the ranker {self.ranker.name!r} does not learn"}
        history = self.store.policy_history(namespace, ranker.config.history)
        if not history:
            return {"swapped": False, "reason": "no rated recall in the log yet"}
        candidate = self._refit(namespace, ranker.config, history)
        choices = self._choices(history)
        out: dict[str, Any] = {"rated_recalls": len(history), "evaluated": len(choices)}
        if len(choices) < 20:
            self._install(namespace, candidate)
            return {**out, "swapped": True,
                    "reason": f"refit on {len(history)} rated recalls; too few ({len(choices)}) "
                              "logged first choices to evaluate, so the log decides"}  # fmt: skip
        old = self._evaluate(serving, choices, ranker.config.seed).best()
        new = self._evaluate(candidate, choices, ranker.config.seed).best()
        out.update(serving=round(old.value, 4), candidate=round(new.value, 4),
                   candidate_interval=[round(new.low, 4), round(new.high, 4)])  # fmt: skip
        basis = f"(doubly robust, {len(choices)} recalls)"
        if new.value >= old.value:
            self._install(namespace, candidate)
            reason = f"refit estimated {new.value:.3f} >= serving {old.value:.3f} {basis}"
            return {**out, "swapped": True, "reason": reason}
        reason = f"refit estimated {new.value:.3f} < serving {old.value:.3f} {basis}; kept serving"
        return {**out, "swapped": False, "reason": reason}

    def _unlearn(self, namespace: str) -> None:
        """After an erasure: refit the posterior from what the log still holds (no gate), so
        nothing the erased feedback taught stays in the weights."""
        ranker = self._learned
        if ranker is not None:
            history = self.store.policy_history(namespace, ranker.config.history)
            self._install(namespace, self._refit(namespace, ranker.config, history))

    def _install(self, namespace: str, posterior: Posterior) -> None:
        self._policies[namespace] = posterior
        self._save_posterior(namespace, posterior)
        if self._learned is not None and self._learned.config.shared_prior:
            self._share(namespace, posterior)

    def _share(self, namespace: str, posterior: Posterior) -> None:
        """Record this namespace's weights (and evidence) in the shared prior; no data."""
        table = _prior_table(self.store)
        key = uuid.uuid5(uuid.NAMESPACE_URL, namespace).hex
        table[key] = [*map(float, posterior.mean), float(posterior.evidence)]
        self.store.put_blob(GLOBAL_PRIOR, POLICY_BLOB, b"", {"namespaces": table})

    def _evaluate_policy(
        self, namespace: str, config: PolicyConfig | None
    ) -> dict[str, PolicyEvaluation]:
        """Off-policy estimates of the serving policy and of a refit with ``config``."""
        base = self._learned.config if self._learned is not None else None
        config = config or base or PolicyConfig()
        history = self.store.policy_history(namespace, config.history)
        choices = self._choices(history)
        if not choices:
            raise InvalidArgumentError(
                "namespace", "a namespace whose recall log holds rated recalls", namespace
            )
        out = {}
        serving = self._posterior(namespace)
        if serving is not None:
            out["serving"] = self._evaluate(serving, choices, config.seed)
        out["candidate"] = self._evaluate(self._refit(namespace, config, history), choices,
                                          config.seed)  # fmt: skip
        return out


def _prior_table(store: GraphStore) -> dict[str, list[float]]:
    """The shared prior's rows (namespace key -> weights and evidence), each one checked.

    A row that is not ``len(FEATURES) + 1`` finite numbers with a non-negative evidence (a
    damaged store) is left out with a warning; a damaged table is read as empty, and the next
    namespace that shares its weights rewrites it.
    """
    blob = store.get_blob(GLOBAL_PRIOR, POLICY_BLOB)
    if blob is None:
        return {}
    table = blob[1].get("namespaces", {})
    if not isinstance(table, dict):
        logger.warning("policy state: the shared prior's table is not an object; left out")
        return {}
    rows = {}
    for key, row in table.items():
        try:
            values = [float(v) for v in row]
        except (TypeError, ValueError):
            values = []
        if len(values) != len(FEATURES) + 1 or not np.isfinite(values).all() or values[-1] < 0:
            logger.warning("policy state: shared prior row %r is damaged; left out", key)
            continue
        rows[str(key)] = values
    return rows

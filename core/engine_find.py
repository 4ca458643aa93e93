"""Relational queries on :class:`~absmem.engine.Engine` (the query model: :mod:`absmem.find`).

Candidates are gathered per end, then every candidate is scored exactly:

1. the cause's ``pool`` nearest contexts (the FAISS index recall uses) and its ``pool`` nearest
   responses (an exact pass over the stored response vectors, in batches: a cost linear in the
   namespace's size, paid by ``find`` only);
2. the effect's ``pool`` nearest contexts, walked back along their incoming ``led_to`` edges to
   the experiences whose response provoked them;
3. with ``session_id``, every turn of the session; with only an outcome, every experience
   whose mean reward is in range (from the light statistics).

``pool`` is ``max(200, 10 k)``; while fewer than ``k`` chains pass the filters and the pools do
not yet cover the namespace, they are widened four times and the query runs again, so a filter
(a user, a time range, an abstraction, an outcome) never hides a match that exists.

Each candidate then passes the filters, gets its exact cause similarity (the better of context
and response), its ``led_to`` turn (an outgoing edge; never a compacted one) and the effect
similarity of that turn's context, and its outcome; the lesson is read for the ``k`` returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

from .embed.base import Vectors
from .errors import UnknownTargetError
from .find import Chain, FindQuery
from .index import CandidateIndex
from .store.base import GraphStore, StoredExperience
from .types import EdgeType, Experience, Outcome

__all__ = ["FIND_POOL", "FindMixin", "mean_reward", "public_experience"]

T = TypeVar("T")

FIND_POOL = 200
"""Least number of candidates gathered per end of a query."""
SCAN_BATCH = 20000
"""Response vectors read per store call in the cause's exact pass."""


def public_experience(stored: StoredExperience) -> Experience:
    """The public :class:`~absmem.types.Experience` of a stored one."""
    return Experience(id=stored.id, namespace=stored.namespace, context=stored.context,
                      response=stored.response, user_id=stored.user_id,
                      session_id=stored.session_id, recall_id=stored.recall_id,
                      metadata=stored.metadata, created_at=stored.created_at,
                      outcome=stored.outcome, usage=stored.usage,
                      long_term=stored.long_term)  # fmt: skip


def mean_reward(outcome: Outcome) -> float | None:
    """The weighted mean in [-1, 1] of the rewards an outcome received (an experience's own
    feedback, and session outcomes at their weight), or ``None`` when it was never rated.

    Example:
        >>> from absmem import Outcome
        >>> mean_reward(Outcome().updated(-1.0).updated(0.5)), mean_reward(Outcome())
        (-0.25, None)
    """
    if outcome.n <= 1e-9:
        return None
    return float(np.clip(2.0 * (outcome.alpha - 1.0) / outcome.n - 1.0, -1.0, 1.0))


def _top(scores: np.ndarray, keys: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    if len(scores) <= width:
        return scores, keys
    best = np.argpartition(-scores, width - 1)[:width]
    return scores[best], keys[best]


class FindMixin:
    """Mixin of :class:`~absmem.engine.Engine` (see the module docstring)."""

    store: GraphStore

    async def _run(self, verb: str, fn: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    def _embed(self, texts: Sequence[str]) -> Vectors:
        raise NotImplementedError

    def _index(self, namespace: str) -> CandidateIndex:
        raise NotImplementedError

    async def find(self, namespace: str, query: FindQuery) -> list[Chain]:
        """The chains of ``namespace`` that match ``query``, best first."""
        texts = [t for t in (query.cause, query.effect) if t is not None]
        vectors = await self._run("find", self._embed, texts) if texts else None
        return await self._run("find", self._find, namespace, query, vectors)

    # -- candidates ---------------------------------------------------------------------------

    def _nearest_contexts(
        self, namespace: str, vector: np.ndarray, width: int, least: float = -1.0
    ) -> list[int]:
        """Keys of the ``width`` nearest contexts whose similarity is at least ``least``."""
        scores, keys = self._index(namespace).search(vector[None, :], width)
        return [int(k) for k, s in zip(keys[0], scores[0], strict=True) if k >= 0 and s >= least]

    def _nearest_responses(self, namespace: str, vector: np.ndarray, width: int) -> list[int]:
        keys = self.store.keys(namespace)
        best_scores, best_keys = np.zeros(0, np.float32), np.zeros(0, np.int64)
        for start in range(0, len(keys), SCAN_BATCH):
            part = keys[start : start + SCAN_BATCH]
            scores = self.store.get_response_vectors(namespace, [int(k) for k in part]) @ vector
            best_scores, best_keys = _top(np.concatenate([best_scores, scores]),
                                          np.concatenate([best_keys, part]), width)  # fmt: skip
        return [int(k) for k in best_keys]

    def _by_id(self, namespace: str, ids: Iterable[str]) -> dict[str, StoredExperience]:
        found = {}
        for experience_id in dict.fromkeys(ids):
            stored = self.store.get_experience(namespace, experience_id)
            if stored is not None:
                found[experience_id] = stored
        return found

    def _rated_keys(self, namespace: str, query: FindQuery) -> list[int]:
        """Keys of the experiences whose mean reward is in the query's outcome range (read
        from the light statistics, in batches)."""
        wanted = query.outcome_range
        keys = [int(k) for k in self.store.keys(namespace)]
        out = []
        for start in range(0, len(keys), SCAN_BATCH):
            for c in self.store.candidate_stats(namespace, keys[start : start + SCAN_BATCH]):
                reward = mean_reward(c.outcome)
                if reward is not None and (wanted is None or wanted[0] <= reward <= wanted[1]):
                    out.append(c.seq)
        return out

    def _candidates(
        self, namespace: str, query: FindQuery, cause: np.ndarray | None,
        effect: np.ndarray | None, width: int,
    ) -> dict[str, StoredExperience]:  # fmt: skip
        seqs: list[int] = []
        if cause is not None:  # the pools' keys, kept when their cause end matches
            pool = list(
                dict.fromkeys(
                    self._nearest_contexts(namespace, cause, width)
                    + self._nearest_responses(namespace, cause, width)
                )
            )
            best = np.maximum(
                self.store.get_vectors(namespace, pool) @ cause,
                self.store.get_response_vectors(namespace, pool) @ cause,
            )
            least = query.min_similarity
            seqs += [k for k, sim in zip(pool, best, strict=True) if sim >= least]
        if query.session_id is not None:
            seqs += self.store.session_keys(namespace, query.session_id)
        elif cause is None and effect is None:  # an outcome alone: every rated experience
            seqs += self._rated_keys(namespace, query)
        rows = self.store.get_experiences(namespace, list(dict.fromkeys(seqs)))
        found = {row.id: row for row in rows}
        if effect is not None:
            near = self._nearest_contexts(namespace, effect, width, query.min_similarity)
            turns = self.store.ids_for(namespace, near)
            edges = self.store.typed_edges(namespace, list(turns.values()),
                                           EdgeType.LED_TO.value, incoming=True)  # fmt: skip
            found.update(self._by_id(namespace, (e.src for e in edges if e.src not in found)))
        return found

    # -- filters and scores -------------------------------------------------------------------

    def _members(self, namespace: str, abstraction_id: str) -> set[str]:
        """The abstraction and those that refine it (its members are members of either)."""
        rows = self.store.abstractions(namespace)
        if not any(row.id == abstraction_id for row in rows):
            raise UnknownTargetError("abstraction_id", abstraction_id, namespace, "an abstraction")
        return {abstraction_id} | {row.id for row in rows if row.parent_id == abstraction_id}

    def _passes(self, row: StoredExperience, query: FindQuery) -> bool:
        if row.compacted:
            return False
        if query.since is not None and row.created_at < query.since:
            return False
        if query.until is not None and row.created_at >= query.until:
            return False
        if query.session_id is not None and row.session_id != query.session_id:
            return False
        if query.user_id is not None and row.user_id != query.user_id:
            return False
        wanted, reward = query.outcome_range, mean_reward(row.outcome)
        return wanted is None or (reward is not None and wanted[0] <= reward <= wanted[1])

    def _find(
        self, namespace: str, query: FindQuery, vectors: Vectors | None
    ) -> list[Chain]:  # fmt: skip
        cause = vectors[0] if query.cause is not None and vectors is not None else None
        effect = vectors[-1] if query.effect is not None and vectors is not None else None
        allowed = None
        if query.abstraction_id is not None:
            allowed = self._members(namespace, query.abstraction_id)
        width, total = max(FIND_POOL, 10 * query.k), self.store.count(namespace)
        while True:  # widen the pools until k chains pass the filters or nothing is left out
            chains = self._chains(namespace, query, cause, effect, width, allowed)
            if len(chains) >= query.k or width >= total or (cause is None and effect is None):
                break
            width *= 4
        top = chains[: query.k]
        lessons = self._lessons_of(namespace, [row.id for _, row, _, _, _ in top])
        out = []
        for score, row, turn, reward, sims in top:
            lesson_id, lesson = lessons.get(row.id, (None, None))
            out.append(Chain(
                experience=public_experience(row),
                led_to=public_experience(turn) if turn is not None else None,
                reward=reward, score=score, lesson_id=lesson_id, lesson=lesson,
                cause_similarity=sims[0], effect_similarity=sims[1],
            ))  # fmt: skip
        return out

    def _chains(
        self, namespace: str, query: FindQuery, cause: np.ndarray | None,
        effect: np.ndarray | None, width: int, allowed: set[str] | None,
    ) -> list[tuple[float, StoredExperience, StoredExperience | None, float | None,
                    tuple[float | None, float | None]]]:  # fmt: skip
        """Every candidate of pools of ``width`` that passes the query, scored, best first."""
        rows = [r for r in self._candidates(namespace, query, cause, effect, width).values()
                if self._passes(r, query)]  # fmt: skip
        if allowed is not None:
            owners = self.store.memberships_of(namespace, [r.id for r in rows])
            rows = [r for r in rows if {a for a, _ in owners.get(r.id, [])} & allowed]
        cause_sim = self._cause_similarity(namespace, rows, cause)
        if cause is not None:  # the cheap end first: only matching causes need their turn
            rows = [r for r in rows if cause_sim[r.id] >= query.min_similarity]
        led_to = self._led_to(namespace, [r.id for r in rows])
        effect_sim = self._effect_similarity(namespace, led_to, effect)
        chains = []
        for row in rows:
            parts = []
            if cause is not None:
                parts.append(cause_sim[row.id])
            turn = led_to.get(row.id)
            if effect is not None:
                if turn is None:
                    continue
                parts.append(effect_sim[turn.id])
            if any(p < query.min_similarity for p in parts):
                continue
            reward = mean_reward(row.outcome)
            if query.outcome is not None:
                parts.append(abs(reward) if reward is not None else 0.0)
            sims = (
                cause_sim[row.id] if cause is not None else None,
                effect_sim[turn.id] if effect is not None and turn is not None else None,
            )
            chains.append((float(np.mean(parts)), row, turn, reward, sims))  # fmt: skip
        chains.sort(key=lambda c: (-c[0], -c[1].created_at, c[1].id))
        return chains

    def _led_to(self, namespace: str, ids: Sequence[str]) -> dict[str, StoredExperience]:
        """The turn each experience ``led_to`` (the latest, should there be several)."""
        edges = self.store.typed_edges(namespace, ids, EdgeType.LED_TO.value)
        turns = self._by_id(namespace, (e.dst for e in edges))
        out: dict[str, StoredExperience] = {}
        for edge in edges:
            turn = turns.get(edge.dst)
            if turn is None or turn.compacted:  # a compacted turn's text is gone
                continue
            if edge.src not in out or turn.seq > out[edge.src].seq:
                out[edge.src] = turn
        return out

    def _cause_similarity(
        self, namespace: str, rows: Sequence[StoredExperience], cause: np.ndarray | None
    ) -> dict[str, float]:
        if cause is None or not rows:
            return {}
        seqs = [row.seq for row in rows]
        contexts = self.store.get_vectors(namespace, seqs) @ cause
        responses = self.store.get_response_vectors(namespace, seqs) @ cause
        return {row.id: float(max(c, r)) for row, c, r in zip(rows, contexts, responses,
                                                              strict=True)}  # fmt: skip

    def _effect_similarity(
        self, namespace: str, led_to: dict[str, StoredExperience], effect: np.ndarray | None
    ) -> dict[str, float]:
        turns = list({t.id: t for t in led_to.values()}.values())
        if effect is None or not turns:
            return {}
        scores = self.store.get_vectors(namespace, [t.seq for t in turns]) @ effect
        return {t.id: float(s) for t, s in zip(turns, scores, strict=True)}

    def _lessons_of(self, namespace: str, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """``(abstraction id, lesson)`` of each experience: its specific abstraction when it
        has one, else its broad one."""
        owners = self.store.memberships_of(namespace, ids) if ids else {}
        if not owners:
            return {}
        rows = {row.id: row for row in self.store.abstractions(namespace)}
        out = {}
        for experience_id, memberships in owners.items():
            known = [rows[a] for a, _ in memberships if a in rows]
            if known:
                best = min(known, key=lambda row: (row.level, row.id))
                out[experience_id] = (best.id, best.lesson)
        return out

"""The async core behind :class:`absmem.AbstractionMemory`.

All blocking work (embedding, SQLite, FAISS) runs on one worker thread per memory, so the store
and the indexes are only ever touched by that thread, in the order the calls arrived. Each
verb's writes are one store transaction, and the vector index follows the store: a crash between
the two leaves an index that is detected as stale and rebuilt at the next open.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import numpy as np

from .abstraction import Advice
from .assess import Assessor
from .consolidate import ConsolidateConfig
from .embed.base import Embedder, Vectors
from .engine_consolidate import ConsolidationMixin
from .engine_find import FindMixin, public_experience
from .engine_policy import PolicyMixin
from .engine_runs import RunLinkMixin
from .engine_session import SessionFeedbackMixin
from .errors import InvalidArgumentError, MemoryClosedError, UnknownTargetError
from .graph import insert_edges
from .ids import new_id
from .index import CandidateIndex, IndexFileError, IndexParams
from .lesson_state import LessonState, by_abstraction
from .lessons import LessonWriter, TemplateLessonWriter
from .policy import Candidate, PolicyConfig, Posterior, Ranker
from .policy.ope import PolicyEvaluation
from .render import render_item
from .store.base import (
    AbstractionRow,
    CandidateStats,
    Channel,
    CreditRow,
    ExperienceRow,
    FeedbackRow,
    GraphStore,
    PolicyLogRow,
    RecallItemRow,
    RecallRow,
    StoredExperience,
)
from .types import (
    Assessment,
    AssessmentBasis,
    Experience,
    Feedback,
    ForgetReport,
    Interaction,
    Outcome,
    Recall,
)

__all__ = ["Engine"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
FeedbackKind = Literal["recall", "experience", "session"]


class Engine(PolicyMixin, ConsolidationMixin, RunLinkMixin, SessionFeedbackMixin, FindMixin):
    """The one implementation of every verb; the facade's sync and async methods both await it.

    Args:
        store: durable graph store.
        embedder: text embedder (its name and dimension are checked against the store).
        index_dir: folder for the persisted FAISS files; ``None`` keeps indexes in memory only.
        ranker: recall policy.
        index_params: FAISS tuning.
        k_similar: ``similar`` edges made per new experience.
        pool: candidates fetched from FAISS per recall, before ranking.
        assessor: scoring of ``assess``; defaults to :class:`absmem.assess.Assessor`.
        consolidation: what ``consolidate`` does (GNN, abstractions, forgetting).
        writer: writes lessons at consolidation; defaults to the template writer (no LLM).
        lesson_pool: specific lessons gathered per recall (their broader lessons come too).
        led_to_window: seconds within which a session's next turn counts as the reply its
            previous response provoked (a ``led_to`` edge).
        session_weight: weight of a session outcome on each turn's statistics, against 1 for
            feedback on that turn (see :mod:`absmem.engine_session`).
        session_discount: factor a session outcome's share shrinks by per turn before the last.
    """

    def __init__(
        self,
        store: GraphStore,
        embedder: Embedder,
        index_dir: Path | None,
        ranker: Ranker,
        index_params: IndexParams,
        k_similar: int,
        pool: int,
        assessor: Assessor | None = None,
        consolidation: ConsolidateConfig | None = None,
        writer: LessonWriter | None = None,
        lesson_pool: int = 3,
        led_to_window: float = 3600.0,
        session_weight: float = 0.5,
        session_discount: float = 0.8,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.index_dir = index_dir
        self.ranker = ranker
        self.index_params = index_params
        self.k_similar = k_similar
        self.pool = pool
        self.assessor = assessor or Assessor()
        self.consolidation = consolidation or ConsolidateConfig()
        self.writer = writer or TemplateLessonWriter()
        self.lesson_pool = lesson_pool
        self.led_to_window = led_to_window
        self.session_weight = session_weight
        self.session_discount = session_discount
        self._lessons: dict[str, LessonState] = {}
        self._consolidating: dict[str, asyncio.Lock] = {}
        self._priors: dict[str, tuple[int, Outcome]] = {}
        self._policies: dict[str, Posterior] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="absmem-core")
        self._indexes: dict[str, CandidateIndex] = {}
        self._dirty: set[str] = set()
        self._seen: dict[str, int] = {}
        self.closed = False
        store.check_embedder(embedder.name, embedder.dim)

    # -- plumbing -----------------------------------------------------------------------------

    async def _run(self, verb: str, fn: Callable[..., T], *args: Any) -> T:
        if self.closed:
            raise MemoryClosedError(verb)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    def _embed(self, texts: Sequence[str]) -> Vectors:
        return self.embedder.embed(texts)

    def _index_path(self, namespace: str) -> Path | None:
        if self.index_dir is None:
            return None
        return self.index_dir / f"{uuid.uuid5(uuid.NAMESPACE_URL, namespace).hex}.faiss"

    def _index(self, namespace: str) -> CandidateIndex:
        """The namespace's index, in step with the store.

        Cached after first use; else loaded from its file; else rebuilt from the store. When the
        store's vector version moved without this process (another process wrote to the same
        file), the cached index catches up with the store's keys before it is used.
        """
        version = self.store.vector_version(namespace)
        index = self._indexes.get(namespace)
        if index is not None:
            if self._seen[namespace] != version:
                self._catch_up(namespace, index)
                self._seen[namespace] = version
            return index
        path = self._index_path(namespace)
        try:
            if path is None:
                raise IndexFileError("no index folder")
            index = CandidateIndex.load(path, version, self.embedder.dim, self.index_params)
            if len(index) != len(self.store.keys(namespace)):
                raise IndexFileError(f"{path} holds {len(index)} vectors, the store more or less")
        except IndexFileError as err:
            logger.info("rebuilding the index of namespace %r from the store: %s", namespace, err)
            index = CandidateIndex.build(
                self.embedder.dim, self.store.iter_vectors(namespace), self.index_params
            )
            if path is not None:
                index.save(path, version)
        self._indexes[namespace] = index
        self._seen[namespace] = version
        return index

    def _catch_up(self, namespace: str, index: CandidateIndex) -> None:
        """Add the store's vectors the index lacks and drop the keys the store no longer has."""
        stored, held = self.store.keys(namespace), index.keys()
        missing = np.setdiff1d(stored, held, assume_unique=True)
        extra = np.setdiff1d(held, stored, assume_unique=True)
        logger.info(
            "namespace %r changed in another process: adding %d and removing %d vectors",
            namespace, len(missing), len(extra),
        )  # fmt: skip
        index.remove(extra)
        if len(missing):
            index.add(missing, self.store.get_vectors(namespace, missing.tolist()))
        self._dirty.add(namespace)

    def _save_indexes(self, namespaces: Sequence[str]) -> None:
        """Save indexes labelled with the store version they reflect (not the store's current)."""
        for namespace in namespaces:
            path = self._index_path(namespace)
            if path is not None and namespace in self._indexes:
                self._indexes[namespace].save(path, self._seen[namespace])
            self._dirty.discard(namespace)

    # -- remember -----------------------------------------------------------------------------

    async def remember(self, namespace: str, items: Sequence[Interaction], chunk: int) -> list[str]:
        """Embed and insert ``items``; each chunk of ``chunk`` items is one transaction."""
        ids: list[str] = []
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            texts = [item.context for item in part] + [item.response for item in part]
            vectors = await self._run("remember", self._embed, texts)
            ids += await self._run(
                "remember", self._insert, namespace, part, vectors[: len(part)],
                vectors[len(part) :],
            )  # fmt: skip
        return ids

    def _insert(
        self, namespace: str, items: Sequence[Interaction], contexts: Vectors, responses: Vectors
    ) -> list[str]:
        recalled = {
            rid: [row.item_id for row in self._recall_items(namespace, rid, "recall_id")]
            for rid in {item.recall_id for item in items if item.recall_id}
        }
        index = self._index(namespace)
        ids = [new_id("exp") for _ in items]
        neighbours = self._neighbours(namespace, index, ids, contexts)
        last: dict[str, tuple[str, float]] = {}
        rows, edges, members = [], [], []
        changed: dict[str, AbstractionRow] = {}
        state = self._lesson_state(namespace)
        now = time.time()
        sessions = [item.session_id for item in items if item.session_id is not None]
        last.update(self.store.last_turns(namespace, sessions))
        for i, item in enumerate(items):
            previous = None
            if item.session_id is not None:
                previous = last.get(item.session_id)
                last[item.session_id] = (ids[i], now)
            rows.append(ExperienceRow(
                id=ids[i], namespace=namespace, context=item.context, response=item.response,
                context_vec=contexts[i], response_vec=responses[i], created_at=now,
                user_id=item.user_id, session_id=item.session_id, recall_id=item.recall_id,
                metadata=item.metadata,
            ))  # fmt: skip
            recalled_ids = recalled.get(item.recall_id, []) if item.recall_id else []
            edges += insert_edges(
                ids[i], neighbours[i], previous[0] if previous else None, recalled_ids,
                led_to=previous is not None and now - previous[1] <= self.led_to_window,
            )  # fmt: skip
            joined, row = state.assign(ids[i], contexts[i], responses[i], item.response)
            members += joined
            if row is not None:
                changed[row.id] = row
        seqs = self.store.add_experiences(rows, edges, members)
        for row in changed.values():
            self.store.put_abstraction(row)
        index.add(np.asarray(seqs, dtype=np.int64), contexts)
        self._seen[namespace] += 1  # the store's bump for this write
        self._dirty.add(namespace)
        cached = self._priors.get(namespace)
        if cached is not None and cached[0] == self._seen[namespace] - 1:
            self._priors[namespace] = (self._seen[namespace], cached[1])  # new rows are unrated
        return ids

    def _lesson_state(self, namespace: str) -> LessonState:
        state = self._lessons.get(namespace)
        if state is None:
            state = LessonState.load(self.store, namespace, self.consolidation.abstraction)
            self._lessons[namespace] = state
        return state

    def _neighbours(
        self, namespace: str, index: CandidateIndex, ids: list[str], contexts: Vectors
    ) -> list[list[tuple[str, float]]]:
        """``k_similar`` nearest stored or earlier-in-batch contexts of each new experience."""
        k = self.k_similar
        if k <= 0:
            return [[] for _ in ids]
        scores, keys = index.search(contexts, k, ef=self.index_params.ef_insert)
        held = np.unique(keys[keys >= 0])
        id_of = self.store.ids_for(namespace, held.tolist())
        # a candidate is a code: a stored key (>= 0), or -(j + 2) for the batch's j-th experience
        codes = np.where(np.isin(keys, np.fromiter(id_of, np.int64, len(id_of))), keys, -1)
        scores = np.where(codes == -1, -np.inf, scores)
        n = len(ids)
        if n > 1:  # earlier experiences of the same batch count as stored ones
            within = contexts @ contexts.T
            within[np.triu_indices(n)] = -np.inf
            mine = np.broadcast_to(np.arange(n), (n, n))
            if n > k:  # only each row's k best can make its top k
                mine = np.argpartition(-within, k - 1, axis=1)[:, :k]
                within = np.take_along_axis(within, mine, axis=1)
            scores = np.hstack([scores, within])
            codes = np.hstack([codes, -(mine + 2)])
        if scores.shape[1] > k:  # the k best of each row, then those k in order
            top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
            ranked = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
            order = np.take_along_axis(top, ranked, axis=1)
        else:
            order = np.argsort(-scores, axis=1, kind="stable")
        best = np.take_along_axis(scores, order, axis=1).tolist()
        chosen = np.take_along_axis(codes, order, axis=1).tolist()
        return [
            [(id_of[code] if code >= 0 else ids[-code - 2], score)
             for code, score in zip(row, row_scores, strict=True) if score != -np.inf]
            for row, row_scores in zip(chosen, best, strict=True)
        ]  # fmt: skip

    # -- recall -------------------------------------------------------------------------------

    async def recall(
        self, namespace: str, query: str, k: int, user_id: str | None, session_id: str | None
    ) -> Recall:
        """Embed ``query``, gather candidates, rank them, log and return the served ranking."""
        vectors = await self._run("recall", self._embed, [query])
        return await self._run(
            "recall", self._recall, namespace, query, vectors, k, user_id, session_id
        )

    def _recall(
        self, namespace: str, query: str, vectors: Vectors, k: int, user_id: str | None,
        session_id: str | None,
    ) -> Recall:  # fmt: skip
        index = self._index(namespace)
        scores, keys = index.search(vectors, max(self.pool, k))
        similarity = {
            int(key): float(score)
            for key, score in zip(keys[0], scores[0], strict=True)
            if key >= 0
        }
        stats = self.store.candidate_stats(namespace, list(similarity))
        seq_of = {c.id: c.seq for c in stats}
        state = self._lesson_state(namespace)
        near = (np.array(list(similarity), dtype=np.int64),
                np.array(list(similarity.values()), dtype=np.float32))  # fmt: skip
        predicted = self._predict(namespace, state, vectors, stats, near)
        now = time.time()
        candidates = [
            Candidate(
                c.id,
                similarity[c.seq],
                c.outcome,
                c.usage,
                predicted=predicted.get(c.id),
                age=now - c.created_at,
            )
            for c in stats
        ]
        lessons = self._lesson_candidates(namespace, state, vectors, near, stats, similarity)
        for node, (sim, advice, approach_stats, pred) in lessons.items():
            utility = advice.means.get(advice.advice, 0.5) if advice.advice is not None else 0.5
            weight = sum(s + f for s, f in approach_stats.values()) + 2.0
            outcome = Outcome(alpha=utility * weight, beta=(1.0 - utility) * weight,
                              n=weight - 2.0)  # fmt: skip
            advised = None if advice.advice is None else state.global_approach(node, advice.advice)
            candidates.append(Candidate(
                node, sim, outcome, kind="lesson", predicted=pred,
                level=state.rows[state.by_id[node]].level,
                advice=-1 if advised is None else advised,
            ))  # fmt: skip
        served, features, top = self._serve(namespace, candidates, k)
        rows = {
            e.id: e
            for e in self.store.get_experiences(
                namespace, [seq_of[r.key] for r in served if r.key in seq_of]
            )
        }
        items = []
        for r in served:
            if r.key in lessons:
                sim, advice, approach_stats, _ = lessons[r.key]
                items.append(state.render(r.key, advice, approach_stats, r.score, r.propensity,
                                          r.rank, sim))  # fmt: skip
            else:
                items.append(render_item(rows[r.key], r.score, r.propensity, r.rank,
                                         similarity[seq_of[r.key]]))  # fmt: skip
        row = RecallRow(id=new_id("rec"), namespace=namespace, query=query,
                        created_at=time.time(), policy=self.ranker.name, user_id=user_id,
                        session_id=session_id)  # fmt: skip
        log = PolicyLogRow(
            recall_id=row.id, namespace=namespace, policy=self.ranker.name,
            candidates=[c.key for c in candidates], kinds=[c.kind for c in candidates],
            advice=[c.advice for c in candidates], features=features, top=top,
            created_at=row.created_at,
        )  # fmt: skip
        self.store.log_recall(row, [
            RecallItemRow(i.rank, i.id, i.kind, i.score, i.propensity, i.similarity)
            for i in items
        ], log)  # fmt: skip
        return Recall(id=row.id, query=query, namespace=namespace, items=items, user_id=user_id,
                      session_id=session_id, policy=row.policy)  # fmt: skip

    def _predict(
        self, namespace: str, state: LessonState, vectors: Vectors, stats: Sequence[CandidateStats],
        near: tuple[np.ndarray, np.ndarray],
    ) -> dict[str, float]:  # fmt: skip
        """GNN-predicted success of each candidate experience's response for the query."""
        if state.model is None or not stats:
            return {}
        responses = self.store.get_response_vectors(namespace, [c.seq for c in stats])
        probs = state.predict(vectors, near[0], near[1], responses)
        return {} if probs is None else {c.id: float(p) for c, p in zip(stats, probs, strict=True)}

    def _lesson_candidates(
        self,
        namespace: str,
        state: LessonState,
        vectors: Vectors,
        near: tuple[np.ndarray, np.ndarray],
        stats: Sequence[CandidateStats],
        similarity: dict[int, float],
    ) -> dict[str, tuple[float, Advice, dict[int, tuple[float, float]], float | None]]:
        """The nearest specific lessons and their broader ones, with live advice.

        The nearest lesson's advice also weighs the query's own neighbourhood: the outcomes of
        the ``local_k`` most similar experiences, by the approach each used, shrunk toward the
        lesson's rates (which are shrunk toward the broader lesson's).
        """
        found = state.nearest(vectors, self.lesson_pool)
        if not found:
            return {}
        sims = {state.rows[i].id: s for i, s in found}
        for i, s in found:
            parent = state.rows[i].parent_id
            if parent is not None and parent in state.by_id:
                sims[parent] = max(sims.get(parent, -1.0), s)
        config = self.consolidation.abstraction
        by = by_abstraction(self.store.approach_stats(
            namespace, list(sims), config.discount, config.discount_window
        ))  # fmt: skip
        advice = state.advice(by)
        nearest = state.rows[found[0][0]].id
        if nearest in advice and stats:
            local_k = self.consolidation.abstraction.local_k
            close = sorted(stats, key=lambda c: -similarity[c.seq])[:local_k]
            members = self.store.memberships_of(namespace, [c.id for c in close])
            advice[nearest] = state.local_advice(nearest, advice[nearest], close, members)
        out: dict[str, tuple[float, Advice, dict[int, tuple[float, float]], float | None]] = {}
        advised = [(node, a.advice) for node, a in advice.items() if a.advice is not None]
        preds: dict[str, float] = {}
        if state.model is not None and advised:
            vecs = np.stack([state.exemplar_vector(node, int(a)) for node, a in advised])
            probs = state.predict(vectors, near[0], near[1], vecs)
            if probs is not None:
                preds = {node: float(p) for (node, _), p in zip(advised, probs, strict=True)}
        for node, sim in sims.items():
            if node in advice:
                out[node] = (sim, advice[node], by.get(node, {}), preds.get(node))
        return out

    # -- assess -------------------------------------------------------------------------------

    async def assess(self, namespace: str, context: str, response: str, k: int) -> Assessment:
        """Expected reward of ``response`` in ``context``, from the ``k`` nearest experiences.

        Read-only: nothing is logged or stored.
        """
        vectors = await self._run("assess", self._embed, [context, response])
        return await self._run("assess", self._assess, namespace, context, response, vectors, k)

    def _assess(
        self, namespace: str, context: str, response: str, vectors: Vectors, k: int
    ) -> Assessment:
        scores, keys = self._index(namespace).search(vectors[:1], k)
        similarity = {int(key): float(s) for key, s in zip(keys[0], scores[0], strict=True)
                      if key >= 0}  # fmt: skip
        rows = self.store.get_experiences(namespace, list(similarity))
        context_sim = np.array([similarity[row.seq] for row in rows], dtype=np.float64)
        response_sim = self._response_vectors(namespace, rows) @ vectors[1].astype(np.float64)
        prior = self._prior(namespace)
        score = self.assessor.score(context_sim, response_sim, [r.outcome for r in rows], prior)
        basis = [
            AssessmentBasis(
                id=row.id,
                context_similarity=float(context_sim[i]),
                response_similarity=float(response_sim[i]),
                weight=float(score.weights[i]),
                outcome=row.outcome,
            )
            for i, row in enumerate(rows)
        ]
        return Assessment(context=context, response=response, namespace=namespace,
                          expected_reward=score.expected_reward, confidence=score.confidence,
                          evidence=score.evidence, prior=2.0 * prior.mean - 1.0,
                          basis=sorted(basis, key=lambda b: -b.weight))  # fmt: skip

    def _response_vectors(self, namespace: str, rows: Sequence[StoredExperience]) -> np.ndarray:
        """Response vectors of ``rows``, as stored at ``remember``."""
        if not rows:
            return np.zeros((0, self.embedder.dim), dtype=np.float64)
        vectors = self.store.get_response_vectors(namespace, [row.seq for row in rows])
        return np.asarray(vectors, dtype=np.float64)

    def _prior(self, namespace: str) -> Outcome:
        """The namespace's pooled outcome, cached; this engine's feedback updates the cache."""
        version = self.store.vector_version(namespace)
        cached = self._priors.get(namespace)
        if cached is not None and cached[0] == version:
            return cached[1]
        keys = self.store.keys(namespace).tolist()
        prior = Outcome.pool(
            stat.outcome
            for start in range(0, len(keys), 500)
            for stat in self.store.candidate_stats(namespace, keys[start : start + 500])
        )
        self._priors[namespace] = (version, prior)
        return prior

    # -- feedback -----------------------------------------------------------------------------

    async def feedback(self, namespace: str, target: str, reward: float) -> Feedback:
        """Record a reward on a recall or an experience and credit what it concerns."""
        return await self._run("feedback", self._feedback, namespace, target, reward)

    def _recall_items(self, namespace: str, recall_id: str, argument: str) -> list[RecallItemRow]:
        try:
            return self.store.get_recall(namespace, recall_id)[1]
        except UnknownTargetError as err:
            raise UnknownTargetError(argument, recall_id, namespace) from err

    def _feedback(self, namespace: str, target: str, reward: float) -> Feedback:
        credits: dict[tuple[str, Channel], float] = {}
        experience = self.store.get_experience(namespace, target)
        kind: Literal["recall", "experience"]
        if experience is not None:
            kind, user_id, session_id = "experience", experience.user_id, experience.session_id
            informed, recall_id = [experience.id], experience.recall_id
            served = self._recall_items(namespace, recall_id, "target") if recall_id else []
        else:
            try:
                recall, served = self.store.get_recall(namespace, target)
            except UnknownTargetError as err:
                raise UnknownTargetError("target", target, namespace) from err
            kind, user_id, session_id = "recall", recall.user_id, recall.session_id
            informed, recall_id = self.store.experiences_for_recall(namespace, target), target
        for item_id in informed:
            credits[(item_id, "outcome")] = 1.0
        log = self.store.get_policy_log(namespace, recall_id) if recall_id else None
        weights = self._credit(namespace, served, informed, log)
        for item_id, weight in weights.items():
            usage: tuple[str, Channel] = (item_id, "usage")
            credits[usage] = credits.get(usage, 0.0) + weight
        row = FeedbackRow(id=new_id("fb"), namespace=namespace, target_kind=kind,
                          target_id=target, reward=reward, created_at=time.time(),
                          user_id=user_id, session_id=session_id)  # fmt: skip
        return self._commit_feedback([(row, credits)], [(log, weights)])

    def _commit_feedback(
        self,
        entries: Sequence[tuple[FeedbackRow, dict[tuple[str, Channel], float]]],
        learned: Sequence[tuple[PolicyLogRow | None, dict[str, float]]],
    ) -> Feedback:
        """Store ledger entries (one feedback, or a session outcome and its shares) with their
        credits in one transaction, update the policy with each ``(recall log, item weights)``
        they concern, keep the cached namespace prior in step; the first entry as a
        ``Feedback``."""
        row = entries[0][0]
        namespace, reward = row.namespace, row.reward
        self.store.add_feedback_many([
            (entry, [CreditRow(item, channel, entry.reward, weight)
                     for (item, channel), weight in credits.items()])
            for entry, credits in entries
        ])  # fmt: skip
        if any([self._learn(namespace, log, weights, reward, save=False)
                for log, weights in learned]):  # fmt: skip
            self._save_policy(namespace)
        if namespace in self._priors:
            version, prior = self._priors[namespace]
            for _, credits in entries:
                for (_, channel), weight in credits.items():
                    prior = prior.updated(reward, weight) if channel == "outcome" else prior
            self._priors[namespace] = (version, prior)
        return Feedback(id=row.id, namespace=namespace, target_id=row.target_id,
                        target_kind=cast(FeedbackKind, row.target_kind), reward=reward,
                        created_at=row.created_at, user_id=row.user_id,
                        session_id=row.session_id)  # fmt: skip

    # -- erasure, reads, lifecycle ------------------------------------------------------------

    async def forget(
        self, namespace: str, user_id: str | None, session_id: str | None
    ) -> ForgetReport:
        """Erase a user's or a session's rows, then recompute the abstractions they were in."""
        touched = await self._run("forget", self._forget, namespace, user_id, session_id)
        report, abstractions = touched
        if abstractions:
            await self.consolidate(namespace, retrain=False)
        return report

    def _forget(
        self, namespace: str, user_id: str | None, session_id: str | None
    ) -> tuple[ForgetReport, list[str]]:
        index = self._index(namespace)
        touched = self.store.abstractions_of(namespace, user_id=user_id, session_id=session_id)
        result = self.store.forget(namespace, user_id=user_id, session_id=session_id)
        self._priors.pop(namespace, None)
        self._unlearn(namespace)
        if result.seqs:
            index.remove(np.asarray(result.seqs, dtype=np.int64))
            self._seen[namespace] += 1  # the store's bump for this erasure
            self._drop_embeddings(namespace, result.seqs)
        self._save_indexes([namespace])
        report = ForgetReport(namespace=namespace, experiences=result.experiences,
                              recalls=result.recalls, feedback=result.feedback)  # fmt: skip
        return report, touched

    async def get(self, namespace: str, experience_id: str) -> Experience | None:
        """One stored experience, or ``None``."""
        stored = await self._run("get", self.store.get_experience, namespace, experience_id)
        return None if stored is None else public_experience(stored)

    async def evaluate_policy(
        self, namespace: str, config: PolicyConfig | None
    ) -> dict[str, PolicyEvaluation]:
        """Off-policy estimates of the serving policy and of a refit with ``config``."""
        return await self._run("evaluate_policy", self._evaluate_policy, namespace, config)

    async def count(self, namespace: str, *, episodes: bool = False) -> int:
        """Number of experiences in ``namespace`` (``episodes``: only those with their text)."""
        if episodes:
            return await self._run("count", lambda: len(self.store.keys(namespace)))
        return await self._run("count", self.store.count, namespace)

    async def flush(self) -> None:
        """Write changed vector indexes to disk (the store itself is always durable)."""
        await self._run("flush", lambda: self._save_indexes(sorted(self._dirty)))

    async def close(self) -> None:
        """Save indexes, close the store and the worker; idempotent."""
        if self.closed:
            return
        try:
            await self.flush()
        finally:
            self.closed = True
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self.store.close)
            self._executor.shutdown(wait=True)


def check_namespace(namespace: object) -> str:
    """A non-empty namespace string."""
    if not isinstance(namespace, str) or not namespace.strip():
        raise InvalidArgumentError("namespace", "a non-empty string", namespace)
    return namespace

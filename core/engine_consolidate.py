"""Consolidation, the engine's background verb: a mixin of :class:`absmem.engine.Engine`.

The snapshot is read and the plan written on the engine's worker thread; the plan itself
(training, abstraction learning) runs on a thread of its own, so ``recall`` and ``remember``
keep being served from the previous state until the new one is swapped in.

Example:
    >>> from absmem.engine_consolidate import ConsolidationMixin
    >>> callable(ConsolidationMixin.consolidate)
    True
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .consolidate import ConsolidateConfig, Plan, plan
from .forgetting import retired
from .gnn import ExperienceGNN, save_model
from .index import CandidateIndex
from .lesson_state import APPROACHES_BLOB, EMBEDDINGS_BLOB, GNN_BLOB, LessonState, pack_arrays
from .lessons import LessonWriter
from .store.base import AbstractionRow, GraphSnapshot, GraphStore, MembershipRow
from .types import ConsolidationReport

__all__ = ["ConsolidationMixin"]

T = TypeVar("T")


class ConsolidationMixin:
    """``consolidate`` and its steps; the engine provides the store, state and worker."""

    store: GraphStore
    consolidation: ConsolidateConfig
    writer: LessonWriter
    index_dir: Path | None
    _lessons: dict[str, LessonState]
    _consolidating: dict[str, asyncio.Lock]
    _seen: dict[str, int]

    async def _run(self, verb: str, fn: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    def _index(self, namespace: str) -> CandidateIndex:
        raise NotImplementedError

    def _save_indexes(self, namespaces: list[str]) -> None:
        raise NotImplementedError

    def _lesson_state(self, namespace: str) -> LessonState:
        raise NotImplementedError

    async def consolidate(self, namespace: str, *, retrain: bool = True) -> ConsolidationReport:
        """Retrain the GNN, re-learn abstractions and lessons, compact absorbed episodes.

        The heavy part runs on its own thread while the worker keeps serving ``recall`` and
        ``remember`` from the previous state; the result is written in one transaction and
        swapped in. Experiences remembered meanwhile join the new abstractions online.
        """
        lock = self._consolidating.setdefault(namespace, asyncio.Lock())
        async with lock:
            start = time.perf_counter()
            snap, previous = await self._run("consolidate", self._snapshot, namespace)
            writer = self.writer
            config = self.consolidation
            if not retrain and previous is not None:
                config = replace(config, gnn=replace(config.gnn, finetune_epochs=0))
            made = await asyncio.to_thread(plan, snap, previous, writer, config)
            report = await self._run("consolidate", self._apply, namespace, snap, made)
            mark = time.perf_counter()
            report.policy = await self._run("consolidate", self._refit_and_gate, namespace)
            report.seconds["policy"] = round(time.perf_counter() - mark, 3)
            report.seconds["total"] = round(time.perf_counter() - start, 3)
            return report

    def _snapshot(self, namespace: str) -> tuple[GraphSnapshot, ExperienceGNN | None]:
        return self.store.snapshot(namespace), self._lesson_state(namespace).model

    def _refit_and_gate(self, namespace: str) -> dict[str, Any]:
        raise NotImplementedError  # PolicyMixin's, earlier in the engine's bases

    def _apply(self, namespace: str, snap: GraphSnapshot, made: Plan) -> ConsolidationReport:
        """Write a plan, swap the serving state, join late arrivals, compact episodes."""
        mark = time.perf_counter()
        old = {a.id: a.lesson for a in snap.abstractions}
        blobs = []
        trained = made.trained
        if trained is not None:
            weights, meta = save_model(trained.model, trained.metrics)
            packed = pack_arrays(seqs=snap.seqs, h=trained.embeddings)
            blobs = [(GNN_BLOB, weights, meta), (EMBEDDINGS_BLOB, packed, {})]
        learned = made.learned
        if learned.mapping is not None and learned.centroids is not None:
            packed = pack_arrays(map=learned.mapping, centroids=learned.centroids)
            blobs.append((APPROACHES_BLOB, packed, {}))
        rows = self._retire(namespace, made.learned.rows)
        self.store.replace_abstractions(namespace, rows, made.learned.memberships, blobs)
        old_state = self._lesson_state(namespace)
        state = LessonState(
            rows, trained.model if trained is not None else old_state.model,
            self.consolidation.abstraction,
            snap.seqs if trained is not None else old_state.seqs,
            trained.embeddings if trained is not None else old_state.embeddings,
            learned.mapping, learned.centroids,
        )  # fmt: skip
        self._lessons[namespace] = state
        self._join_late(namespace, state, int(snap.seqs.max()) if len(snap) else 0)
        compacted = self.store.compact(namespace, made.compact) if made.compact else []
        if compacted:
            self._index(namespace).remove(np.asarray(compacted, dtype=np.int64))
            self._seen[namespace] += 1
            self._save_indexes([namespace])
        made.seconds["write"] = round(time.perf_counter() - mark, 3)
        return ConsolidationReport(
            namespace=namespace, experiences=len(snap),
            abstractions=sum(r.level == 0 for r in rows), broad=sum(r.level > 0 for r in rows),
            kept=made.learned.kept, new=made.learned.new, retired=len(made.learned.retired)
            + sum(bool(r.data.get("retired")) for r in rows),
            lessons_changed=sum(old.get(r.id) != r.lesson for r in rows),
            compacted=len(compacted), full_episodes=len(self.store.keys(namespace)),
            trained=trained is not None, training=trained.metrics if trained is not None else {},
            seconds=made.seconds,
        )  # fmt: skip

    def _drop_embeddings(self, namespace: str, gone: list[int]) -> None:
        """After an erasure: rewrite the GNN's embeddings without the erased experiences' rows.

        Nothing learned per experience outlives its erasure, even when too few rated
        experiences are left to retrain (the GNN's weights are retrained at the next
        consolidation that has enough).
        """
        state = self._lesson_state(namespace)
        keep = ~np.isin(state.seqs, np.asarray(gone, dtype=np.int64))
        if keep.all():
            return
        seqs, h = state.seqs[keep], state.embeddings[keep]
        self.store.put_blob(namespace, EMBEDDINGS_BLOB, pack_arrays(seqs=seqs, h=h), {})
        self._lessons[namespace] = replace(state, seqs=seqs, embeddings=h)

    def _retire(self, namespace: str, rows: list[AbstractionRow]) -> list[AbstractionRow]:
        """Mark lessons whose usage shows they do not pay as retired (no longer served)."""
        usage = self.store.item_usage(namespace, [r.id for r in rows])
        config = self.consolidation.forgetting
        out = []
        for row in rows:
            if row.id in usage and retired(usage[row.id], config):
                out.append(replace(row, data=dict(row.data, retired=True)))
            else:
                out.append(row)
        return out

    def _join_late(self, namespace: str, state: LessonState, after: int) -> None:
        """Join experiences remembered during the consolidation to the new abstractions."""
        late = [int(k) for k in self.store.keys(namespace) if k > after]
        if not late:
            return
        contexts = self.store.get_vectors(namespace, late)
        responses = self.store.get_response_vectors(namespace, late)
        members: list[MembershipRow] = []
        changed: dict[str, AbstractionRow] = {}
        for i, exp in enumerate(self.store.get_experiences(namespace, late)):
            joined, row = state.assign(exp.id, contexts[i], responses[i], exp.response)
            members += joined
            if row is not None:
                changed[row.id] = row
        self.store.add_memberships(namespace, members)
        for row in changed.values():
            self.store.put_abstraction(row)

"""The serving state of a namespace's lessons: abstractions, their index and the GNN.

One :class:`LessonState` per namespace lives in the engine: the abstractions of the last
consolidation with an exact FAISS index over the specific ones' situation prototypes, the
trained GNN and the embeddings it gave the experiences. Recall reads it; ``remember`` joins new
experiences to their nearest abstraction online (a new approach when the response is unlike
every known one); a consolidation builds a new state and the engine swaps it in whole.

Example:
    >>> from absmem.lesson_state import LessonState
    >>> from absmem.abstraction import AbstractionConfig
    >>> state = LessonState([], None, AbstractionConfig())
    >>> state.nearest(__import__("numpy").zeros((1, 4), "float32"), 3)
    []
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import faiss
import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

from .abstraction import AbstractionConfig, Advice, advise, approach_directions
from .blobs import check_digest, with_digest
from .errors import StoreCorruptError
from .gnn import ExperienceGNN, load_model
from .lessons import ApproachSummary, LessonDraft, TemplateLessonWriter
from .store.base import AbstractionRow, ApproachStats, CandidateStats, GraphStore, MembershipRow
from .types import MemoryItem, Outcome

__all__ = [
    "APPROACHES_BLOB",
    "EMBEDDINGS_BLOB",
    "GNN_BLOB",
    "LessonState",
    "by_abstraction",
    "pack_arrays",
]

logger = logging.getLogger(__name__)

APPROACHES_BLOB = "approaches"
"""Blob name of the approach map and the global approach centroids (safetensors)."""
GNN_BLOB = "gnn"
"""Blob name of the GNN weights (safetensors)."""
EMBEDDINGS_BLOB = "gnn_embeddings"
"""Blob name of the experience embeddings the GNN gave (safetensors: ``seqs``, ``h``)."""


def pack_arrays(**arrays: np.ndarray) -> bytes:
    """Named arrays as safetensors bytes with their digest (never pickle)."""
    contiguous = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    return save_arrays(contiguous, metadata=with_digest(contiguous))


_SHAPES = {EMBEDDINGS_BLOB: {"seqs": 1, "h": 2}, APPROACHES_BLOB: {"map": 2, "centroids": 2}}
"""The arrays each blob must hold, by their number of dimensions."""


def _unpack(store: GraphStore, namespace: str, name: str) -> dict[str, np.ndarray] | None:
    """A blob's arrays, or ``None`` when it is missing; a damaged or altered one is refused."""
    blob = store.get_blob(namespace, name)
    if blob is None:
        return None
    try:
        arrays = load_arrays(blob[0])
    except (SafetensorError, ValueError) as err:
        raise StoreCorruptError(f"{name}: expected safetensors arrays, {err}") from err
    check_digest(name, blob[0], arrays)
    expected = _SHAPES[name]
    if {k: arrays[k].ndim for k in expected if k in arrays} != expected:
        raise StoreCorruptError(f"{name}: expected the arrays {expected} (name: dimensions)")
    if name == EMBEDDINGS_BLOB and len(arrays["seqs"]) != len(arrays["h"]):
        raise StoreCorruptError(f"{name}: expected one embedding per experience key")
    return arrays


def approaches(row: AbstractionRow) -> int:
    """Number of approaches of an abstraction."""
    return len(row.data["approaches"])


def by_abstraction(stats: list[ApproachStats]) -> dict[str, dict[int, tuple[float, float]]]:
    """Live statistics as abstraction id -> approach -> ``(successes, failures)``."""
    by: dict[str, dict[int, tuple[float, float]]] = {}
    for st in stats:
        by.setdefault(st.abstraction_id, {})[st.approach] = (st.successes, st.failures)
    return by


def _fits(mapping: np.ndarray, centroids: np.ndarray, dim: int | None) -> bool:
    d = mapping.shape[1]
    return mapping.shape == (d + 1, d) and centroids.shape[1] == d and dim in (None, d)


@dataclass
class LessonState:
    """A namespace's abstractions, their prototype index, and the GNN with its embeddings."""

    rows: list[AbstractionRow]
    model: ExperienceGNN | None
    config: AbstractionConfig
    seqs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    embeddings: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    mapping: np.ndarray | None = None
    centroids: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.by_id = {row.id: i for i, row in enumerate(self.rows)}
        self.fine = [i for i, row in enumerate(self.rows)
                     if row.level == 0 and not row.data.get("retired")]  # fmt: skip
        self.index: faiss.IndexFlatIP | None = None
        if self.fine:
            protos = np.stack([self.rows[i].vectors[0] for i in self.fine]).astype(np.float32)
            self.index = faiss.IndexFlatIP(protos.shape[1])
            self.index.add(protos)

    @classmethod
    def load(cls, store: GraphStore, namespace: str, config: AbstractionConfig) -> LessonState:
        """The state kept in the store (no abstractions and no model before a consolidation).

        The learned blobs are derived state: one that cannot be read (damaged or altered, see
        :mod:`absmem.blobs`) is left out with a warning naming it, and the namespace serves
        without it (the GNN with its embeddings, or the approach map) until the next
        consolidation writes it afresh. Nothing in a blob is ever unpickled.
        """
        rows = store.abstractions(namespace)
        dim = rows[0].vectors.shape[1] if rows else None  # the embedder's, when known
        model, seqs, h = None, np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        try:
            blob = store.get_blob(namespace, GNN_BLOB)
            if blob is not None:
                model, _ = load_model(blob[0])
                packed = _unpack(store, namespace, EMBEDDINGS_BLOB)
                if packed is not None:
                    seqs, h = packed["seqs"], packed["h"]
                if dim not in (None, model.dim) or (len(h) and h.shape[1] != model.config.hidden):
                    raise StoreCorruptError(
                        f"{GNN_BLOB}: expected a model of this store's dimension and its embeddings"
                    )
        except StoreCorruptError as err:
            logger.warning("namespace %r: serving without the GNN until the next "
                           "consolidation retrains it: %s", namespace, err)  # fmt: skip
            model, seqs, h = None, np.zeros(0, dtype=np.int64), np.zeros((0, 0), np.float32)
        try:
            approach = _unpack(store, namespace, APPROACHES_BLOB) or {}
            if approach and not _fits(approach["map"], approach["centroids"], dim):
                raise StoreCorruptError(
                    f"{APPROACHES_BLOB}: expected a (d + 1, d) map and centroids of width d"
                )
        except StoreCorruptError as err:
            logger.warning("namespace %r: serving without the approach map until the next "
                           "consolidation learns it: %s", namespace, err)  # fmt: skip
            approach = {}
        return cls(rows, model, config, seqs, h, approach.get("map"), approach.get("centroids"))

    # -- lookup -------------------------------------------------------------------------------

    def nearest(self, vectors: np.ndarray, k: int) -> list[tuple[int, float]]:
        """``(row, cosine)`` of the ``k`` specific abstractions nearest to one query vector."""
        if self.index is None or k <= 0:
            return []
        scores, found = self.index.search(np.ascontiguousarray(vectors[:1], dtype=np.float32),
                                          min(k, len(self.fine)))  # fmt: skip
        return [(self.fine[int(j)], float(s)) for j, s in zip(found[0], scores[0], strict=True)
                if j >= 0]  # fmt: skip

    def embedded(self, seqs: np.ndarray) -> np.ndarray:
        """Row of each key in the embeddings, or -1."""
        if not len(self.seqs):
            return np.full(len(seqs), -1, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.seqs, seqs), 0, len(self.seqs) - 1)
        return np.where(self.seqs[pos] == seqs, pos, -1)

    @torch.no_grad()
    def predict(
        self, query: np.ndarray, seqs: np.ndarray, similarity: np.ndarray, responses: np.ndarray
    ) -> np.ndarray | None:
        """GNN-predicted success of each response for the query (``None`` without a model).

        The query joins the graph through its FAISS neighbours ``seqs`` (with ``similarity``):
        its situation is encoded from their embeddings, then the reward head reads each
        response in that situation.
        """
        if self.model is None or not len(responses):
            return None
        rows = self.embedded(seqs)
        keep = np.flatnonzero(rows >= 0)[: self.model.config.neighbours]
        h = torch.from_numpy(self.embeddings[rows[keep]]).unsqueeze(0)
        sim = torch.from_numpy(similarity[keep].astype(np.float32)).unsqueeze(0)
        s = self.model.situation(torch.from_numpy(query[:1].astype(np.float32)), h, sim)
        logits = self.model.reward_logit(
            s.expand(len(responses), -1), torch.from_numpy(responses.astype(np.float32))
        )
        return torch.sigmoid(logits).numpy()

    def exemplar_vector(self, node: str, approach: int) -> np.ndarray:
        """The response vector of an approach's exemplar (its centroid when none is quoted)."""
        row = self.rows[self.by_id[node]]
        vector: np.ndarray = row.vectors[2 + approaches(row) + approach]
        return vector

    # -- online assignment --------------------------------------------------------------------

    def assign(
        self, experience_id: str, context: np.ndarray, response: np.ndarray, text: str
    ) -> tuple[list[MembershipRow], AbstractionRow | None]:
        """Join a new experience to its nearest specific abstraction, if one is near enough.

        Returns the membership and, when the response opened a new approach, the changed row
        (the caller persists it).
        """
        found = self.nearest(context.reshape(1, -1), 1)
        if not found or found[0][1] < self.config.assign_threshold:
            return [], None
        i = found[0][0]
        row = self.rows[i]
        glob = self._approach(context, response)
        specs = row.data["approaches"]
        for a, spec in enumerate(specs):
            if spec.get("global") == glob:
                return [MembershipRow(row.id, experience_id, a)], None
        k = len(specs)
        data = json.loads(json.dumps(row.data))
        data["approaches"].append({"exemplar": text, "exemplar_id": experience_id, "members": 1,
                                   "parent": None, "global": glob})  # fmt: skip
        centroid = self.centroids[glob] if self.centroids is not None else response
        vectors = np.vstack([row.vectors[: 2 + k], centroid, row.vectors[2 + k :], response])
        changed = replace(row, data=data, vectors=vectors.astype(np.float32))
        self.rows[i] = changed
        return [MembershipRow(row.id, experience_id, k)], changed

    def approach_of(self, context: np.ndarray, response: np.ndarray) -> int | None:
        """The known global approach a response takes in its context, or ``None``."""
        if self.mapping is None or self.centroids is None or not len(self.centroids):
            return None
        direction = approach_directions(context.reshape(1, -1), response.reshape(1, -1),
                                        self.mapping)[0]  # fmt: skip
        sims = self.centroids @ direction
        best = int(np.argmax(sims))
        return best if float(sims[best]) >= self.config.approach_threshold else None

    def global_approach(self, node: str, approach: int) -> int | None:
        """The global approach behind approach ``approach`` of lesson ``node``."""
        specs = self.rows[self.by_id[node]].data["approaches"]
        glob = specs[approach].get("global") if 0 <= approach < len(specs) else None
        return int(glob) if glob is not None else None

    def _approach(self, context: np.ndarray, response: np.ndarray) -> int:
        """The global approach of a response (a new one when it is unlike every known one)."""
        known = self.approach_of(context, response)
        if known is not None:
            return known
        if self.mapping is None or self.centroids is None:
            self.mapping = np.zeros((len(context) + 1, len(context)), dtype=np.float32)
            self.centroids = np.zeros((0, len(context)), dtype=np.float32)
        direction = approach_directions(context.reshape(1, -1), response.reshape(1, -1),
                                        self.mapping)[0]  # fmt: skip
        self.centroids = np.vstack([self.centroids, direction]).astype(np.float32)
        return len(self.centroids) - 1

    # -- advice and rendering -----------------------------------------------------------------

    def advice(self, by: dict[str, dict[int, tuple[float, float]]]) -> dict[str, Advice]:
        """Advice of every abstraction in ``by`` (:func:`by_abstraction` of the live
        statistics; broad ones shrink specific ones)."""
        out: dict[str, Advice] = {}
        c = self.config
        for node in sorted(by, key=lambda a: -self.rows[self.by_id[a]].level):
            row = self.rows[self.by_id[node]]
            prior = None
            parent = out.get(row.parent_id) if row.parent_id else None
            if parent is not None:
                prior = {
                    a: parent.means[p]
                    for a, spec in enumerate(row.data["approaches"])
                    if (p := spec.get("parent")) is not None and p in parent.means
                }
            out[node] = advise(by[node], prior, strength=c.prior_strength, margin=c.margin,
                               min_evidence=c.min_evidence)  # fmt: skip
        return out

    def local_advice(
        self, node: str, base: Advice, close: Sequence[CandidateStats],
        members: dict[str, list[tuple[str, int]]],
    ) -> Advice:  # fmt: skip
        """A lesson's advice for one query: its neighbours' outcomes by approach, shrunk
        toward the lesson's own rates."""
        row = self.rows[self.by_id[node]]
        local_of = {spec.get("global"): a for a, spec in enumerate(row.data["approaches"])}
        evidence: dict[int, tuple[float, float]] = {}
        for c in close:
            for owner, approach in members.get(c.id, []):
                owner_row = self.rows[self.by_id[owner]] if owner in self.by_id else None
                if owner_row is None or owner_row.level != 0:
                    continue
                specs = owner_row.data["approaches"]
                glob = specs[approach].get("global") if approach < len(specs) else None
                if glob in local_of:
                    a = local_of[glob]
                    s, f = evidence.get(a, (0.0, 0.0))
                    evidence[a] = (s + c.outcome.alpha - 1.0, f + c.outcome.beta - 1.0)
                break
        if not evidence:
            return base
        conf = self.config
        prior = {a: base.means.get(a, 0.5) for a in set(evidence) | set(base.means)}
        local = advise(evidence, prior, strength=conf.prior_strength, margin=conf.margin)
        keep = {a for a in evidence if sum(evidence[a]) >= 1.0}
        if base.advice is not None:
            keep.add(base.advice)
        best = max(keep, key=lambda a: (local.means.get(a, 0.0), -a), default=None)
        advice = best if best is not None and local.means.get(best, 0.0) >= 0.5 + conf.margin \
            else None  # fmt: skip
        avoid = local.avoid if local.avoid != advice else None
        return Advice(advice=advice, avoid=avoid, means=local.means)

    def render(
        self, node: str, advice: Advice, stats: dict[int, tuple[float, float]], score: float,
        propensity: float, rank: int, similarity: float,
    ) -> MemoryItem:  # fmt: skip
        """One lesson as a served :class:`MemoryItem`."""
        row = self.rows[self.by_id[node]]
        specs = row.data["approaches"]
        text = row.lesson
        if (
            advice.advice != row.data.get("advice")
            or advice.avoid != row.data.get("avoid")
            or not text
        ):
            text = TemplateLessonWriter().write([self.draft(row, advice, stats)])[0]
        total = Outcome.pool(
            Outcome(alpha=1.0 + s, beta=1.0 + f, n=s + f) for s, f in stats.values()
        )
        utility = advice.means.get(advice.advice, total.mean) if advice.advice is not None \
            else total.mean  # fmt: skip

        def exemplar(i: int | None) -> str | None:
            return specs[i]["exemplar"] if i is not None and i < len(specs) else None

        return MemoryItem(
            id=row.id, kind="lesson", text=text, score=score, propensity=propensity, rank=rank,
            similarity=similarity, advice=exemplar(advice.advice), avoid=exemplar(advice.avoid),
            support=total.n, utility=utility,
        )  # fmt: skip

    def draft(
        self, row: AbstractionRow, advice: Advice, stats: dict[int, tuple[float, float]]
    ) -> LessonDraft:
        """What a lesson says under the live statistics."""
        specs = row.data["approaches"]
        summaries = tuple(
            ApproachSummary(spec["exemplar"], *stats.get(a, (0.0, 0.0)), int(spec["members"]))
            for a, spec in enumerate(specs)
        )
        valid = range(len(specs))
        return LessonDraft(row.id, row.level, row.situation, bool(row.data.get("quoted")),
                           row.support, summaries,
                           advice.advice if advice.advice in valid else None,
                           advice.avoid if advice.avoid in valid else None)  # fmt: skip

"""Abstractions: patterns learned from the GNN's situation encodings, with their approaches.

:func:`learn` clusters experiences at two levels: specific patterns (k-means over the context
vector joined with the GNN situation encoding, so that situations where the same responses
work fall together) and broader ones (k-means over the specific patterns' centroids, linked by
``refines``). In each specific pattern the responses are centred on their mean (what the
situation adds to every response cancels) and grouped by average-linkage clustering into
*approaches*; a broad pattern groups its children's approaches the same way. Ids stay stable
across consolidations: a new cluster takes the id of the old one whose members it mostly holds.

Statistics are never frozen here: an approach's successes and failures are pooled live from
its members' credit-backed outcomes (:meth:`~absmem.store.GraphStore.approach_stats`), and
:func:`advise` turns them into advice, shrinking a specific pattern's approaches toward the
broader pattern's (a hierarchical Beta prior), so a lesson transfers where evidence is thin.

Privacy: a lesson quotes a user's request only when at least ``min_quote_users`` distinct
contributors (user ids; an experience without one counts by its session, else by itself)
produced the pattern; otherwise the situation is described by words that many contributors
used. Exemplars are the agent's own responses.

Example:
    >>> from absmem.abstraction import advise
    >>> advise({0: (1.0, 4.0), 1: (5.0, 1.0)}, prior={0: 0.5, 1: 0.5}).advice
    1
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import faiss
import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from .embed.base import normalise
from .ids import new_id
from .lessons import ApproachSummary, LessonDraft, LessonWriter
from .store.base import AbstractionRow, GraphSnapshot, MembershipRow

__all__ = [
    "AbstractionConfig",
    "Advice",
    "Learned",
    "advise",
    "approach_directions",
    "approach_map",
    "contributors",
    "learn",
]


@dataclass(frozen=True)
class AbstractionConfig:
    """How abstractions are learned.

    Attributes:
        fine_size: target members of a specific pattern (sets the number of clusters).
        branch: specific patterns per broad pattern.
        min_support: smallest cluster kept as an abstraction.
        gnn_weight: weight of the GNN situation encoding beside the context vector (0: contexts
            only).
        approach_threshold: average residual cosine above which responses are one approach.
        approach_sample: responses the approach clustering is fitted on (the rest join their
            nearest approach).
        assign_threshold: cosine to a prototype for a new experience to join it online.
        min_quote_users: distinct contributors before a lesson may quote a request.
        prior_strength: pseudo-observations the broad pattern's rate counts for in advice.
        min_evidence: own feedback an approach needs before a lesson advises it.
        local_k: nearest experiences whose outcomes the nearest lesson weighs at recall.
        margin: an approach is advised above ``0.5 + margin``, avoided below ``0.5 - margin``.
        split_gap: a specific pattern is split in two (2-means of its situations) when one
            approach's success rate differs by at least this much between the halves, each
            half holding ``min_evidence`` feedback on it: a pattern that mixes outcomes hides
            two situations (``1`` or more: never split).
        discount: weight each rated member's feedback keeps per newer rated member of the same
            abstraction past the newest ``discount_window`` (1: all count alike; 0.98 halves
            it 35 members later), so advice follows a change of what works.
        discount_window: newest rated members of an abstraction whose feedback counts fully.
        seed: seeds k-means.
    """

    fine_size: int = 8
    branch: int = 6
    min_support: int = 3
    gnn_weight: float = 0.5
    approach_threshold: float = 0.2
    assign_threshold: float = 0.5
    approach_sample: int = 2000
    min_quote_users: int = 3
    prior_strength: float = 1.0
    min_evidence: float = 2.0
    local_k: int = 5
    margin: float = 0.1
    split_gap: float = 0.4
    discount: float = 0.98
    discount_window: int = 10
    seed: int = 0


@dataclass(frozen=True)
class Advice:
    """What an abstraction's live statistics say: the approach to take, the one to avoid."""

    advice: int | None
    avoid: int | None
    means: dict[int, float] = field(default_factory=dict)


@dataclass
class Learned:
    """The abstractions and memberships one consolidation learned, and what changed."""

    rows: list[AbstractionRow]
    memberships: list[MembershipRow]
    mapping: np.ndarray | None = None
    centroids: np.ndarray | None = None
    kept: int = 0
    new: int = 0
    retired: list[str] = field(default_factory=list)


def contributors(users: Sequence[str | None], sessions: Sequence[str | None],
                 ids: Sequence[str]) -> list[str]:  # fmt: skip
    """Who produced each experience: its user, else its session, else the experience itself."""
    return [u if u is not None else (f"s:{s}" if s is not None else f"e:{i}")
            for u, s, i in zip(users, sessions, ids, strict=True)]  # fmt: skip


def advise(
    stats: dict[int, tuple[float, float]],
    prior: dict[int, float] | None = None,
    *,
    strength: float = 2.0,
    margin: float = 0.1,
    min_evidence: float = 0.0,
) -> Advice:
    """Advice from per-approach ``(successes, failures)``, shrunk toward ``prior`` rates.

    An approach is advised only with at least ``min_evidence`` feedback of its own here.
    """
    prior = prior or {}
    means: dict[int, float] = {}
    for approach in set(stats) | set(prior):
        s, f = stats.get(approach, (0.0, 0.0))
        m = prior.get(approach, 0.5)
        if s + f == 0 and approach not in prior:
            continue
        means[approach] = (s + strength * m) / (s + f + strength)
    rated = {a: v for a, v in means.items() if sum(stats.get(a, (0.0, 0.0))) > 0 or a in prior}
    backed = {a: v for a, v in rated.items() if sum(stats.get(a, (0.0, 0.0))) >= min_evidence}
    best = max(backed, key=lambda a: (backed[a], -a), default=None)
    worst = min(rated, key=lambda a: (rated[a], a), default=None)
    return Advice(
        advice=best if best is not None and backed[best] >= 0.5 + margin else None,
        avoid=worst if worst is not None and worst != best and rated[worst] <= 0.5 - margin
        else None,
        means=means,
    )  # fmt: skip


def _kmeans(x: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Spherical k-means labels of the rows of ``x``."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    k = max(1, min(k, len(x)))
    if k == 1:
        return np.zeros(len(x), dtype=np.int64)
    km = faiss.Kmeans(x.shape[1], k, niter=20, seed=seed, spherical=True, min_points_per_centroid=1,
                      max_points_per_centroid=256)  # fmt: skip
    km.train(x)
    _, labels = km.index.search(x, 1)
    out: np.ndarray = labels[:, 0].astype(np.int64)
    return out


def _group(vectors: np.ndarray, threshold: float, cap: int = 400) -> np.ndarray:
    """Average-linkage groups of normalised rows; rows past ``cap`` join their nearest group."""
    n = len(vectors)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    head = vectors[:cap].astype(np.float64)
    norms = np.linalg.norm(head, axis=1)
    zero = norms < 1e-9  # a response its context fully explains: one group of their own
    unit = head / np.where(zero, 1.0, norms)[:, None]
    sims = unit @ unit.T
    sims[np.ix_(zero, zero)] = 1.0
    np.fill_diagonal(sims, 1.0)
    tree = linkage(squareform(np.clip(1.0 - sims, 0.0, 2.0), checks=False), "average")
    labels: np.ndarray = np.asarray(fcluster(tree, 1.0 - threshold, "distance"), np.int64) - 1
    if n > cap:
        centroids = normalise(
            np.stack([head[labels == g].mean(0) for g in range(labels.max() + 1)])
        )
        labels = np.concatenate([labels, np.argmax(vectors[cap:] @ centroids.T, axis=1)])
    return labels


_WORD = re.compile(r"[a-z0-9][a-z0-9']{2,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "your",
        "with",
        "this",
        "that",
        "what",
        "how",
        "can",
        "are",
        "was",
        "have",
        "from",
        "please",
        "would",
        "could",
        "should",
        "about",
        "into",
        "there",
        "their",
        "then",
        "than",
        "when",
        "where",
        "which",
        "who",
        "will",
        "just",
        "need",
        "want",
    ]
)


def _situation(
    texts: list[str], who: list[str], centre: np.ndarray, contexts: np.ndarray, min_users: int
) -> tuple[str, bool]:
    """A quoted request when enough contributors share the pattern, else shared words."""
    live = [i for i, t in enumerate(texts) if t]
    if len(set(who)) >= min_users and live:
        best = live[int(np.argmax(contexts[live] @ centre))]
        return texts[best], True
    users_of: dict[str, set[str]] = {}
    for i in live:
        for word in set(_WORD.findall(texts[i].lower())) - _STOP:
            users_of.setdefault(word, set()).add(who[i])
    shared = Counter({w: len(u) for w, u in users_of.items() if len(u) >= min_users})
    words = [w for w, _ in shared.most_common(5)]
    return (", ".join(words) if words else f"{len(texts)} similar requests"), False


@dataclass(eq=False)
class _Cluster:
    level: int
    members: np.ndarray
    approaches: np.ndarray
    centroids: np.ndarray
    children: list[int] = field(default_factory=list)
    child_map: dict[tuple[int, int], int] = field(default_factory=dict)
    parent: int | None = None
    globals_: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def approach_map(contexts: np.ndarray, responses: np.ndarray, ridge: float = 1.0) -> np.ndarray:
    """Affine ridge map from a context to the response expected in it, whatever the approach.

    What a response says beyond :func:`expected` is its approach: the situation's share of the
    response (its topic, names, the words it echoes) and what every response shares are
    predicted and removed. Shape ``(dim + 1, dim)``: the weights, then the intercept.
    """
    x = np.asarray(contexts, dtype=np.float64)
    y = np.asarray(responses, dtype=np.float64)
    x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
    xc, yc = x - x_mean, y - y_mean
    weights = np.linalg.solve(xc.T @ xc + ridge * np.eye(x.shape[1]), xc.T @ yc)
    return np.vstack([weights, y_mean - x_mean @ weights]).astype(np.float32)


def approach_directions(
    contexts: np.ndarray, responses: np.ndarray, mapping: np.ndarray
) -> np.ndarray:
    """Normalised residuals of responses beyond what their contexts predict (approaches)."""
    expected = np.asarray(contexts, np.float32) @ mapping[:-1] + mapping[-1]
    return normalise(np.asarray(responses, np.float32) - expected)


def _local(cluster_members: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The global approaches present among members, and each member's local approach index."""
    present, local = np.unique(labels[cluster_members], return_inverse=True)
    return present.astype(np.int64), local.astype(np.int64)


def _fine(
    snap: GraphSnapshot, z: np.ndarray, labels: np.ndarray, centroids: np.ndarray,
    config: AbstractionConfig,
) -> list[_Cluster]:  # fmt: skip
    k = max(1, len(snap) // config.fine_size)
    situation = _kmeans(z, k, config.seed)
    clusters = []
    groups = [np.flatnonzero(situation == c) for c in range(int(situation.max()) + 1)]
    groups = [part for members in groups for part in _split(members, snap, z, labels, config)]
    for members in groups:
        if len(members) < config.min_support:
            continue
        present, local = _local(members, labels)
        clusters.append(_Cluster(0, members, local, centroids[present], globals_=present))
    return clusters


def _split(
    members: np.ndarray, snap: GraphSnapshot, z: np.ndarray, labels: np.ndarray,
    config: AbstractionConfig,
) -> list[np.ndarray]:  # fmt: skip
    """The cluster, or its two 2-means halves when they disagree on what works (``split_gap``)."""
    if config.split_gap >= 1.0 or len(members) < 2 * config.min_support:
        return [members]
    halves = _kmeans(z[members], 2, config.seed + 2)
    parts = [members[halves == h] for h in (0, 1)]
    if min(len(p) for p in parts) < config.min_support:
        return [members]
    rates = []
    for part in parts:
        s = np.bincount(labels[part], snap.outcome[part, 0] - 1.0, minlength=labels.max() + 1)
        f = np.bincount(labels[part], snap.outcome[part, 1] - 1.0, minlength=labels.max() + 1)
        rates.append(np.where(s + f >= config.min_evidence, (s + 1.0) / (s + f + 2.0), np.nan))
    gap = np.nan_to_num(np.abs(rates[0] - rates[1]), nan=0.0)
    return parts if float(gap.max(initial=0.0)) >= config.split_gap else [members]


def _broad(
    fine: list[_Cluster], snap: GraphSnapshot, labels: np.ndarray, centroids: np.ndarray,
    config: AbstractionConfig,
) -> list[_Cluster]:  # fmt: skip
    if len(fine) < 2:
        return []
    protos = normalise(np.stack([snap.contexts[c.members].mean(0) for c in fine]))
    groups = _kmeans(protos, max(1, len(fine) // config.branch), config.seed + 1)
    broad: list[_Cluster] = []
    for g in range(int(groups.max()) + 1):
        kids = np.flatnonzero(groups == g).tolist()
        if len(kids) < 2:
            continue
        members = np.concatenate([fine[i].members for i in kids])
        present, local = _local(members, labels)
        position = {int(p): j for j, p in enumerate(present)}
        child_map = {(i, a): position[int(glob)] for i in kids
                     for a, glob in enumerate(fine[i].globals_)}  # fmt: skip
        for i in kids:
            fine[i].parent = len(broad)
        broad.append(_Cluster(1, members, local, centroids[present], kids, child_map,
                              globals_=present))  # fmt: skip
    return broad


def _match(
    clusters: list[_Cluster], level: int, snap: GraphSnapshot, row_of: dict[str, int]
) -> list[str | None]:
    """The old id each new cluster inherits (most shared members, Jaccard at least 0.3)."""
    old_level = {a.id for a in snap.abstractions if a.level == level}
    old_members: dict[str, set[int]] = {}
    for m in snap.memberships:
        if m.abstraction_id in old_level and m.experience_id in row_of:
            old_members.setdefault(m.abstraction_id, set()).add(row_of[m.experience_id])
    owner = {row: old for old, rows in old_members.items() for row in rows}
    pairs = []
    for c, cluster in enumerate(clusters):
        counts = Counter(owner[r] for r in cluster.members.tolist() if r in owner)
        for old, shared in counts.items():
            union = len(cluster.members) + len(old_members[old]) - shared
            pairs.append((shared / union, c, old))
    taken: dict[int, str] = {}
    used: set[str] = set()
    for score, c, old in sorted(pairs, reverse=True):
        if score >= 0.3 and c not in taken and old not in used:
            taken[c] = old
            used.add(old)
    return [taken.get(c) for c in range(len(clusters))]


def _stats(snap: GraphSnapshot, rows: np.ndarray) -> tuple[float, float]:
    return float((snap.outcome[rows, 0] - 1.0).sum()), float((snap.outcome[rows, 1] - 1.0).sum())


def _exemplar(
    snap: GraphSnapshot, rows: np.ndarray, res: np.ndarray, centroid: np.ndarray
) -> int | None:
    live = rows[~snap.compacted[rows]]
    return int(live[np.argmax(res[live] @ centroid)]) if len(live) else None


def _row(
    cluster: _Cluster, snap: GraphSnapshot, res: np.ndarray, who: list[str], node_id: str,
    created: float, advice: Advice, config: AbstractionConfig,
    carried: dict[str, tuple[str, np.ndarray]], stats: dict[int, tuple[float, float]],
) -> tuple[AbstractionRow, LessonDraft]:  # fmt: skip
    rows = cluster.members
    proto = normalise(snap.contexts[rows].mean(0, keepdims=True))[0]
    mean_resp = snap.responses[rows].mean(0)
    approaches, summaries, exemplar_vecs = [], [], []
    for a, centroid in enumerate(cluster.centroids):
        used = rows[cluster.approaches == a]
        pick = _exemplar(snap, used, res, centroid) if len(used) else None
        s, f = stats[a]
        text = snap.responses_text[pick] if pick is not None else None
        exemplar_id = snap.ids[pick] if pick is not None else None
        vector = snap.responses[pick] if pick is not None else centroid
        if pick is None:  # every member lost its text: keep the lesson's own copy of one
            kept = next((snap.ids[r] for r in used.tolist() if snap.ids[r] in carried), None)
            if kept is not None:
                (text, vector), exemplar_id = carried[kept], kept
        approaches.append({"exemplar": text, "exemplar_id": exemplar_id, "members": len(used),
                           "global": int(cluster.globals_[a])})  # fmt: skip
        summaries.append(ApproachSummary(text, s, f, len(used)))
        exemplar_vecs.append(vector)
    users = [who[r] for r in rows.tolist()]
    texts = [snap.contexts_text[r] for r in rows.tolist()]
    situation, quoted = _situation(texts, users, proto, snap.contexts[rows], config.min_quote_users)
    data = {
        "approaches": approaches, "advice": advice.advice, "avoid": advice.avoid,
        "quoted": quoted, "contributors": len(set(users)),
        "children_map": {f"{i}:{a}": g for (i, a), g in cluster.child_map.items()},
    }  # fmt: skip
    vectors = np.vstack([proto, mean_resp, cluster.centroids, np.stack(exemplar_vecs)])
    now = time.time()
    row = AbstractionRow(node_id, snap.namespace, cluster.level, None, len(rows), situation, "",
                         data, vectors.astype(np.float32), created, now)  # fmt: skip
    draft = LessonDraft(node_id, cluster.level, situation, quoted, len(rows), tuple(summaries),
                        advice.advice, advice.avoid)  # fmt: skip
    return row, draft


def learn(
    snap: GraphSnapshot,
    situations: np.ndarray | None,
    writer: LessonWriter,
    config: AbstractionConfig,
) -> Learned:
    """Learn the namespace's abstractions from a snapshot and the GNN's situation encodings."""
    if len(snap) < max(config.min_support, 2):
        return Learned([], [], retired=[a.id for a in snap.abstractions])
    z = snap.contexts.astype(np.float32)
    if situations is not None and config.gnn_weight > 0:
        z = np.concatenate([z, config.gnn_weight * normalise(situations)], axis=1)
    mapping = approach_map(snap.contexts, snap.responses)
    res = approach_directions(snap.contexts, snap.responses, mapping)
    labels = _group(res, config.approach_threshold, cap=config.approach_sample)
    centroids = normalise(
        np.stack([res[labels == a].mean(0) for a in range(int(labels.max()) + 1)])
    )
    fine = _fine(snap, normalise(z), labels, centroids, config)
    out = Learned([], [], mapping=mapping, centroids=centroids)
    broad = _broad(fine, snap, labels, centroids, config)
    row_of = {node: i for i, node in enumerate(snap.ids)}
    who = contributors(snap.users, snap.sessions, snap.ids)
    created = {a.id: a.created_at for a in snap.abstractions}
    carried = _exemplars(snap)
    broad_ids: list[str] = []
    broad_means: list[dict[int, float]] = []
    for level, clusters in ((1, broad), (0, fine)):
        inherited = _match(clusters, level, snap, row_of)
        rows, drafts = [], []
        for c, cluster in enumerate(clusters):
            node_id = inherited[c] or new_id("abs")
            out.kept, out.new = (
                out.kept + (inherited[c] is not None),
                out.new + (inherited[c] is None),
            )
            stats = {a: _stats(snap, cluster.members[cluster.approaches == a])
                     for a in range(len(cluster.centroids))}  # fmt: skip
            prior = None
            if level == 0 and cluster.parent is not None:
                parent = broad[cluster.parent]
                means = broad_means[cluster.parent]
                prior = {
                    a: means[g] for (i, a), g in parent.child_map.items() if i == c and g in means
                }
            advice = advise(stats, prior, strength=config.prior_strength, margin=config.margin,
                            min_evidence=config.min_evidence)  # fmt: skip
            if level == 1:
                broad_ids.append(node_id)
                broad_means.append(advice.means)
            row, draft = _row(cluster, snap, res, who, node_id, created.get(node_id, time.time()),
                              advice, config, carried, stats)  # fmt: skip
            if level == 0 and cluster.parent is not None:
                row = _with_parent(row, broad_ids[cluster.parent], broad[cluster.parent], c)
            rows.append(row)
            drafts.append(draft)
            pairs = zip(cluster.members.tolist(), cluster.approaches.tolist(), strict=True)
            out.memberships += [MembershipRow(node_id, snap.ids[r], int(a)) for r, a in pairs]
        out.rows += _write(rows, drafts, writer, {a.id: a for a in snap.abstractions})
    alive = {row.id for row in out.rows}
    out.retired = [a.id for a in snap.abstractions if a.id not in alive]
    return out


def _exemplars(snap: GraphSnapshot) -> dict[str, tuple[str, np.ndarray]]:
    """The exemplars the old lessons hold, by the experience they were taken from.

    A compacted episode has lost its text, but the lesson that quoted it keeps its copy: the
    specifics fade, the lesson stays. An erased experience is gone from the snapshot, so its
    exemplar is never carried over.
    """
    out: dict[str, tuple[str, np.ndarray]] = {}
    for row in snap.abstractions:
        specs = row.data.get("approaches", [])
        for i, spec in enumerate(specs):
            if spec.get("exemplar_id") and spec.get("exemplar"):
                out[spec["exemplar_id"]] = (spec["exemplar"], row.vectors[2 + len(specs) + i])
    return out


def _write(
    rows: list[AbstractionRow],
    drafts: list[LessonDraft],
    writer: LessonWriter,
    old: dict[str, AbstractionRow],
) -> list[AbstractionRow]:
    """Put each draft in words; a lesson whose draft did not change keeps its text (the writer,
    an LLM perhaps, is only asked for the lessons that changed)."""
    keys = [hashlib.sha256(repr(draft).encode()).hexdigest()[:16] for draft in drafts]
    todo = [i for i, (row, key) in enumerate(zip(rows, keys, strict=True))
            if row.id not in old or old[row.id].data.get("draft") != key
            or not old[row.id].lesson]  # fmt: skip
    written = dict(zip(todo, writer.write([drafts[i] for i in todo]), strict=True))
    out = []
    for i, (row, key) in enumerate(zip(rows, keys, strict=True)):
        lesson = written[i] if i in written else old[row.id].lesson
        out.append(replace(row, lesson=lesson, data=dict(row.data, draft=key)))
    return out


def _with_parent(
    row: AbstractionRow, parent_id: str, parent: _Cluster, child: int
) -> AbstractionRow:
    data = dict(row.data)
    for a, approach in enumerate(data["approaches"]):
        approach["parent"] = parent.child_map.get((child, a))
    return replace(row, parent_id=parent_id, data=data)

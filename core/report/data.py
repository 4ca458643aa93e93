"""What the memory report shows, read from a store through the :class:`GraphStore` protocol.

The report needs no embedding, so it reads the store directly (no embedder, no index, no
``check_embedder``): the experiences' light statistics (``keys`` and ``candidate_stats``), the
abstractions, their memberships and the live per-approach outcome statistics. Lessons are
rendered the way recall serves them (:meth:`absmem.lesson_state.LessonState.render`), so the
table shows the same utility, advice and avoid an agent would be given.

Feedback over time (the learning curve, feedback per week) comes from the feedback ledger
(:meth:`GraphStore.feedback_log`), dated by its arrival; the per-experience outcome statistics
give what each interaction's feedback added up to.

Example:
    >>> import tempfile, os
    >>> from absmem.store import SQLiteStore
    >>> from absmem.report.data import read_report_data
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = SQLiteStore(os.path.join(d, "absmem.db"))
    ...     data = read_report_data(store, "default")
    ...     store.close()
    >>> data.experiences, data.lessons, data.rated_count, len(data.feedback_at)
    (0, [], 0, 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..abstraction import AbstractionConfig, Advice
from ..lesson_state import LessonState, by_abstraction
from ..store.base import AbstractionRow, GraphStore

__all__ = ["LessonEdge", "LessonRow", "ReportData", "lesson_edges", "read_report_data"]

BATCH = 5000
"""Experiences read per store call."""


@dataclass(frozen=True)
class LessonRow:
    """One abstraction as the report shows it.

    Attributes:
        number: 1-based label shared by the lessons table and the graph picture.
        level: 0 for a specific lesson, 1 for a broad one.
        support: member experiences when the abstraction was learned.
        feedback: feedback weight behind the lesson's live statistics.
        utility: posterior chance the lesson leads to success (what recall serves).
        advice: the response that worked, when the statistics back one.
        avoid: the response that failed, when the statistics show one.
        retired: no longer served (its usage showed it does not pay).
    """

    number: int
    id: str
    level: int
    parent_id: str | None
    lesson: str
    support: int
    feedback: float
    utility: float
    advice: str | None
    avoid: str | None
    retired: bool


@dataclass(frozen=True)
class LessonEdge:
    """A link between two lessons: ``refines`` (specific -> broad) or ``shared`` members."""

    src: str
    dst: str
    kind: str
    weight: int = 1


@dataclass
class ReportData:
    """A namespace's history as plain arrays, in experience creation order.

    ``successes`` and ``failures`` are each experience's feedback mass (a reward ``r`` of
    weight ``w`` adds ``w (1 + r) / 2`` to the first and the rest of ``w`` to the second), so
    ``successes + failures`` is its feedback count and ``(s - f) / (s + f)`` its mean reward.
    ``feedback_at`` and ``feedback_reward`` are every feedback of the namespace (on recalls,
    experiences and sessions) in arrival order: when it came and its reward.
    """

    namespace: str
    created_at: np.ndarray = field(default_factory=lambda: np.zeros(0))
    successes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    failures: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lessons: list[LessonRow] = field(default_factory=list)
    edges: list[LessonEdge] = field(default_factory=list)
    feedback_at: np.ndarray = field(default_factory=lambda: np.zeros(0))
    feedback_reward: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def experiences(self) -> int:
        """Experiences held in the namespace (compacted ones included)."""
        return len(self.created_at)

    @property
    def rated(self) -> np.ndarray:
        """Mask of the experiences that received feedback."""
        return np.asarray((self.successes + self.failures) > 0)

    @property
    def rated_count(self) -> int:
        """Experiences that received feedback."""
        return int(self.rated.sum())

    @property
    def rewards(self) -> np.ndarray:
        """Mean reward in [-1, 1] of each rated experience (creation order)."""
        s, f = self.successes[self.rated], self.failures[self.rated]
        return np.asarray((s - f) / (s + f))


def read_report_data(store: GraphStore, namespace: str) -> ReportData:
    """Read what the report shows about ``namespace`` (an unknown namespace reads as empty)."""
    keys = [int(k) for k in store.keys(namespace)]
    created, successes, failures, ids = [], [], [], []
    for start in range(0, len(keys), BATCH):
        for c in store.candidate_stats(namespace, keys[start : start + BATCH]):
            ids.append(c.id)
            created.append(c.created_at)
            successes.append(c.outcome.alpha - 1.0)
            failures.append(c.outcome.beta - 1.0)
    order = np.argsort(np.asarray(created, dtype=np.float64), kind="stable")
    rows = store.abstractions(namespace)
    members: dict[str, set[str]] = {row.id: set() for row in rows}
    for start in range(0, len(ids), BATCH):
        found = store.memberships_of(namespace, ids[start : start + BATCH])
        for experience, owners in found.items():
            for owner, _ in owners:
                members.setdefault(owner, set()).add(experience)
    lessons = _lessons(store, namespace, rows)
    # what people gave: a session outcome's shares for its recalls are not feedback of their own
    log = [f for f in store.feedback_log(namespace) if f.target_kind != "session_recall"]
    return ReportData(
        namespace=namespace,
        created_at=np.asarray(created, dtype=np.float64)[order],
        successes=np.asarray(successes, dtype=np.float64)[order],
        failures=np.asarray(failures, dtype=np.float64)[order],
        lessons=lessons,
        edges=lesson_edges(lessons, members),
        feedback_at=np.asarray([f.created_at for f in log], dtype=np.float64),
        feedback_reward=np.asarray([f.reward for f in log], dtype=np.float64),
    )


def _tree_order(rows: Sequence[AbstractionRow]) -> list[AbstractionRow]:
    """Broad lessons (and parentless ones) by support, each followed by its specific ones."""
    ids = {row.id for row in rows}

    def key(row: AbstractionRow) -> tuple[int, str]:
        return (-row.support, row.id)

    roots = sorted((r for r in rows if r.parent_id not in ids), key=key)
    out: list[AbstractionRow] = []
    for root in roots:
        out.append(root)
        out += sorted((r for r in rows if r.parent_id == root.id), key=key)
    seen = {row.id for row in out}
    return out + sorted((r for r in rows if r.id not in seen), key=key)


def _lessons(store: GraphStore, namespace: str, rows: list[AbstractionRow]) -> list[LessonRow]:
    """Each abstraction rendered as recall serves it (live advice, utility and feedback)."""
    if not rows:
        return []
    config = AbstractionConfig()
    rows = _tree_order(rows)
    state = LessonState(rows, None, config)
    stats = store.approach_stats(namespace, [r.id for r in rows], config.discount,
                                 config.discount_window)  # fmt: skip
    by = by_abstraction(stats)
    for row in rows:
        by.setdefault(row.id, {})
    advice = state.advice(by)
    out = []
    for number, row in enumerate(rows, start=1):
        item = state.render(row.id, advice.get(row.id, Advice(None, None)), by[row.id],
                            0.0, 1.0, 0, 0.0)  # fmt: skip
        out.append(LessonRow(
            number=number, id=row.id, level=row.level, parent_id=row.parent_id,
            lesson=item.text, support=row.support, feedback=item.support, utility=item.utility,
            advice=item.advice, avoid=item.avoid, retired=bool(row.data.get("retired")),
        ))  # fmt: skip
    return out


def lesson_edges(lessons: Sequence[LessonRow], members: dict[str, set[str]]) -> list[LessonEdge]:
    """``refines`` links (specific -> broad) and ``shared`` links between lessons that share
    member experiences and are not already a specific lesson and its broad one.

    Example:
        >>> a = LessonRow(1, "a", 1, None, "broad", 4, 0.0, 0.5, None, None, False)
        >>> b = LessonRow(2, "b", 0, "a", "x", 2, 0.0, 0.5, None, None, False)
        >>> c = LessonRow(3, "c", 0, "a", "y", 2, 0.0, 0.5, None, None, False)
        >>> members = {"a": {"e1", "e2", "e3"}, "b": {"e1", "e2"}, "c": {"e2", "e3"}}
        >>> [(e.src, e.dst, e.kind, e.weight) for e in lesson_edges([a, b, c], members)]
        [('b', 'a', 'refines', 1), ('c', 'a', 'refines', 1), ('b', 'c', 'shared', 1)]
    """
    ids = {lesson.id for lesson in lessons}
    out = [LessonEdge(x.id, x.parent_id, "refines") for x in lessons if x.parent_id in ids]
    linked = {frozenset((e.src, e.dst)) for e in out}
    owners: dict[str, list[str]] = {}
    for lesson in lessons:
        for experience in sorted(members.get(lesson.id, ())):
            owners.setdefault(experience, []).append(lesson.id)
    shared: dict[tuple[str, str], int] = {}
    for held in owners.values():
        for i, first in enumerate(held):
            for second in held[i + 1 :]:
                if frozenset((first, second)) not in linked:
                    shared[(first, second)] = shared.get((first, second), 0) + 1
    return out + [LessonEdge(a, b, "shared", n) for (a, b), n in shared.items()]

"""The recall policy's log in :class:`~absmem.store.PostgresStore`: features and propensities.

The PostgreSQL twin of :mod:`absmem.store.sqlite_policy` (the rows are converted by its
``_to_log``): each recall served by a policy logs every candidate it ranked, their feature rows
and each one's probability of being served first; the policy's refit and off-policy evaluation
read it back joined with the feedback the recall earned, in the ledger's arrival order.

Example:
    >>> from absmem.store import PostgresStore
    >>> store = PostgresStore("host=127.0.0.1 dbname=absmem")  # doctest: +SKIP
    >>> store.policy_history("default", limit=10), store.get_policy_log("default", "r")
    ...  # doctest: +SKIP
    ([], None)
    >>> from absmem.store.postgres_policy import PolicyTables
    >>> PolicyTables in PostgresStore.__mro__
    True
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from .base import LoggedRecall, PolicyLogRow
from .postgres_conn import Connection
from .sqlite_policy import _to_log

__all__ = ["PolicyTables"]

_T = TypeVar("_T")

_COLUMNS = "recall_id, namespace, policy, candidates, features, dim, top, created_at"


class PolicyTables:
    """Mixin of :class:`~absmem.store.PostgresStore`: the ``recall_features`` table.

    Example:
        >>> from absmem.store.postgres_policy import PolicyTables
        >>> hasattr(PolicyTables, "policy_history")
        True
    """

    def _write(
        self, namespace: str | None, work: Callable[[Connection], _T], *, exclusive: bool = False
    ) -> _T:
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] | None = None) -> list[Any]:
        raise NotImplementedError

    @staticmethod
    def _log_policy(db: Connection, log: PolicyLogRow) -> None:
        features = np.ascontiguousarray(log.features, dtype=np.float32)
        listed = {"ids": log.candidates, "kinds": log.kinds, "advice": log.advice}
        db.execute(
            f"INSERT INTO recall_features ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (log.recall_id, log.namespace, log.policy, json.dumps(listed), features.tobytes(),
             features.shape[1] if features.ndim == 2 else 0,
             np.ascontiguousarray(log.top, dtype=np.float32).tobytes(), log.created_at),
        )  # fmt: skip

    def get_policy_log(self, namespace: str, recall_id: str) -> PolicyLogRow | None:
        """The policy's log of one recall, or ``None``."""
        rows = self._read(
            f"SELECT {_COLUMNS} FROM recall_features WHERE recall_id = %s AND namespace = %s",
            (recall_id, namespace),
        )
        return _to_log(rows[0]) if rows else None

    def policy_history(self, namespace: str, limit: int) -> list[LoggedRecall]:
        """The ``limit`` most recently rated logged recalls, oldest first.

        A recall's rewards are those given on it or on an experience it informed, in arrival
        order; its credits are the usage credits those feedbacks gave its served items.
        """
        rows = self._read(
            "SELECT f.id, COALESCE(e.recall_id, f.target_id), f.reward, c.item_id, c.weight "
            "FROM feedback f LEFT JOIN experiences e ON f.target_kind = 'experience' "
            "AND e.id = f.target_id AND e.namespace = f.namespace "
            "LEFT JOIN credits c ON c.feedback_id = f.id AND c.channel = 'usage' "
            "WHERE f.namespace = %s ORDER BY f.arrival, c.item_id",
            (namespace,),
        )
        by_recall: dict[str, list[float]] = defaultdict(list)
        credits: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
        counted: set[str] = set()
        order: dict[str, int] = {}
        for i, (feedback, recall, reward, item, weight) in enumerate(rows):
            if recall is None:
                continue
            order[recall] = i
            if feedback not in counted:
                counted.add(feedback)
                by_recall[recall].append(float(reward))
            if item is not None:
                credits[recall].append((item, float(reward), float(weight)))
        last = sorted(order, key=order.__getitem__)[-limit:] if limit > 0 else []
        logs = {
            r[0]: _to_log(r)
            for r in self._read(
                f"SELECT {_COLUMNS} FROM recall_features WHERE namespace = %s "
                "AND recall_id = ANY(%s)",
                (namespace, last),
            )
        }
        served: dict[str, list[str]] = defaultdict(list)
        for recall_id, item in self._read(
            "SELECT recall_id, item_id FROM recall_items WHERE recall_id = ANY(%s) "
            "ORDER BY recall_id, rank",
            (last,),
        ):
            served[recall_id].append(item)
        return [
            LoggedRecall(logs[r], served[r], by_recall[r], credits[r]) for r in last if r in logs
        ]

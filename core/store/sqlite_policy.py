"""The recall policy's log in :class:`~absmem.store.SQLiteStore`: features and propensities.

Each recall served by a policy logs every candidate it ranked (ids, kinds, the approach a lesson
advised), their feature rows and each one's probability of being served first. The policy's refit
and off-policy evaluation (:mod:`absmem.policy.ope`) read it back joined with the feedback the
recall earned, whether given on the recall or on the experience it informed.

Example:
    >>> import os, tempfile
    >>> from absmem.store import SQLiteStore
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = SQLiteStore(os.path.join(d, "absmem.db"))
    ...     print(store.policy_history("default", limit=10), store.get_policy_log("default", "r"))
    ...     store.close()
    [] None
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from .base import LoggedRecall, PolicyLogRow

__all__ = ["PolicyTables"]

_COLUMNS = "recall_id, namespace, policy, candidates, features, dim, top, created_at"


def _to_log(row: Sequence[Any]) -> PolicyLogRow:
    listed = json.loads(row[3])
    dim = int(row[5])
    features = np.frombuffer(row[4], dtype=np.float32).reshape(-1, dim) if dim else np.zeros((0, 0))
    return PolicyLogRow(
        recall_id=row[0], namespace=row[1], policy=row[2], candidates=listed["ids"],
        kinds=listed["kinds"], advice=listed["advice"], features=features,
        top=np.frombuffer(row[6], dtype=np.float32), created_at=float(row[7]),
    )  # fmt: skip


class PolicyTables:
    """Mixin of :class:`~absmem.store.SQLiteStore`: the ``recall_features`` table."""

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    @staticmethod
    def _log_policy(db: sqlite3.Connection, log: PolicyLogRow) -> None:
        features = np.ascontiguousarray(log.features, dtype=np.float32)
        listed = {"ids": log.candidates, "kinds": log.kinds, "advice": log.advice}
        db.execute(
            f"INSERT INTO recall_features ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (log.recall_id, log.namespace, log.policy, json.dumps(listed), features.tobytes(),
             features.shape[1] if features.ndim == 2 else 0,
             np.ascontiguousarray(log.top, dtype=np.float32).tobytes(), log.created_at),
        )  # fmt: skip

    def get_policy_log(self, namespace: str, recall_id: str) -> PolicyLogRow | None:
        """The policy's log of one recall, or ``None``."""
        rows = self._read(
            f"SELECT {_COLUMNS} FROM recall_features WHERE recall_id = ? AND namespace = ?",
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
            "WHERE f.namespace = ? ORDER BY f.rowid",
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
        logs: dict[str, PolicyLogRow] = {}
        served: dict[str, list[str]] = defaultdict(list)
        for start in range(0, len(last), 500):
            part = last[start : start + 500]
            marks = ",".join("?" * len(part))
            logs.update(
                (r[0], _to_log(r))
                for r in self._read(
                    f"SELECT {_COLUMNS} FROM recall_features WHERE namespace = ? "
                    f"AND recall_id IN ({marks})",
                    [namespace, *part],
                )
            )
            for recall_id, item in self._read(
                f"SELECT recall_id, item_id FROM recall_items WHERE recall_id IN ({marks}) "
                "ORDER BY recall_id, rank",
                part,
            ):
                served[recall_id].append(item)
        return [
            LoggedRecall(logs[r], served[r], by_recall[r], credits[r]) for r in last if r in logs
        ]

"""The :class:`GraphStore` methods, written once for both SQL stores.

:class:`SQLStore` answers the protocol on the tables both stores keep: it runs each store's
statements through the hooks of :class:`~absmem.store.sql_base.SQLBase` and builds the results
with :mod:`absmem.store.rows` and :mod:`absmem.store.assemble`. What really differs between the
databases is a hook of its own:

* ``_insert_experiences`` and ``_insert_edges``: how keys are handed out and rows loaded (SQLite:
  past its ``AUTOINCREMENT`` counter, ``executemany``; PostgreSQL: a sequence, ``COPY``);
* ``_apply_credits``: how a feedback's credits reach the experiences' statistics;
* ``_erase`` and ``_after_erasure``: how a user's or session's rows are found and deleted, and
  how the deleted text leaves the files (SQLite truncates its WAL, PostgreSQL vacuums).

Example:
    >>> from absmem.store import SQLiteStore
    >>> from absmem.store.sql_store import SQLStore
    >>> SQLiteStore.count is SQLStore.count  # one method, SQLite's statement
    True
    >>> SQLiteStore._COUNT
    'SELECT COUNT(*) FROM experiences WHERE namespace = ?'
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import numpy as np

from ..errors import EmbedderMismatchError, InvalidArgumentError, UnknownTargetError
from .assemble import experiences_in_order, vector_batch, vectors_in_order
from .base import (
    CandidateStats,
    CreditRow,
    EdgeRow,
    ExperienceRow,
    FeedbackRow,
    ForgetResult,
    MembershipRow,
    PolicyLogRow,
    RecallItemRow,
    RecallRow,
    StoredExperience,
)
from .rows import (
    batch_namespace,
    blob_metadata,
    erasure_target,
    feedback_params,
    recall_item_params,
    recall_params,
    to_candidate,
    to_edge,
    to_experience,
)
from .sql_base import DB
from .sql_graph import SQLAbstractionTables
from .sql_policy import SQLPolicyTables
from .sql_runs import SQLRunLinkTables

__all__ = ["SQLStore"]


class SQLStore(SQLAbstractionTables[DB], SQLPolicyTables[DB], SQLRunLinkTables[DB]):
    """The experience graph, feedback ledger, recall log and blobs on SQL tables.

    The base of :class:`~absmem.store.SQLiteStore` and :class:`~absmem.store.PostgresStore`:
    a store writes the statements declared here (and on the other shared classes) and
    implements the hooks; every public method but ``compact`` is written once, here or on the
    shared classes it derives from.
    """

    _EMBEDDER: ClassVar[str]
    """``(key, value)`` of the embedder rows of ``meta``."""
    _INSERT_META: ClassVar[str]
    """Insert a ``(key, value)`` row into ``meta``."""
    _ENSURE_NAMESPACE: ClassVar[str]
    """Insert ``(namespace, created_at)`` into ``namespaces`` unless it is there."""
    _EXPERIENCES_IN: ClassVar[str]
    """The experiences (:data:`~absmem.store.rows.EXPERIENCE_COLUMNS`) of ``namespace`` (before
    the list) with the keys ``{many}``."""
    _CANDIDATES_IN: ClassVar[str]
    """:data:`~absmem.store.rows.CANDIDATE_COLUMNS` of the keys ``{many}`` of ``namespace``."""
    _IDS_IN: ClassVar[str]
    """``(seq, id)`` of the keys ``{many}`` of ``namespace``."""
    _EXPERIENCE: ClassVar[str]
    """The experience (:data:`~absmem.store.rows.EXPERIENCE_COLUMNS`) ``(namespace, id)``."""
    _INFORMED_BY: ClassVar[str]
    """Ids of the experiences of ``(namespace, recall_id)``."""
    _LAST_TURNS_IN: ClassVar[str]
    """``(session_id, id, created_at)`` of the last experience of each session ``{many}`` of
    ``namespace``."""
    _EDGES_FROM: ClassVar[str]
    _SESSION_KEYS: ClassVar[str]
    _TYPED_EDGES_FROM_IN: ClassVar[str]
    _TYPED_EDGES_TO_IN: ClassVar[str]
    """``(src, dst, type, weight)`` of the edges leaving ``(namespace, src)``."""
    _COUNT: ClassVar[str]
    """The number of experiences of ``(namespace,)``."""
    _NAMESPACES: ClassVar[str] = "SELECT namespace FROM namespaces ORDER BY namespace"
    """Every namespace, in order."""
    _VECTOR_VERSION: ClassVar[str]
    """The ``vector_version`` of ``(namespace,)``."""
    _VECTOR_BATCH: ClassVar[str]
    """``(seq, context_vec)`` of the indexed experiences of ``(namespace, after key, limit)``,
    by key."""
    _KEYS: ClassVar[str]
    """Keys of the indexed experiences of ``(namespace,)``, ascending."""
    _CONTEXT_VECTORS_IN: ClassVar[str]
    """``(seq, context_vec)`` of the keys ``{many}`` of ``namespace``."""
    _RESPONSE_VECTORS_IN: ClassVar[str]
    """``(seq, response_vec)`` of the keys ``{many}`` of ``namespace``."""
    _INSERT_RECALL: ClassVar[str]
    """Insert a recall (:func:`~absmem.store.rows.recall_params`)."""
    _INSERT_RECALL_ITEM: ClassVar[str]
    """Insert a served item (:func:`~absmem.store.rows.recall_item_params`)."""
    _RECALL: ClassVar[str]
    """The :class:`RecallRow` fields of ``(namespace, id)``."""
    _RECALL_ITEMS: ClassVar[str]
    """The :class:`RecallItemRow` fields of the items of ``(recall_id,)``, by rank."""
    _FEEDBACK_IN: ClassVar[str]
    _FEEDBACK_LOG: ClassVar[str]
    _FEEDBACK_FOR_IN: ClassVar[str]
    """Which of the feedback ids ``{many}`` the ledger of ``namespace`` holds."""
    _INSERT_FEEDBACK: ClassVar[str]
    """Insert a feedback (:func:`~absmem.store.rows.feedback_params`)."""
    _BLOB: ClassVar[str]
    """``(data, metadata)`` of the blob ``(namespace, name)``."""

    # -- hooks --------------------------------------------------------------------------------

    def _insert_experiences(self, db: DB, rows: Sequence[ExperienceRow]) -> list[int]:
        """Hand out new keys for ``rows`` (ascending, never used before) and insert them with
        their vectors; the keys."""
        raise NotImplementedError

    def _insert_edges(self, db: DB, namespace: str, edges: Sequence[EdgeRow], now: float) -> None:
        """Insert or replace (a repeated edge keeps its last weight) a non-empty batch."""
        raise NotImplementedError

    def _apply_credits(self, db: DB, feedback: FeedbackRow, credits: Sequence[CreditRow]) -> None:
        """Record the feedback's credits and add them to the experiences' statistics."""
        raise NotImplementedError

    def _erase(self, db: DB, namespace: str, column: str, value: str | None) -> ForgetResult:
        """Delete the rows of the user or session ``column = value`` (see :meth:`forget`)."""
        raise NotImplementedError

    def _after_erasure(self, result: ForgetResult) -> None:
        """After an erasure committed: make the erased text leave the files as the store can."""
        raise NotImplementedError

    # -- embedder -----------------------------------------------------------------------------

    def check_embedder(self, name: str, dim: int) -> None:
        """Record the embedder of a new store, or raise if the store was built with another."""

        def work(db: DB) -> dict[str, str]:
            rows = {str(key): str(value) for key, value in db.execute(self._EMBEDDER)}
            if not rows:
                db.cursor().executemany(
                    self._INSERT_META, [("embedder_name", name), ("embedder_dim", str(dim))]
                )
            return rows

        rows = self._write(None, work)
        if not rows:
            return
        stored = (rows["embedder_name"], int(rows["embedder_dim"]))
        if stored != (name, dim):
            raise EmbedderMismatchError(stored, (name, dim))

    # -- experiences and edges ----------------------------------------------------------------

    def add_experiences(
        self,
        rows: Sequence[ExperienceRow],
        edges: Sequence[EdgeRow],
        memberships: Sequence[MembershipRow] = (),
    ) -> list[int]:
        """Insert experiences, edges and memberships in one transaction; return their keys."""
        if not rows:
            return []
        namespace = batch_namespace(rows)
        now = time.time()

        def work(db: DB) -> list[int]:
            db.execute(self._ENSURE_NAMESPACE, (namespace, now))
            seqs = self._insert_experiences(db, rows)
            if edges:
                self._insert_edges(db, namespace, edges, now)
            self._insert_memberships(db, namespace, memberships)
            self._bump(db, namespace)
            return seqs

        return self._write(namespace, work)

    def get_experiences(self, namespace: str, seqs: Sequence[int]) -> list[StoredExperience]:
        """Read experiences by key, in the order given, skipping keys not in ``namespace``."""
        if not len(seqs):
            return []
        rows = self._read_in(self._EXPERIENCES_IN, [int(s) for s in seqs], before=(namespace,))
        return experiences_in_order(rows, seqs)

    def candidate_stats(self, namespace: str, seqs: Sequence[int]) -> list[CandidateStats]:
        """Id and outcome statistics of experiences by key (the light read ranking needs)."""
        if not len(seqs):
            return []
        rows = self._read_in(self._CANDIDATES_IN, [int(s) for s in seqs], before=(namespace,))
        return [to_candidate(row) for row in rows]

    def ids_for(self, namespace: str, seqs: Sequence[int]) -> dict[int, str]:
        """Map experience keys of ``namespace`` to their ids (keys not held are left out)."""
        if not len(seqs):
            return {}
        rows = self._read_in(self._IDS_IN, [int(s) for s in seqs], before=(namespace,))
        return {int(row[0]): row[1] for row in rows}

    def get_experience(self, namespace: str, experience_id: str) -> StoredExperience | None:
        """Read one experience by id, or ``None`` when the namespace does not hold it."""
        rows = self._read(self._EXPERIENCE, (namespace, experience_id))
        return to_experience(rows[0]) if rows else None

    def experiences_for_recall(self, namespace: str, recall_id: str) -> list[str]:
        """Ids of the experiences whose response was informed by ``recall_id``."""
        return [row[0] for row in self._read(self._INFORMED_BY, (namespace, recall_id))]

    def last_turns(
        self, namespace: str, session_ids: Sequence[str]
    ) -> dict[str, tuple[str, float]]:
        """``{session_id: (id, created_at)}`` of each session's most recent experience."""
        if not len(session_ids):
            return {}
        unique = list(dict.fromkeys(session_ids))
        rows = self._read_in(self._LAST_TURNS_IN, unique, before=(namespace,), chunked=True)
        return {row[0]: (row[1], float(row[2])) for row in rows}

    def session_keys(self, namespace: str, session_id: str) -> list[int]:
        """The keys of a session's experiences in the order they were stored (its ``next``
        chain)."""
        return [int(row[0]) for row in self._read(self._SESSION_KEYS, (namespace, session_id))]

    def typed_edges(
        self, namespace: str, node_ids: Sequence[str], edge_type: str, *, incoming: bool = False
    ) -> list[EdgeRow]:
        """The ``edge_type`` edges leaving ``node_ids`` (``incoming``: arriving at them)."""
        sql = self._TYPED_EDGES_TO_IN if incoming else self._TYPED_EDGES_FROM_IN
        rows = self._read_in(sql, list(dict.fromkeys(node_ids)), before=(namespace, edge_type),
                             chunked=True)  # fmt: skip
        return [to_edge(row) for row in rows]

    def edges(self, namespace: str, node_id: str) -> list[EdgeRow]:
        """Edges leaving ``node_id``."""
        return [to_edge(row) for row in self._read(self._EDGES_FROM, (namespace, node_id))]

    def count(self, namespace: str) -> int:
        """Number of experiences in ``namespace``."""
        return int(self._read(self._COUNT, (namespace,))[0][0])

    def namespaces(self) -> list[str]:
        """Namespaces that hold or held experiences."""
        return [r[0] for r in self._read(self._NAMESPACES)]

    def vector_version(self, namespace: str) -> int:
        """A counter that changes whenever the namespace's set of vectors changes."""
        rows = self._read(self._VECTOR_VERSION, (namespace,))
        return int(rows[0][0]) if rows else 0

    def iter_vectors(
        self, namespace: str, batch: int = 4096
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(keys, context vectors)`` of every experience in ``namespace``, in batches."""
        last = 0
        while True:
            rows = self._read(self._VECTOR_BATCH, (namespace, last, batch))
            if not rows:
                return
            keys, vectors = vector_batch(rows)
            last = int(keys[-1])
            yield keys, vectors

    def keys(self, namespace: str) -> np.ndarray:
        """Keys of every indexed (not compacted) experience in ``namespace``, ascending."""
        rows = self._read(self._KEYS, (namespace,))
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def get_vectors(self, namespace: str, seqs: Sequence[int]) -> np.ndarray:
        """Context vectors of the experiences with these keys, in the order given."""
        return self._vectors(self._CONTEXT_VECTORS_IN, namespace, seqs)

    def get_response_vectors(self, namespace: str, seqs: Sequence[int]) -> np.ndarray:
        """Response vectors of the experiences with these keys, in the order given."""
        return self._vectors(self._RESPONSE_VECTORS_IN, namespace, seqs)

    def _vectors(self, sql: str, namespace: str, seqs: Sequence[int]) -> np.ndarray:
        if not len(seqs):
            return np.zeros((0, 0))
        rows = self._read_in(sql, [int(s) for s in seqs], before=(namespace,), chunked=True)
        return vectors_in_order(rows, seqs)

    # -- recall log and feedback --------------------------------------------------------------

    def log_recall(
        self, recall: RecallRow, items: Sequence[RecallItemRow], log: PolicyLogRow | None = None
    ) -> None:
        """Append a served recall, its items and the policy's log of it to the recall log."""

        def work(db: DB) -> None:
            if log is not None:
                self._log_policy(db, log)
            db.execute(self._INSERT_RECALL, recall_params(recall))
            if items:
                db.cursor().executemany(
                    self._INSERT_RECALL_ITEM, [recall_item_params(recall.id, i) for i in items]
                )

        self._write(recall.namespace, work)

    def get_recall(self, namespace: str, recall_id: str) -> tuple[RecallRow, list[RecallItemRow]]:
        """Read a logged recall; raise ``UnknownTargetError`` when the namespace lacks it."""
        rows = self._read(self._RECALL, (namespace, recall_id))
        if not rows:
            raise UnknownTargetError("recall_id", recall_id, namespace)
        items = self._read(self._RECALL_ITEMS, (recall_id,))
        return RecallRow(*rows[0]), [RecallItemRow(*row) for row in items]

    def feedback_ids(self, namespace: str, ids: Sequence[str]) -> set[str]:
        """Which of the feedback ``ids`` the ledger of ``namespace`` holds."""
        if not len(ids):
            return set()
        rows = self._read_in(self._FEEDBACK_IN, list(ids), before=(namespace,), chunked=True)
        return {row[0] for row in rows}

    def feedback_log(
        self,
        namespace: str,
        *,
        targets: Sequence[str] | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> list[FeedbackRow]:
        """The feedback of ``namespace`` in arrival order (the ledger's): every one, those on
        ``targets`` (recall, experience or session ids), and/or those created in
        ``[since, until)``."""
        window = (-math.inf if since is None else since, math.inf if until is None else until)
        if targets is None:
            rows = self._read(self._FEEDBACK_LOG, (namespace, *window))
        else:
            rows = self._read_in(
                self._FEEDBACK_FOR_IN, list(targets), before=(namespace,), after=window,
                chunked=True,
            )  # fmt: skip
        return [FeedbackRow(*row[:8]) for row in sorted(rows, key=lambda row: row[8])]

    def add_feedback(self, feedback: FeedbackRow, credits: Sequence[CreditRow]) -> None:
        """Record a feedback and apply its credits to the experiences' statistics."""
        self.add_feedback_many([(feedback, credits)])

    def add_feedback_many(self, entries: Sequence[tuple[FeedbackRow, Sequence[CreditRow]]]) -> None:
        """Record feedbacks of one namespace and their credits in one transaction, in order."""
        if not entries:
            return
        namespace = entries[0][0].namespace
        if any(feedback.namespace != namespace for feedback, _ in entries):
            raise InvalidArgumentError("entries", "feedbacks of one namespace", namespace)

        def work(db: DB) -> None:
            for feedback, credits in entries:
                db.execute(self._INSERT_FEEDBACK, feedback_params(feedback))
                self._apply_credits(db, feedback, credits)

        self._write(namespace, work)

    # -- erasure ------------------------------------------------------------------------------

    def forget(
        self, namespace: str, user_id: str | None = None, session_id: str | None = None
    ) -> ForgetResult:
        """Erase every experience, edge, recall, feedback and run link of a user or session.

        Statistics that other experiences drew from the erased feedback are recomputed from the
        remaining credit ledger; no other write of the namespace runs meanwhile. Afterwards the
        erased text leaves the files as far as the store can make it (see each store).
        """
        column, value = erasure_target(user_id, session_id)

        def work(db: DB) -> ForgetResult:
            result = self._erase(db, namespace, column, value)
            if result.seqs:
                self._bump(db, namespace)
            return result

        result = self._write(namespace, work, exclusive=True)
        self._after_erasure(result)
        return result

    # -- blobs --------------------------------------------------------------------------------

    def put_blob(self, namespace: str, name: str, data: bytes, metadata: dict[str, Any]) -> None:
        """Store (or replace) a named binary blob, such as model weights."""
        params = (namespace, name, bytes(data), json.dumps(metadata), time.time())
        self._write(namespace, lambda db: db.execute(self._PUT_BLOB, params))

    def get_blob(self, namespace: str, name: str) -> tuple[bytes, dict[str, Any]] | None:
        """Read a named blob and its metadata, or ``None``."""
        rows = self._read(self._BLOB, (namespace, name))
        return (bytes(rows[0][0]), blob_metadata(name, rows[0][1])) if rows else None

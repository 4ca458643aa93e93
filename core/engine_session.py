"""Outcomes per session on :class:`~absmem.engine.Engine`: a reward for a whole conversation.

Many outcomes arrive for a conversation, not for one turn: a sale, a resolved ticket, a user
who came back a week later. ``feedback(session_id=..., reward=r)`` spreads ``r`` over the
session's turns, walking back along its ``next`` chain from the last turn: the turn ``d``
steps before the last gets the weight ``discount ** d`` (``discount`` 0.8 by default, so the
turns nearest the outcome count most). Each turn's share is recorded twice in the credit ledger:

- on the ``session`` channel, with weight ``discount ** d``: the long-term statistics of the
  turn (``Experience.long_term``), kept apart from immediate feedback;
- on the ``outcome`` channel, with weight ``session_weight * discount ** d`` (``session_weight``
  0.5 by default): the statistics that recall, assess, the GNN and the lessons read, so a
  session outcome counts ``session_weight`` times as much as a thumbs up/down on one turn.

The recalls that informed the turns (a turn's ``recall_id``) are credited as turn feedback
credits them (by position and advice followed, see ``PolicyMixin._credit``), with each turn's
weight ``session_weight * discount ** d``, and the recall policy learns from each of them.

The ledger holds the outcome as one ``session`` entry (the turns' shares, filed under the last
turn's user) and one ``session_recall`` entry per recall behind a turn (what that recall
served, filed under that turn's user), all written in one transaction: the policy's refits read
each recall's own share, and ``forget(user_id=...)`` erases the shares of that user's turns.
Turns whose share falls below :data:`MIN_SHARE` (about 60 turns back at 0.8) get nothing.

Example:
    >>> import tempfile
    >>> from absmem import AbstractionMemory
    >>> from absmem.embed import HashEmbedder
    >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(
    ...         d, embedder=HashEmbedder(dim=32)) as mem:
    ...     first = mem.remember("hi, my order is late", "Let me check.", session_id="s1")
    ...     last = mem.remember("thanks, that fixed it", "Glad to help!", session_id="s1")
    ...     fb = mem.feedback(session_id="s1", reward=1.0)
    ...     turn = mem.get(first)
    >>> fb.target_kind, round(turn.long_term.n, 2), round(turn.outcome.n, 2)
    ('session', 0.8, 0.4)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import UnknownTargetError
from .ids import new_id
from .store.base import Channel, FeedbackRow, GraphStore, PolicyLogRow, RecallItemRow
from .types import Feedback

__all__ = ["MIN_SHARE", "SessionFeedbackMixin"]

T = TypeVar("T")

MIN_SHARE = 1e-6
"""Least share ``discount ** d`` a turn must keep to be credited by a session outcome."""


class SessionFeedbackMixin:
    """Mixin of :class:`~absmem.engine.Engine` (see the module docstring)."""

    store: GraphStore
    session_weight: float
    session_discount: float

    async def _run(self, verb: str, fn: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    def _recall_items(self, namespace: str, recall_id: str, argument: str) -> list[RecallItemRow]:
        raise NotImplementedError

    def _credit(
        self, namespace: str, served: Sequence[RecallItemRow], informed: Sequence[str],
        log: PolicyLogRow | None,
    ) -> dict[str, float]:  # fmt: skip
        raise NotImplementedError

    def _commit_feedback(
        self,
        entries: Sequence[tuple[FeedbackRow, dict[tuple[str, Channel], float]]],
        learned: Sequence[tuple[PolicyLogRow | None, dict[str, float]]],
    ) -> Feedback:
        raise NotImplementedError

    async def feedback_session(self, namespace: str, session_id: str, reward: float) -> Feedback:
        """Spread a reward on a whole session over its turns and the recalls behind them."""
        return await self._run("feedback", self._feedback_session, namespace, session_id, reward)

    def session_weights(self, turns: int) -> list[float]:
        """The share ``discount ** d`` of each of ``turns`` turns, oldest first (``d`` is the
        distance to the last turn along the ``next`` chain)."""
        return [self.session_discount ** (turns - 1 - i) for i in range(turns)]

    def _feedback_session(self, namespace: str, session_id: str, reward: float) -> Feedback:
        turns = self.store.get_experiences(
            namespace, self.store.session_keys(namespace, session_id)
        )
        if not turns:
            raise UnknownTargetError("session_id", session_id, namespace, "a session")
        now = time.time()
        shares: dict[tuple[str, Channel], float] = {}
        entries: list[tuple[FeedbackRow, dict[tuple[str, Channel], float]]] = []
        learned: list[tuple[PolicyLogRow | None, dict[str, float]]] = []
        for turn, share in zip(turns, self.session_weights(len(turns)), strict=True):
            if share < MIN_SHARE:
                continue
            shares[(turn.id, "session")] = share
            shares[(turn.id, "outcome")] = self.session_weight * share
            if turn.recall_id is None:
                continue
            try:
                served = self._recall_items(namespace, turn.recall_id, "session_id")
            except UnknownTargetError:  # the recall was erased with its asker's data
                continue
            log = self.store.get_policy_log(namespace, turn.recall_id)
            weights = {
                item: self.session_weight * share * w
                for item, w in self._credit(namespace, served, [turn.id], log).items()
            }
            entries.append((
                FeedbackRow(id=new_id("fb"), namespace=namespace, target_kind="session_recall",
                            target_id=turn.recall_id, reward=reward, created_at=now,
                            user_id=turn.user_id, session_id=session_id),
                {(item, "usage"): weight for item, weight in weights.items()},
            ))  # fmt: skip
            learned.append((log, weights))
        row = FeedbackRow(id=new_id("fb"), namespace=namespace, target_kind="session",
                          target_id=session_id, reward=reward, created_at=now,
                          user_id=turns[-1].user_id, session_id=session_id)  # fmt: skip
        return self._commit_feedback([(row, shares), *entries], learned)

"""Run links on :class:`~absmem.engine.Engine`: feedback that names a framework's run id.

Framework adapters (LangChain, LlamaIndex) link the run id of a call to the recall and the
experience that call produced; feedback given later on the run id reaches them. One link per run
id and namespace:

- linking an experience also records the recall that informed it;
- linking a recall other than the one the run holds starts the link anew (a run that recalled
  again is about its latest recall); linking the same recall keeps the experience already linked;
- feedback on a run goes to its experience when it has one (which credits the recalled items
  too), else to its recall.

Example:
    >>> import tempfile
    >>> from absmem import AbstractionMemory
    >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as mem:
    ...     r = mem.recall("where is my parcel?", run_id="run-42")
    ...     exp = mem.remember("where is my parcel?", "It ships today.", recall_id=r.id,
    ...                        run_id="run-42")
    ...     fb = mem.feedback(run_id="run-42", reward=1.0)
    ...     print(fb.target_id == exp, fb.run_id)
    True run-42
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import UnknownTargetError
from .store.base import GraphStore, RunLinkRow
from .types import Feedback

__all__ = ["RunLinkMixin"]

T = TypeVar("T")


class RunLinkMixin:
    """Mixin of :class:`~absmem.engine.Engine` (see the module docstring)."""

    store: GraphStore

    async def _run(self, verb: str, fn: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    def _feedback(self, namespace: str, target: str, reward: float) -> Feedback:
        raise NotImplementedError

    async def link_run(
        self, namespace: str, run_id: str, recall_id: str | None, experience_id: str | None
    ) -> RunLinkRow:
        """Link ``run_id`` to a recall and/or an experience of ``namespace`` (see the module)."""
        return await self._run(
            "link_run", self._link_run, namespace, run_id, recall_id, experience_id
        )

    def _link_run(
        self, namespace: str, run_id: str, recall_id: str | None, experience_id: str | None
    ) -> RunLinkRow:
        if experience_id is not None:
            experience = self.store.get_experience(namespace, experience_id)
            if experience is None:
                raise UnknownTargetError("experience_id", experience_id, namespace)
            recall_id = recall_id or experience.recall_id
        if recall_id is not None:
            self.store.get_recall(namespace, recall_id)  # raises UnknownTargetError when absent
        old = self.store.get_run_link(namespace, run_id)
        if old is not None and recall_id in (None, old.recall_id):
            recall_id = old.recall_id
            experience_id = experience_id or old.experience_id
        row = RunLinkRow(namespace, run_id, recall_id, experience_id, time.time())
        self.store.put_run_link(row)
        return row

    async def feedback_run(self, namespace: str, run_id: str, reward: float) -> Feedback:
        """Record a reward on what ``run_id`` is linked to: its experience, else its recall."""
        return await self._run("feedback", self._feedback_run, namespace, run_id, reward)

    def _feedback_run(self, namespace: str, run_id: str, reward: float) -> Feedback:
        link = self.store.get_run_link(namespace, run_id)
        target = None if link is None else (link.experience_id or link.recall_id)
        if target is None:
            raise UnknownTargetError("run_id", run_id, namespace, what="a linked run")
        given = self._feedback(namespace, target, reward)
        return given.model_copy(update={"run_id": run_id})

"""``AbsMemFeedbackHandler``: link LangChain run ids to the recall and experience they produced.

Apps already carry LangChain run ids (the ``run_id`` they pass in a config, the ids LangSmith
feedback uses). The handler watches runs and, whenever a run reports a recall or an experience
(the middleware's ``absmem_recall_id`` / ``absmem_experience_id`` outputs, or the ``recall_id``
of the documents an :class:`~langchain_absmem.AbsMemRetriever` returned), links that run and every
enclosing run up to the root with :meth:`absmem.AbstractionMemory.link_run`. Feedback on any of
those ids then reaches the recall and the experience (the link itself lives in the core).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document

from absmem import AbstractionMemory, Feedback, InvalidArgumentError
from absmem.rewards import Scale, to_reward

from ._keys import EXPERIENCE_KEY, RECALL_KEY

__all__ = ["AbsMemFeedbackHandler"]

logger = logging.getLogger(__name__)


class AbsMemFeedbackHandler(BaseCallbackHandler):
    """Links each LangChain run (and its parent chains) to the recall and experience it made.

    Feedback then names the run: ``memory.feedback(run_id=run_id, reward=...)``, or
    ``handler.feedback(run_id, score, scale=...)`` for a thumb or a score in [0, 1]
    (:func:`absmem.to_reward`). A run linked to an experience rates the experience (which credits
    the items recalled for it); a run with only a recall rates the recall.

    Setup:
        .. code-block:: bash

            pip install "absmem[langchain]"

    Instantiate:
        .. code-block:: python

            from absmem import AbstractionMemory
            from langchain_absmem import AbsMemFeedbackHandler

            memory = AbstractionMemory.open("./memory")
            handler = AbsMemFeedbackHandler(memory)

    Usage:
        .. code-block:: python

            import uuid

            run_id = uuid.uuid4()
            agent.invoke(inputs, config={"run_id": run_id, "callbacks": [handler]})
            handler.feedback(run_id, True, scale="thumbs")    # or later, in another process:
            memory.feedback(run_id=run_id, reward=to_reward(0.8, scale="unit"))

    Example:
        >>> import tempfile, uuid
        >>> from absmem import AbstractionMemory
        >>> from langchain_absmem import AbsMemFeedbackHandler, AbsMemRetriever
        >>> from langchain_core.runnables import RunnableLambda
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as memory:
        ...     _ = memory.remember("how do I reset my pin?", "Cards > Reset PIN in the app.")
        ...     retriever = AbsMemRetriever(memory=memory, k=1)
        ...     chain = retriever | RunnableLambda(lambda docs: docs[0].page_content)
        ...     run_id = uuid.uuid4()
        ...     handler = AbsMemFeedbackHandler(memory)
        ...     _ = chain.invoke("pin?", config={"run_id": run_id, "callbacks": [handler]})
        ...     given = handler.feedback(run_id, 1.0, scale="unit")
        ...     print(given.target_kind, given.reward)
        recall 1.0
    """

    def __init__(self, memory: AbstractionMemory, *, namespace: str | None = None) -> None:
        if not isinstance(memory, AbstractionMemory):
            raise InvalidArgumentError("memory", "an absmem AbstractionMemory", memory)
        self.memory = memory
        self.namespace = namespace
        self._parents: dict[UUID, UUID | None] = {}
        self._lock = threading.Lock()

    # -- the run tree -------------------------------------------------------------------------

    def _start(self, run_id: UUID, parent_run_id: UUID | None) -> None:
        with self._lock:
            self._parents[run_id] = parent_run_id

    def _end(self, run_id: UUID) -> None:
        with self._lock:
            self._parents.pop(run_id, None)

    def _lineage(self, run_id: UUID, parent_run_id: UUID | None) -> list[UUID]:
        """The run and its enclosing runs, innermost first."""
        lineage, current = [run_id], parent_run_id
        with self._lock:
            while current is not None and current not in lineage:
                lineage.append(current)
                current = self._parents.get(current)
        return lineage

    def _link(
        self, run_id: UUID, parent_run_id: UUID | None, recall_id: Any, experience_id: Any
    ) -> None:
        recall = recall_id if isinstance(recall_id, str) else None
        experience = experience_id if isinstance(experience_id, str) else None
        if recall is None and experience is None:
            return
        for run in self._lineage(run_id, parent_run_id):
            self.memory.link_run(
                run, recall_id=recall, experience_id=experience, namespace=self.namespace
            )
        logger.debug("linked run %s and its parents to %s / %s", run_id, recall, experience)

    # -- callbacks ----------------------------------------------------------------------------

    def on_chain_start(
        self, serialized: dict[str, Any] | None, inputs: dict[str, Any] | Any, *, run_id: UUID,
        parent_run_id: UUID | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        """Record the run's parent."""
        self._start(run_id, parent_run_id)

    def on_chain_end(
        self, outputs: dict[str, Any] | Any, *, run_id: UUID, parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        """Link the run's lineage when its outputs name a recall or an experience."""
        if isinstance(outputs, Mapping):
            self._link(run_id, parent_run_id, outputs.get(RECALL_KEY), outputs.get(EXPERIENCE_KEY))
        self._end(run_id)

    def on_chain_error(
        self, error: BaseException, *, run_id: UUID, parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        """Forget the failed run."""
        self._end(run_id)

    def on_retriever_start(
        self, serialized: dict[str, Any], query: str, *, run_id: UUID,
        parent_run_id: UUID | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        """Record the retriever run's parent."""
        self._start(run_id, parent_run_id)

    def on_retriever_end(
        self, documents: Sequence[Document], *, run_id: UUID, parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        """Link the retriever run's lineage to the recall its documents came from."""
        recalls = {doc.metadata.get("recall_id") for doc in documents}
        if len(recalls) == 1:
            self._link(run_id, parent_run_id, recalls.pop(), None)
        self._end(run_id)

    def on_retriever_error(
        self, error: BaseException, *, run_id: UUID, parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        """Forget the failed run."""
        self._end(run_id)

    # -- feedback -----------------------------------------------------------------------------

    def feedback(self, run_id: UUID | str, score: object, *, scale: Scale = "signed") -> Feedback:
        """Rate what run ``run_id`` produced with ``score`` on ``scale`` (see ``to_reward``)."""
        reward = to_reward(score, scale=scale)
        return self.memory.feedback(run_id=run_id, reward=reward, namespace=self.namespace)

    async def afeedback(
        self, run_id: UUID | str, score: object, *, scale: Scale = "signed"
    ) -> Feedback:
        """Async twin of :meth:`feedback`."""
        reward = to_reward(score, scale=scale)
        return await self.memory.afeedback(run_id=run_id, reward=reward, namespace=self.namespace)

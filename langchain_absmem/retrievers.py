"""``AbsMemRetriever``: absmem recall as a LangChain ``BaseRetriever`` for LCEL chains."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from absmem import AbstractionMemory, InvalidArgumentError, Recall

__all__ = ["AbsMemRetriever", "recall_to_documents"]

_OVERRIDES = ("k", "user_id", "session_id", "namespace")


def recall_to_documents(recall: Recall) -> list[Document]:
    """One ``Document`` per served item, best first; the page content is the rendered item.

    Metadata: ``kind`` (``"lesson"`` or ``"experience"``), ``id``, ``score``, ``propensity``,
    ``rank``, ``similarity``, ``utility``, ``support``, ``advice``, ``avoid`` and the
    ``recall_id`` to give feedback on (``memory.feedback(recall_id, reward)``).

    Example:
        >>> from absmem import MemoryItem, Recall
        >>> from langchain_absmem import recall_to_documents
        >>> item = MemoryItem(id="e1", kind="experience", text="pin -> use the app",
        ...                   score=0.9, propensity=1.0, rank=0)
        >>> doc = recall_to_documents(Recall(id="r1", query="pin", namespace="default",
        ...                                  items=[item]))[0]
        >>> doc.page_content, doc.metadata["kind"], doc.metadata["recall_id"]
        ('pin -> use the app', 'experience', 'r1')
    """
    return [
        Document(
            id=item.id,
            page_content=item.text,
            metadata={
                "id": item.id,
                "kind": item.kind,
                "score": item.score,
                "propensity": item.propensity,
                "rank": item.rank,
                "similarity": item.similarity,
                "utility": item.utility,
                "support": item.support,
                "advice": item.advice,
                "avoid": item.avoid,
                "recall_id": recall.id,
                "namespace": recall.namespace,
            },
        )
        for item in recall.items
    ]


class AbsMemRetriever(BaseRetriever):
    """Lessons and past experiences from an absmem memory, ranked by what worked.

    Each call is one logged ``recall``; its run id is linked to it, so feedback can name the
    run (``memory.feedback(run_id=..., reward=...)``). A retriever called alone takes its run id
    as a keyword (``retriever.invoke(query, run_id=...)``: LangChain's ``BaseRetriever`` does
    not read it from the config). Pass an :class:`AbsMemFeedbackHandler` in the callbacks to
    link the enclosing chain's run id (``chain.invoke(..., config={"run_id": ...})``) too.

    Setup:
        .. code-block:: bash

            pip install "absmem[langchain]"

    Instantiate:
        .. code-block:: python

            from absmem import AbstractionMemory
            from langchain_absmem import AbsMemRetriever

            memory = AbstractionMemory.open("./memory")
            retriever = AbsMemRetriever(memory=memory, k=4, user_id="u1")

    Usage:
        .. code-block:: python

            docs = retriever.invoke("how do I reset my card pin?")
            docs[0].metadata["kind"], docs[0].metadata["recall_id"]
            docs = retriever.invoke("how do I reset my card pin?", k=2)  # override k per call

    Use within a chain:
        .. code-block:: python

            from langchain_core.prompts import ChatPromptTemplate
            from langchain_core.runnables import RunnablePassthrough

            prompt = ChatPromptTemplate.from_template("Memory:\\n{memory}\\n\\nUser: {question}")
            chain = {"memory": retriever | (lambda docs: "\\n".join(d.page_content for d in docs)),
                     "question": RunnablePassthrough()} | prompt | llm

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> from langchain_absmem import AbsMemRetriever
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as memory:
        ...     _ = memory.remember("how do I reset my pin?", "Cards > Reset PIN in the app.")
        ...     docs = AbsMemRetriever(memory=memory, k=1).invoke("I forgot my PIN")
        ...     print(docs[0].metadata["kind"], "|", docs[0].page_content)
        experience | When asked "how do I reset my pin?", the response was "Cards > Reset PIN in
        the app." (unrated)
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    memory: AbstractionMemory = Field(description="The absmem memory recalled from.")
    k: int = Field(default=4, ge=1, le=1000, description="Documents returned per call.")
    user_id: str | None = Field(default=None, description="Who asks (kept in the recall log).")
    session_id: str | None = Field(default=None, description="The conversation, if any.")
    namespace: str | None = Field(default=None, description="Tenant; the memory's by default.")

    def _arguments(self, kwargs: dict[str, Any], run_id: Any) -> dict[str, Any]:
        unknown = sorted(set(kwargs) - set(_OVERRIDES))
        if unknown:
            raise InvalidArgumentError(unknown[0], f"one of the keyword arguments {_OVERRIDES}")
        chosen = {name: kwargs.get(name, getattr(self, name)) for name in _OVERRIDES}
        return {**chosen, "run_id": run_id}

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        recall = self.memory.recall(query, **self._arguments(kwargs, run_manager.run_id))
        return recall_to_documents(recall)

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        recall = await self.memory.arecall(query, **self._arguments(kwargs, run_manager.run_id))
        return recall_to_documents(recall)

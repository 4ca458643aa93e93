"""AbsMemRetriever: the langchain-tests standard suite, documents' metadata, LCEL chains."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from langchain_tests.integration_tests import RetrieversIntegrationTests

from absmem import AbstractionMemory, InvalidArgumentError, LangChainEmbedder
from langchain_absmem import AbsMemFeedbackHandler, AbsMemRetriever

from .conftest import Recorder, Words

STORED = [
    ("how do I reset my card pin?", "Open the app, then Cards > Reset PIN."),
    ("my card pin is blocked", "Unblock it under Cards > PIN."),
    ("change my card pin", "Cards > Change PIN in the app."),
    ("what is my balance", "The balance is on the home screen."),
]


def fill(mem: AbstractionMemory) -> list[str]:
    return [mem.remember(context, response, user_id="u0") for context, response in STORED]


class TestAbsMemRetrieverStandard(RetrieversIntegrationTests):
    """The standard retriever suite of langchain-tests, unchanged (its async test runs with
    pytest-asyncio, installed with langchain-tests, in auto mode: see pyproject.toml)."""

    @pytest.fixture(autouse=True)
    def _memory(self, tmp_path: Path) -> Iterator[None]:
        embedder = LangChainEmbedder(Words(), name="test-words")
        with AbstractionMemory.open(tmp_path / "std", embedder=embedder) as mem:
            fill(mem)
            self.memory = mem
            yield

    @property
    def retriever_constructor(self) -> type[AbsMemRetriever]:
        return AbsMemRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"memory": self.memory, "k": 2}

    @property
    def retriever_query_example(self) -> str:
        return "I forgot my card pin"


def test_documents_carry_kind_score_propensity_ids_and_the_recall(mem: AbstractionMemory) -> None:
    ids = fill(mem)
    run_id = uuid.uuid4()
    # (a retriever called alone takes its run id as a keyword, not from the config)
    docs = AbsMemRetriever(memory=mem, k=2, user_id="u1").invoke("reset card pin", run_id=run_id)
    assert len(docs) == 2
    assert all(isinstance(doc, Document) for doc in docs)
    assert {doc.metadata["id"] for doc in docs} <= set(ids)
    assert [doc.metadata["rank"] for doc in docs] == [0, 1]
    assert all(doc.metadata["kind"] == "experience" for doc in docs)
    assert all(0.0 < doc.metadata["propensity"] <= 1.0 for doc in docs)
    recall_id = docs[0].metadata["recall_id"]
    recall, served = mem._engine.store.get_recall("default", recall_id)
    assert (recall.user_id, [s.item_id for s in served]) == ("u1", [d.id for d in docs])
    # The retriever's own run id is linked to its recall.
    assert mem.feedback(run_id=run_id, reward=1.0).target_id == recall_id


def test_per_call_overrides_and_unknown_arguments(mem: AbstractionMemory) -> None:
    fill(mem)
    retriever = AbsMemRetriever(memory=mem, k=3)
    assert len(retriever.invoke("card pin", k=1)) == 1
    assert retriever.invoke("card pin", namespace="empty-tenant") == []
    with pytest.raises(InvalidArgumentError, match="^top_n:"):
        retriever.invoke("card pin", top_n=2)


def lcel_chain(retriever: AbsMemRetriever, answer: str) -> Any:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Memory:\n{memory}"), ("human", "{question}")]
    )
    model = GenericFakeChatModel(messages=iter([answer]))
    as_text = RunnableLambda(lambda docs: "\n".join(doc.page_content for doc in docs))
    return {"memory": retriever | as_text, "question": RunnablePassthrough()} | prompt | model


def test_an_lcel_chains_run_id_rates_the_recall_it_made(mem: AbstractionMemory) -> None:
    fill(mem)
    recorder, handler = Recorder(), AbsMemFeedbackHandler(mem)
    chain = lcel_chain(AbsMemRetriever(memory=mem, k=2), "Use Cards > Reset PIN.")
    run_id = uuid.uuid4()
    chain.invoke("reset my card pin", config={"run_id": run_id, "callbacks": [recorder, handler]})
    assert "Open the app, then Cards > Reset PIN." in recorder.system_prompts()[0]
    given = mem.feedback(run_id=run_id, reward=-1.0)
    assert given.target_kind == "recall"
    served = mem._engine.store.get_recall("default", given.target_id)[1]
    first = mem.get(served[0].item_id)
    assert first is not None
    assert first.usage.n == pytest.approx(1.0)  # the top item was credited for being served


def test_an_lcel_chain_async(mem: AbstractionMemory) -> None:
    fill(mem)
    recorder, handler = Recorder(), AbsMemFeedbackHandler(mem)
    chain = lcel_chain(AbsMemRetriever(memory=mem, k=1), "ok")
    run_id = uuid.uuid4()

    async def scenario() -> str:
        await chain.ainvoke(
            "blocked pin", config={"run_id": run_id, "callbacks": [recorder, handler]}
        )
        return (await handler.afeedback(run_id, "up", scale="thumbs")).target_kind

    assert asyncio.run(scenario()) == "recall"
    assert "Unblock it under Cards > PIN." in recorder.system_prompts()[0]

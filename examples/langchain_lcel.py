"""absmem in an LCEL chain: AbsMemRetriever feeds what worked into the prompt; feedback by run id.

The chat model is LangChain's ``GenericFakeChatModel``, so this runs offline; replace it with any
chat model. The retriever returns lessons and past experiences as ``Document``s (kind, score,
propensity, ids and the recall id in their metadata); the feedback handler links the chain's run
id to the recall, so a later thumbs up or down on that run id credits what was served.

Run:
    python examples/langchain_lcel.py [FOLDER]    # default: a temporary folder
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from absmem import AbstractionMemory, to_reward
from langchain_absmem import AbsMemFeedbackHandler, AbsMemRetriever

PAST = [
    ("how do I reset my card pin?", "In the app: Cards > Reset PIN.", 1.0),
    ("how do I reset my card pin?", "Please visit a branch with your ID.", -1.0),
    ("what is my balance?", "It is on the home screen of the app.", 1.0),
]


def as_text(docs: list[Document]) -> str:
    return "\n".join(f"- [{d.metadata['kind']}] {d.page_content}" for d in docs) or "(nothing)"


def main(folder: Path) -> None:
    memory = AbstractionMemory.open(folder)
    for context, response, reward in PAST:
        memory.feedback(memory.remember(context, response, user_id="u0"), reward=reward)

    retriever = AbsMemRetriever(memory=memory, k=2, user_id="u1")
    prompt = ChatPromptTemplate.from_messages([
        ("system", "You are a bank assistant. What worked before:\n{memory}"),
        ("human", "{question}"),
    ])  # fmt: skip
    model = GenericFakeChatModel(messages=iter(["Open the app and go to Cards > Reset PIN."]))
    chain = (
        {"memory": retriever | RunnableLambda(as_text), "question": RunnablePassthrough()}
        | prompt
        | model
    )

    question = "I forgot my card PIN"
    print("memory for the prompt:\n" + as_text(retriever.invoke(question)))
    run_id = uuid.uuid4()
    handler = AbsMemFeedbackHandler(memory)
    answer = chain.invoke(question, config={"run_id": run_id, "callbacks": [handler]})
    print("answer:", answer.content)
    given = memory.feedback(run_id=run_id, reward=to_reward(0.9, scale="unit"))  # LangSmith-style
    print(f"feedback {given.reward:+.1f} on run {run_id} reached {given.target_kind} "
          f"{given.target_id}")  # fmt: skip
    memory.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp) / "memory")

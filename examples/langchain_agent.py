"""absmem with a LangChain agent: create_agent + AbsMemMiddleware + feedback by run id.

The chat model is LangChain's ``GenericFakeChatModel`` replaying fixed answers, so this runs
offline with no API key; swap in any chat model (``init_chat_model("openai:gpt-5")``) to use it
for real. Each turn: the middleware recalls what worked for similar requests and adds it to the
system prompt, the agent answers (calling a tool on the first turn), the middleware remembers the
exchange, and the user's thumbs up or down is given on the turn's LangChain run id.

Run:
    python examples/langchain_agent.py [FOLDER]    # default: a temporary folder
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from absmem import AbstractionMemory, to_reward
from langchain_absmem import AbsMemFeedbackHandler, AbsMemMiddleware


@tool
def card_status(card: str) -> str:
    """The status of a card, by its last four digits."""
    return f"card {card}: active, PIN tries left: 0"


class FakeToolModel(GenericFakeChatModel):
    """The fake model, accepting the tools create_agent binds (a real model does this itself)."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> FakeToolModel:
        return self


class ShowPrompt(BaseCallbackHandler):
    """Prints the memory block of the system prompt the model receives."""

    def on_chat_model_start(self, serialized: Any, messages: list[list[BaseMessage]],
                            **kwargs: Any) -> None:  # fmt: skip
        system = str(messages[0][0].content) if messages[0][0].type == "system" else ""
        memory = system.partition("\n\n")[2]
        print("  model sees memory:", memory.replace("\n", "\n    ") if memory else "(none yet)")


CALL = {"name": "card_status", "args": {"card": "1234"}, "id": "call-1"}
ANSWERS = [
    AIMessage(content="", tool_calls=[CALL]),
    AIMessage(content="Your PIN is locked. In the app: Cards > Reset PIN, then pick a new one."),
    AIMessage(content="Use Cards > Reset PIN in the app; it takes a minute."),
]
TURNS = [  # (thread, user, message, thumbs up?)
    ("thread-1", "alice", "I typed my card PIN wrong three times, what now?", True),
    ("thread-2", "bob", "how can I reset my card pin?", True),
]


def main(folder: Path) -> None:
    memory = AbstractionMemory.open(folder)  # SQLite + FAISS + bundled MiniLM, all local
    agent = create_agent(
        FakeToolModel(messages=iter(ANSWERS)),
        tools=[card_status],
        system_prompt="You are a bank's support assistant.",
        middleware=[AbsMemMiddleware(memory, k=3)],
        checkpointer=InMemorySaver(),
    )
    handler = AbsMemFeedbackHandler(memory)
    for thread, user, message, liked in TURNS:
        run_id = uuid.uuid4()  # the id your app (and LangSmith) already carries for this run
        config = {"run_id": run_id, "callbacks": [handler, ShowPrompt()],
                  "configurable": {"thread_id": thread, "user_id": user}}  # fmt: skip
        print(f"{user} ({thread}): {message}")
        out = agent.invoke({"messages": [{"role": "user", "content": message}]}, config)
        print("  agent:", out["messages"][-1].content)
        given = memory.feedback(run_id=run_id, reward=to_reward(liked, scale="thumbs"))
        print(f"  feedback {given.reward:+.0f} on run {run_id} reached {given.target_id}")
    print(f"{memory.count()} experiences remembered in {folder}")
    memory.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp) / "memory")

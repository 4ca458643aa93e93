"""absmem with a LlamaIndex chat engine: AbsMemMemory + feedback on the response.

The LLM is LlamaIndex's ``MockFunctionCallingLLM`` replaying fixed answers (and showing the
memory block it receives), so this runs offline with no API key; swap in any LlamaIndex LLM
(``OpenAI(model="gpt-4.1")``) to use it for real. Each turn: ``AbsMemMemory`` recalls what worked
for similar requests and adds it to the messages as a system message, the engine answers, the
memory remembers the exchange, and the user's thumbs up or down is given on the response.

Run:
    python examples/llamaindex_chat_engine.py [FOLDER]    # default: a temporary folder
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.llms import ChatMessage
from llama_index.core.llms.mock import MockFunctionCallingLLM

from absmem import AbstractionMemory
from llamaindex_absmem import AbsMemFeedbackHandler, AbsMemMemory

ANSWERS = iter([
    "Your PIN is locked. In the app: Cards > Reset PIN, then pick a new one.",
    "Use Cards > Reset PIN in the app; it takes a minute.",
])  # fmt: skip
SYSTEM = "You are a bank's support assistant."
TURNS = [  # (session, user, message, thumbs up?)
    ("session-1", "alice", "I typed my card PIN wrong three times, what now?", True),
    ("session-2", "bob", "how can I reset my card pin?", True),
]


def scripted(answers: Iterator[str]) -> Any:
    """An offline LLM reply: prints the memory it was given, answers the next fixed text."""

    def reply(messages: Sequence[ChatMessage], **kwargs: Any) -> ChatMessage:
        system = [str(m.content) for m in messages if m.role == "system"]
        memory = system[1:]  # the first is the engine's system prompt
        shown = "\n    ".join(memory[0].splitlines()) if memory else "(none yet)"
        print("  model sees memory:", shown)
        return ChatMessage(role="assistant", content=next(answers))

    return reply


def main(folder: Path) -> None:
    store = AbstractionMemory.open(folder)  # SQLite + FAISS + bundled MiniLM, all local
    handler = AbsMemFeedbackHandler(store).register()  # links responses to what they produced
    llm = MockFunctionCallingLLM(response_generator=scripted(ANSWERS))
    for session, user, message, liked in TURNS:
        memory = AbsMemMemory.from_defaults(store, k=3, user_id=user, session_id=session)
        engine = SimpleChatEngine.from_defaults(llm=llm, memory=memory, system_prompt=SYSTEM)
        print(f"{user} ({session}): {message}")
        response = engine.chat(message)
        print("  assistant:", response.response)
        given = handler.feedback(response, liked, scale="thumbs")
        print(f"  feedback {given.reward:+.0f} on span {handler.run_id(response)} "
              f"reached {given.target_id}")  # fmt: skip
    print(f"{store.count()} experiences remembered in {folder}")
    handler.unregister()
    store.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp) / "memory")

"""absmem with a LlamaIndex agent: FunctionAgent + Memory(AbsMemBlock) + the feedback handler.

The LLM is LlamaIndex's ``MockFunctionCallingLLM`` with a fixed script (a tool call, then an
answer), so this runs offline with no API key; swap in any function-calling LlamaIndex LLM to
use it for real. ``AbsMemBlock`` puts what worked for similar requests in the ``Memory``'s system
message; the registered ``AbsMemFeedbackHandler`` remembers each agent run's turn (the user
message and the final answer) linked to that recall, and rates it by the agent's output, by the
run's span id or by the session's latest turn.

Run:
    python examples/llamaindex_agent.py [FOLDER]    # default: a temporary folder
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ToolCallBlock
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.memory import Memory

from absmem import AbstractionMemory, to_reward, turn_run_id
from llamaindex_absmem import AbsMemBlock, AbsMemFeedbackHandler


def card_status(card: str) -> str:
    """The status of a card, by its last four digits."""
    return f"card {card}: active, PIN tries left: 0"


ANSWERS = iter([
    "Your PIN is locked. In the app: Cards > Reset PIN, then pick a new one.",
    "Use Cards > Reset PIN in the app; it takes a minute.",
])  # fmt: skip
TURNS = [  # (session, user, message, score from 1 to 5)
    ("session-1", "alice", "I typed my card PIN wrong three times, what now?", 5),
    ("session-2", "bob", "how can I reset my card pin?", 4),
]


def reply(messages: Sequence[ChatMessage], **kwargs: Any) -> ChatMessage:
    """Offline LLM: shows its memory block, calls the tool once per turn, then answers."""
    if messages[-1].role != "tool":
        system = "\n".join(str(m.content) for m in messages if m.role == "system")
        memory = system.partition("<absmem>")[2].partition("</absmem>")[0].strip()
        print("  model sees memory:", memory.replace("\n", "\n    ") or "(none yet)")
        call = ToolCallBlock(tool_call_id="call-1", tool_name="card_status",
                             tool_kwargs={"card": "1234"})  # fmt: skip
        return ChatMessage(role="assistant", blocks=[call])
    return ChatMessage(role="assistant", content=next(ANSWERS))


async def main(folder: Path) -> None:
    store = AbstractionMemory.open(folder)  # SQLite + FAISS + bundled MiniLM, all local
    handler = AbsMemFeedbackHandler(store).register()  # records and links each agent run
    agent = FunctionAgent(tools=[card_status],
                          llm=MockFunctionCallingLLM(response_generator=reply),
                          system_prompt="You are a bank's support assistant.")  # fmt: skip
    for session, user, message, stars in TURNS:
        block = AbsMemBlock(memory=store, k=3, user_id=user)
        memory = Memory.from_defaults(session_id=session, memory_blocks=[block])
        print(f"{user} ({session}): {message}")
        output = await agent.run(message, memory=memory)
        print("  agent:", output.response.content)
        given = await handler.afeedback(output, stars, scale=(1, 5))
        print(f"  feedback {given.reward:+.1f} on span {handler.run_id(output)} "
              f"reached {given.target_id}")  # fmt: skip
    later = store.feedback(run_id=turn_run_id("session-1"), reward=to_reward(True, scale="thumbs"))
    print(f"later, session-1's latest turn rated again: {later.target_id}")
    print(f"{store.count()} experiences remembered in {folder}")
    handler.unregister()
    store.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        asyncio.run(main(Path(sys.argv[1])))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(main(Path(tmp) / "memory"))

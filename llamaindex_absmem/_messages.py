"""Reading LlamaIndex chat messages: their text, the latest user turn, final answers, tool calls.

Example:
    >>> from llama_index.core.llms import ChatMessage
    >>> from llamaindex_absmem._messages import latest_user, text
    >>> chat = [ChatMessage(role="user", content="hi"), ChatMessage(role="assistant", content="yo")]
    >>> text(chat[1]), latest_user(chat)
    ('yo', ('hi', None))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from llama_index.core.base.llms.types import ChatMessage, MessageRole, ToolCallBlock

__all__ = ["is_answer", "latest_user", "text", "tool_names"]


def text(message: ChatMessage | str | None) -> str:
    """The message's text (its text blocks joined), stripped; ``""`` when it has none."""
    if message is None:
        return ""
    if isinstance(message, str):
        return message.strip()
    content = message.content
    return content.strip() if isinstance(content, str) else ""


def tool_names(message: ChatMessage) -> list[str]:
    """Names of the tools an assistant message calls (tool-call blocks or ``tool_calls``)."""
    names = [block.tool_name for block in message.blocks if isinstance(block, ToolCallBlock)]
    for call in message.additional_kwargs.get("tool_calls") or []:
        name = _field(_field(call, "function"), "name") or _field(call, "tool_name")
        if isinstance(name, str) and name:
            names.append(name)
    return names


def _field(value: object, name: str) -> object:
    """``value[name]`` of a mapping, else ``value.name``, else ``None``."""
    return value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)


def is_answer(message: ChatMessage) -> bool:
    """An assistant message with text and no tool call: the reply that ends a turn."""
    return message.role == MessageRole.ASSISTANT and bool(text(message)) and not tool_names(message)


def latest_user(messages: Sequence[ChatMessage]) -> tuple[str | None, str | None]:
    """The latest user message's text and the text of the message before it (or ``None``s).

    A user message repeated at the end (``Memory.aget(input=...)`` appends the input to a
    history that already ends with it) counts once.
    """
    users = [i for i, m in enumerate(messages) if m.role == MessageRole.USER and text(m)]
    if not users:
        return None, None
    last = users[-1]
    query = text(messages[last])
    while (
        last > 0
        and messages[last - 1].role == MessageRole.USER
        and text(messages[last - 1]) == query
    ):
        last -= 1
    return query, (text(messages[last - 1]) or None) if last > 0 else None

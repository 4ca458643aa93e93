"""absmem's ``recall``, ``find`` and ``assess`` as LlamaIndex ``FunctionTool`` s for agents.

:func:`absmem_tools` gives ``absmem_recall`` (lessons and experiences for a situation),
``absmem_find`` ("what happened last time I did X?") and ``absmem_assess`` (how a candidate
reply is likely to go) for ``FunctionAgent(tools=...)`` or any tool-calling LLM. Each tool's
``fn_schema``, description and text answer come from the core (:mod:`absmem.tools`,
:mod:`absmem.tool_text`), shared with the LangChain adapter; each has a sync ``fn`` and an
``async_fn`` on the memory's async verbs.

The namespace, user and session are fixed here, not arguments: the model cannot reach another
tenant's memories (extra arguments are ignored). ``absmem_find`` and ``absmem_assess`` are
read-only; ``absmem_recall`` logs its ranking with the user and session like any recall (without
a run id: LlamaIndex gives a tool none of its own). Arguments the memory refuses are answered
with an error text naming the argument, so the agent can correct itself and go on.
"""

from __future__ import annotations

import logging
from typing import Any

from llama_index.core.tools import FunctionTool

from absmem import AbstractionMemory
from absmem.tool_text import error_text
from absmem.tools import TOOL_SPECS, MemoryTools, ToolArgumentError, ToolName

__all__ = ["absmem_tools"]

logger = logging.getLogger(__name__)


def _function_tool(tools: MemoryTools, verb: ToolName) -> FunctionTool:
    spec = TOOL_SPECS[verb]

    def refused(error: ToolArgumentError) -> str:
        logger.info("%s refused its arguments: %s", spec.name, error)
        return error_text(spec.name, error)

    def call(**arguments: Any) -> str:
        try:
            return tools.run(verb, arguments)
        except ToolArgumentError as err:
            return refused(err)

    async def acall(**arguments: Any) -> str:
        try:
            return await tools.arun(verb, arguments)
        except ToolArgumentError as err:
            return refused(err)

    return FunctionTool.from_defaults(fn=call, async_fn=acall, name=spec.name,
                                      description=spec.description,
                                      fn_schema=spec.args_schema)  # fmt: skip


def absmem_tools(
    memory: AbstractionMemory,
    *,
    namespace: str | None = None,
    user_id: str | None = None,
    session_id: str | None = None,
) -> list[FunctionTool]:
    """The memory's recall, find and assess as ``FunctionTool`` s in one scope.

    Args:
        memory: the memory queried.
        namespace: tenant; the memory's by default. The model cannot choose another.
        user_id: recorded with the recalls the agent makes (who asked).
        session_id: recorded with the recalls the agent makes (the conversation).

    Raises:
        InvalidArgumentError: for a memory that is not an ``AbstractionMemory`` or a malformed
            namespace or id.

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as memory:
        ...     _ = memory.remember("how do I reset my pin?", "Cards > Reset PIN in the app.")
        ...     recall, find, assess = absmem_tools(memory, user_id="u1")
        ...     print(recall.metadata.name, find.metadata.name, assess.metadata.name)
        ...     print(recall.call(query="how do I reset my pin?", k=1).content)
        ...     print(find.call(k=3).content)
        absmem_recall absmem_find absmem_assess
        1 memory for "how do I reset my pin?", most useful first:
        1. past experience (unrated; utility 0.50, no feedback yet): situation "how do I reset
        my pin?" -> response "Cards > Reset PIN in the app."
        Error: absmem_find was not run: arguments: expected at least one of cause, effect or
        outcome. Fix the arguments and call it again.
    """
    tools = MemoryTools(memory, namespace=namespace, user_id=user_id, session_id=session_id)
    return [_function_tool(tools, verb) for verb in TOOL_SPECS]

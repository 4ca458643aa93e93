"""absmem's ``recall``, ``find`` and ``assess`` as LangChain tools an agent calls itself.

:func:`absmem_tools` gives the three tools for ``create_agent(model, tools=...)`` (or any
tool-calling model): :class:`AbsMemRecallTool` (``absmem_recall``: lessons and experiences for
a situation), :class:`AbsMemFindTool` (``absmem_find``: "what happened last time I did X?")
and :class:`AbsMemAssessTool` (``absmem_assess``: how a candidate reply is likely to go). Their
argument schemas, descriptions and text answers come from the core (:mod:`absmem.tools`,
:mod:`absmem.tool_text`), shared with the LlamaIndex adapter.

The namespace, user and session are the developer's fields, not arguments: the model cannot
reach another tenant's memories. ``absmem_find`` and ``absmem_assess`` are read-only;
``absmem_recall`` logs its ranking like any recall, linked to the tool call's run id, so
``memory.feedback(run_id=..., reward=...)`` can rate it. Arguments the memory refuses come back
to the model as an error ``ToolMessage`` naming the argument; the agent goes on.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Annotated, Any, ClassVar

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import BaseTool, ToolException
from langchain_core.tools.base import ArgsSchema
from pydantic import ConfigDict, Field, SkipValidation, ValidationError, model_validator
from typing_extensions import Self

from absmem import AbstractionMemory
from absmem.tool_text import error_text
from absmem.tools import TOOL_SPECS, MemoryTools, ToolArgumentError, ToolName, invalid_argument

__all__ = ["AbsMemAssessTool", "AbsMemFindTool", "AbsMemRecallTool", "absmem_tools"]

logger = logging.getLogger(__name__)


def _refused(name: str, error: Exception) -> str:
    """The text answering arguments that tool ``name``'s schema or the memory refused."""
    if isinstance(error, ValidationError):
        error = invalid_argument(error)
    logger.info("%s refused its arguments: %s", name, error)
    return error_text(name, error)


class _AbsMemTool(BaseTool):
    """One memory verb as a tool; subclasses set the verb, the name, description and schema."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    verb: ClassVar[ToolName]

    memory: AbstractionMemory = Field(exclude=True, description="The absmem memory queried.")
    namespace: str | None = Field(
        default=None, description="Tenant; the memory's by default (never the model's choice)."
    )
    user_id: str | None = Field(default=None, description="Recorded with the tool's recalls.")
    session_id: str | None = Field(default=None, description="Recorded with the tool's recalls.")

    @model_validator(mode="after")
    def _scope(self) -> Self:
        """Check the scope now, and answer refused arguments as text unless told otherwise."""
        self._tools()
        if "handle_tool_error" not in self.model_fields_set:
            self.handle_tool_error = True
        if "handle_validation_error" not in self.model_fields_set:
            self.handle_validation_error = partial(_refused, self.name)
        return self

    def _tools(self) -> MemoryTools:
        return MemoryTools(self.memory, namespace=self.namespace, user_id=self.user_id,
                           session_id=self.session_id)  # fmt: skip

    def _arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Keyword arguments; a plain string input (``tool.invoke("...")``) fills the first."""
        fields = list(TOOL_SPECS[self.verb].args_schema.model_fields)
        return dict(zip(fields, args, strict=False)) | kwargs

    def _run(
        self, *args: Any, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> str:
        run_id = run_manager.run_id if run_manager is not None else None
        try:
            return self._tools().run(self.verb, self._arguments(args, kwargs), run_id=run_id)
        except ToolArgumentError as err:
            raise ToolException(_refused(self.name, err)) from err

    async def _arun(
        self, *args: Any, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> str:
        run_id = run_manager.run_id if run_manager is not None else None
        arguments = self._arguments(args, kwargs)
        try:
            return await self._tools().arun(self.verb, arguments, run_id=run_id)
        except ToolArgumentError as err:
            raise ToolException(_refused(self.name, err)) from err


class AbsMemRecallTool(_AbsMemTool):
    """``absmem_recall``: lessons and past experiences for a situation, ranked by what worked.

    The model gives ``query`` (the situation in plain words) and optionally ``k`` (1 to 20);
    the answer is the numbered memories of :func:`absmem.tool_text.recall_text`. The recall is
    logged with ``user_id``, ``session_id`` and the tool run's id, like any recall.

    Setup:
        .. code-block:: bash

            pip install "absmem[langchain]"

    Instantiate:
        .. code-block:: python

            from absmem import AbstractionMemory
            from langchain_absmem import AbsMemRecallTool

            memory = AbstractionMemory.open("./memory")
            recall = AbsMemRecallTool(memory=memory, namespace="acme", user_id="u1")

    Usage:
        .. code-block:: python

            recall.invoke({"query": "user wants to reset their card PIN", "k": 3})
            agent = create_agent(model, tools=[recall])

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as memory:
        ...     _ = memory.remember("how do I reset my pin?", "Cards > Reset PIN in the app.")
        ...     print(AbsMemRecallTool(memory=memory).invoke({"query": "how do I reset my pin?"}))
        1 memory for "how do I reset my pin?", most useful first:
        1. past experience (unrated; utility 0.50, no feedback yet): situation "how do I reset
        my pin?" -> response "Cards > Reset PIN in the app."
    """

    verb: ClassVar[ToolName] = "recall"
    name: str = TOOL_SPECS["recall"].name
    description: str = TOOL_SPECS["recall"].description
    args_schema: Annotated[ArgsSchema | None, SkipValidation()] = TOOL_SPECS["recall"].args_schema


class AbsMemFindTool(_AbsMemTool):
    """``absmem_find``: how past interactions played out ("what happened last time I did X?").

    The model gives a ``cause`` (what was asked or done), an ``effect`` (how the user reacted
    next) and/or an ``outcome`` (``"good"`` or ``"bad"``), optionally ``k`` and
    ``within_days``; the answer is :func:`absmem.tool_text.find_text`'s chains of situation ->
    response -> the reply it led to; outcome; lesson. Read-only (see
    :meth:`absmem.AbstractionMemory.find`).

    Setup:
        .. code-block:: bash

            pip install "absmem[langchain]"

    Instantiate:
        .. code-block:: python

            from langchain_absmem import AbsMemFindTool

            find = AbsMemFindTool(memory=memory, namespace="acme")

    Usage:
        .. code-block:: python

            find.invoke({"cause": "moved the menu to a sidebar", "outcome": "bad"})

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as memory:
        ...     first = memory.remember("make the menu bigger", "I moved the menu to a sidebar",
        ...                             session_id="s1")
        ...     _ = memory.remember("I cannot find anything now", "Sorry!", session_id="s1")
        ...     _ = memory.feedback(first, -1.0)
        ...     find = AbsMemFindTool(memory=memory)
        ...     print(find.invoke({"cause": "moved the menu to a sidebar", "outcome": "bad"}))
        ...     print(find.invoke({"cause": "menu", "k": 500}))
        1 matching interaction, best match first:
        1. [...] situation "make the menu bigger" -> response "I moved the menu to a sidebar"
        -> led to: "I cannot find anything now"; outcome -1.00 (match ...)
        Error: absmem_find was not run: k: expected less than or equal to 20, got 500. Fix the
        arguments and call it again.
    """

    verb: ClassVar[ToolName] = "find"
    name: str = TOOL_SPECS["find"].name
    description: str = TOOL_SPECS["find"].description
    args_schema: Annotated[ArgsSchema | None, SkipValidation()] = TOOL_SPECS["find"].args_schema


class AbsMemAssessTool(_AbsMemTool):
    """``absmem_assess``: the reward a candidate reply can expect, from similar past feedback.

    The model gives ``context`` (the request) and ``response`` (the reply it considers); the
    answer is :func:`absmem.tool_text.assessment_text`: the expected reward in [-1, 1], the
    confidence and the feedback behind it. Read-only (see
    :meth:`absmem.AbstractionMemory.assess`).

    Setup:
        .. code-block:: bash

            pip install "absmem[langchain]"

    Instantiate:
        .. code-block:: python

            from langchain_absmem import AbsMemAssessTool

            assess = AbsMemAssessTool(memory=memory, namespace="acme")

    Usage:
        .. code-block:: python

            assess.invoke({"context": "I lost my card", "response": "I blocked it for you."})

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as memory:
        ...     bad = memory.remember("I lost my card", "Please read the help pages.")
        ...     _ = memory.feedback(bad, -1.0)
        ...     text = AbsMemAssessTool(memory=memory).invoke(
        ...         {"context": "I lost my card", "response": "Please read the help pages."})
        >>> text.startswith("Expected reward -")
        True
    """

    verb: ClassVar[ToolName] = "assess"
    name: str = TOOL_SPECS["assess"].name
    description: str = TOOL_SPECS["assess"].description
    args_schema: Annotated[ArgsSchema | None, SkipValidation()] = TOOL_SPECS["assess"].args_schema


def absmem_tools(
    memory: AbstractionMemory,
    *,
    namespace: str | None = None,
    user_id: str | None = None,
    session_id: str | None = None,
) -> list[BaseTool]:
    """The three memory tools (recall, find, assess) in one scope, for an agent's ``tools``.

    Args:
        memory: the memory queried.
        namespace: tenant; the memory's by default. The model cannot choose another.
        user_id: recorded with the recalls the agent makes (who asked).
        session_id: recorded with the recalls the agent makes (the conversation).

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as memory:
        ...     tools = absmem_tools(memory, namespace="acme", user_id="u1")
        ...     print([tool.name for tool in tools])
        ['absmem_recall', 'absmem_find', 'absmem_assess']
    """
    scope: dict[str, Any] = {"memory": memory, "namespace": namespace, "user_id": user_id,
                             "session_id": session_id}  # fmt: skip
    return [AbsMemRecallTool(**scope), AbsMemFindTool(**scope), AbsMemAssessTool(**scope)]

"""The memory's read verbs as tools an LLM agent calls itself: ``recall``, ``find``, ``assess``.

An agent that can query its own memory asks when it needs to ("what happened last time I did
X?") instead of receiving a recall on every turn. This module holds what both adapters' tools
share, so that a LangChain tool and a LlamaIndex tool behave alike:

- the **argument models** an LLM fills (:class:`RecallArgs`, :class:`FindArgs`,
  :class:`AssessArgs`), each field with a description written for the model;
- the **tool specs** (:data:`TOOL_SPECS`): name, description (when to use the tool), arguments;
- :class:`MemoryTools`, which validates an LLM's arguments, calls the memory in the scope the
  developer fixed and renders the answer as text (:mod:`absmem.tool_text`).

The scope (namespace, user, session) is the developer's, never an argument the LLM sees: a
tool cannot read another tenant's memories whatever the model writes. ``find`` and ``assess``
are read-only; ``recall`` logs its ranking like every recall (with the user, the session and
the framework run id when the adapter has one), so feedback can later reach it. Refused
arguments raise :class:`ToolArgumentError` (an :class:`~absmem.errors.InvalidArgumentError`)
naming the argument; the adapters hand that back to the model as text
(:func:`~absmem.tool_text.error_text`) and raise every other error.

Example:
    >>> import tempfile
    >>> from absmem import AbstractionMemory
    >>> from absmem.tools import MemoryTools
    >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as mem:
    ...     good = mem.remember("refund please", "Refunded to your card today.")
    ...     _ = mem.feedback(good, 1.0)
    ...     tools = MemoryTools(mem, user_id="u1")
    ...     print(tools.run("find", {"cause": "refunded to your card", "outcome": "good"}))
    1 matching interaction, best match first:
    1. [...] situation "refund please" -> response "Refunded to your card today." -> led to:
    (no reply recorded); outcome +1.00 (match ...)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import InvalidArgumentError
from .memory import AbstractionMemory
from .tool_text import assessment_text, find_text, recall_text
from .validate import check_id, check_utf8

__all__ = [
    "TOOL_SPECS",
    "AssessArgs",
    "FindArgs",
    "MemoryTools",
    "RecallArgs",
    "ToolArgumentError",
    "ToolSpec",
    "invalid_argument",
]

logger = logging.getLogger(__name__)

ToolName = Literal["recall", "find", "assess"]
"""The memory verbs offered as tools (a type alias, importable though not in ``__all__``)."""
MAX_ITEMS = 20
"""Most memories or chains one tool call returns (the answer stays short)."""
DAY = 86400.0


class RecallArgs(BaseModel):
    """What an LLM gives the recall tool.

    Example:
        >>> RecallArgs(query="user wants to reset their card PIN").k
        5
    """

    model_config = ConfigDict(extra="ignore")

    query: str = Field(
        min_length=1,
        description="The situation to recall memories for, in plain words: the user's request "
        "or what you are about to do, e.g. 'user wants to reset their card PIN'.",
    )
    k: int = Field(
        default=5,
        ge=1,
        le=MAX_ITEMS,
        description=f"How many memories to return (1 to {MAX_ITEMS}).",
    )


class FindArgs(BaseModel):
    """What an LLM gives the find tool (at least one of cause, effect and outcome).

    Example:
        >>> FindArgs(cause="moved the menu to a sidebar", outcome="bad").within_days is None
        True
    """

    model_config = ConfigDict(extra="ignore")

    cause: str | None = Field(
        default=None,
        description="What was asked or done: text the past situation or your past response "
        "should match, e.g. 'moved the menu to a sidebar'. Optional.",
    )
    effect: str | None = Field(
        default=None,
        description="What it led to: text the user's next message should match, e.g. 'user "
        "could not find anything'. Optional.",
    )
    outcome: Literal["good", "bad"] | None = Field(
        default=None,
        description="'good' for interactions rated well, 'bad' for interactions rated badly; "
        "leave empty for any outcome, rated or not.",
    )
    k: int = Field(
        default=5, ge=1, le=MAX_ITEMS, description=f"How many matches to return (1 to {MAX_ITEMS})."
    )
    within_days: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Only interactions from the last this many days; leave empty for all time.",
    )

    @model_validator(mode="after")
    def _an_end(self) -> FindArgs:
        if self.cause is None and self.effect is None and self.outcome is None:
            raise ValueError("expected at least one of cause, effect or outcome")
        return self


class AssessArgs(BaseModel):
    """What an LLM gives the assess tool.

    Example:
        >>> AssessArgs(context="I lost my card", response="I blocked it.").response
        'I blocked it.'
    """

    model_config = ConfigDict(extra="ignore")

    context: str = Field(
        min_length=1, description="The situation: the user's request you are answering."
    )
    response: str = Field(
        min_length=1, description="The reply or action you are considering for it."
    )


@dataclass(frozen=True)
class ToolSpec:
    """A tool as an LLM sees it: its name, when to use it, and its arguments.

    Example:
        >>> TOOL_SPECS["find"].name, TOOL_SPECS["find"].args_schema.__name__
        ('absmem_find', 'FindArgs')
    """

    name: str
    description: str
    args_schema: type[BaseModel]


TOOL_SPECS: dict[ToolName, ToolSpec] = {
    "recall": ToolSpec(
        "absmem_recall",
        "Search your long-term memory of past interactions for lessons and past experiences "
        "that fit a situation, ranked by what worked. Use it before answering a request that "
        "may resemble earlier ones ('what worked last time a user asked this?'). Returns "
        "numbered memories: lessons with the approach to follow (do:) and to avoid, past "
        "experiences with whether they worked, each with its utility (0 to 1: the chance it "
        "helps).",
        RecallArgs,
    ),
    "find": ToolSpec(
        "absmem_find",
        "Look up how past interactions played out: which responses led to which user "
        "reactions and outcomes. Use it for questions like 'what happened last time I did X?' "
        "or 'when did my answers frustrate users?'. Give a cause (what was asked or done), an "
        "effect (how the user reacted next) and/or an outcome ('good' or 'bad'). Returns "
        "matches as: situation -> response -> led to: the user's next message; outcome "
        "(reward from -1 to +1); lesson. Read-only.",
        FindArgs,
    ),
    "assess": ToolSpec(
        "absmem_assess",
        "Estimate, from feedback on similar past interactions, how well a reply you are "
        "considering is likely to go before you send it. Use it to choose between candidate "
        "replies. Returns the expected reward (-1 to +1, positive means likely good), a "
        "confidence (0 to 1) and how much feedback backs it. Read-only.",
        AssessArgs,
    ),
}
"""The three tools, by verb."""


def invalid_argument(error: ValidationError) -> InvalidArgumentError:
    """The first problem of a pydantic ``ValidationError`` as an error naming the argument.

    Example:
        >>> from pydantic import ValidationError
        >>> try:
        ...     FindArgs(cause="x", k=50)
        ... except ValidationError as err:
        ...     print(invalid_argument(err))
        k: expected less than or equal to 20, got 50
        >>> try:
        ...     FindArgs(k=3)
        ... except ValidationError as err:
        ...     print(invalid_argument(err))
        arguments: expected at least one of cause, effect or outcome
    """
    first = error.errors()[0]
    argument = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"])
    if first["type"] == "missing":
        return InvalidArgumentError(argument, "a value (it is required)")
    for prefix in ("Input should be ", "Value error, ", "expected "):
        message = message.removeprefix(prefix)
    message = message[:1].lower() + message[1:]
    if not argument:  # a check across arguments: name them all, show no input
        return InvalidArgumentError("arguments", message)
    return InvalidArgumentError(argument, message, first.get("input", ...))


class ToolArgumentError(InvalidArgumentError):
    """An LLM's argument to a memory tool was refused (the message names it); nothing was read
    or stored. The adapters answer it to the model as text; any other error is raised.

    Example:
        >>> err = ToolArgumentError(InvalidArgumentError("k", "an integer <= 20", 50))
        >>> err.argument, str(err), isinstance(err, InvalidArgumentError)
        ('k', 'k: expected an integer <= 20, got 50', True)
    """

    def __init__(self, error: InvalidArgumentError) -> None:
        self.argument = error.argument
        self.expected = error.expected
        Exception.__init__(self, str(error))


def _blame(tool: ToolName, error: InvalidArgumentError) -> InvalidArgumentError:
    """``error`` as a :class:`ToolArgumentError` when it names the LLM's arguments only."""
    named = set(error.argument.replace(".", "/").split("/"))
    if named <= set(TOOL_SPECS[tool].args_schema.model_fields) | {"arguments"}:
        return ToolArgumentError(error)
    return error


def _arguments(tool: ToolName, arguments: Mapping[str, Any]) -> Any:
    try:
        return TOOL_SPECS[tool].args_schema.model_validate(dict(arguments))
    except ValidationError as err:
        raise ToolArgumentError(invalid_argument(err)) from err


class MemoryTools:
    """An :class:`~absmem.AbstractionMemory`'s read verbs for an LLM, in a fixed scope.

    ``run(tool, arguments)`` validates the LLM's ``arguments`` against the tool's argument
    model, calls the verb in the namespace (and for ``recall`` with the user and session) given
    here, and returns the text of :mod:`absmem.tool_text`; ``arun`` is its async twin on the
    memory's async verbs. The adapters wrap it as framework tools.

    Args:
        memory: the memory queried.
        namespace: tenant; the memory's by default. The LLM cannot change it.
        user_id: recorded with the tools' recalls (who asked).
        session_id: recorded with the tools' recalls (the conversation).

    Raises:
        InvalidArgumentError: for a memory that is not an ``AbstractionMemory``, a malformed
            id or an unknown tool.
        ToolArgumentError: from ``run``, for the LLM's refused arguments, naming the argument
            (an :class:`InvalidArgumentError` too). Errors that are not about the LLM's
            arguments (an embedder's, a closed memory, a busy store) keep their own type.

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as mem:
        ...     _ = mem.remember("how do I reset my pin?", "Cards > Reset PIN in the app.")
        ...     tools = MemoryTools(mem, namespace="default")
        ...     print(tools.run("recall", {"query": "how do I reset my pin?", "k": 1}))
        1 memory for "how do I reset my pin?", most useful first:
        1. past experience (unrated; utility 0.50, no feedback yet): situation "how do I reset
        my pin?" -> response "Cards > Reset PIN in the app."
    """

    def __init__(
        self,
        memory: AbstractionMemory,
        *,
        namespace: str | None = None,
        user_id: str | None = None,
        session_id: str | None = None,
    ) -> None:
        if not isinstance(memory, AbstractionMemory):
            raise InvalidArgumentError("memory", "an absmem AbstractionMemory", memory)
        check_id("namespace", namespace)
        if namespace is not None:
            check_utf8("namespace", namespace, "a non-empty string")
        check_id("user_id", user_id)
        check_id("session_id", session_id)
        self.memory = memory
        self.namespace = namespace
        self.user_id = user_id
        self.session_id = session_id

    def _plan(
        self, tool: ToolName, arguments: Mapping[str, Any], run_id: object
    ) -> tuple[str, tuple[Any, ...], dict[str, Any], Callable[[Any], str]]:
        """The verb to call, its arguments and the renderer of its result."""
        if tool not in TOOL_SPECS:
            raise InvalidArgumentError("tool", f"one of {sorted(TOOL_SPECS)}", tool)
        args = _arguments(tool, arguments)
        scope: dict[str, Any] = {"namespace": self.namespace}
        if isinstance(args, RecallArgs):
            scope |= {"k": args.k, "user_id": self.user_id, "session_id": self.session_id,
                      "run_id": run_id}  # fmt: skip
            return "recall", (args.query,), scope, recall_text
        if isinstance(args, FindArgs):
            since = None if args.within_days is None else time.time() - args.within_days * DAY
            scope |= {"outcome": args.outcome, "k": args.k, "since": since}
            return "find", (args.cause, args.effect), scope, find_text
        assert isinstance(args, AssessArgs)
        return "assess", (args.context, args.response), scope, assessment_text

    def run(self, tool: ToolName, arguments: Mapping[str, Any], *, run_id: object = None) -> str:
        """Call ``tool`` (``"recall"``, ``"find"`` or ``"assess"``) with an LLM's
        ``arguments``; the answer as text. ``run_id`` (a framework run id) is linked to a
        recall (see :meth:`~absmem.AbstractionMemory.recall`)."""
        verb, args, kwargs, render = self._plan(tool, arguments, run_id)
        logger.debug("memory tool %s in namespace %s", verb, self.namespace)
        try:
            result = getattr(self.memory, verb)(*args, **kwargs)
        except InvalidArgumentError as err:
            raise _blame(tool, err) from err
        return render(result)

    async def arun(
        self, tool: ToolName, arguments: Mapping[str, Any], *, run_id: object = None
    ) -> str:
        """Async twin of :meth:`run`, on the memory's async verbs."""
        verb, args, kwargs, render = self._plan(tool, arguments, run_id)
        logger.debug("memory tool %s in namespace %s", verb, self.namespace)
        try:
            result = await getattr(self.memory, f"a{verb}")(*args, **kwargs)
        except InvalidArgumentError as err:
            raise _blame(tool, err) from err
        return render(result)

    def __repr__(self) -> str:
        return (
            f"MemoryTools(namespace={self.namespace!r}, user_id={self.user_id!r}, "
            f"session_id={self.session_id!r})"
        )

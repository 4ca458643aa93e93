"""``AbsMemMemory``: the classic ``BaseMemory`` (``langchain_classic``) for chains still in use.

Needs the ``langchain-classic`` package (``pip install "absmem[langchain-classic]"``); importing
``langchain_absmem`` does not, as this module is only imported when ``AbsMemMemory`` is asked for.
"""

from __future__ import annotations

import warnings
from typing import Any

from pydantic import ConfigDict, Field, PrivateAttr

from absmem import AbstractionMemory, InvalidArgumentError, Recall

try:
    with warnings.catch_warnings():  # the classic package warns that BaseMemory is deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_classic.base_memory import BaseMemory
except ImportError as err:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        'AbsMemMemory needs the langchain-classic package: pip install "absmem[langchain-classic]"'
    ) from err

__all__ = ["AbsMemMemory"]


class AbsMemMemory(BaseMemory):
    """Memory for classic chains (``ConversationChain``-style): recall in, remember out.

    ``load_memory_variables`` recalls for the chain's input and returns the rendered recall under
    ``memory_key``; ``save_context`` remembers the input and the chain's output linked to that
    recall. The ids of the last recall and experience are kept for feedback.

    Setup:
        .. code-block:: bash

            pip install "absmem[langchain-classic]"

    Instantiate:
        .. code-block:: python

            from absmem import AbstractionMemory
            from langchain_absmem import AbsMemMemory

            memory = AbsMemMemory(memory=AbstractionMemory.open("./memory"), session_id="s1")

    Usage:
        .. code-block:: python

            from langchain_classic.chains import ConversationChain

            chain = ConversationChain(llm=llm, memory=memory)
            chain.invoke({"input": "how do I reset my pin?"})
            memory.memory.feedback(memory.last_experience_id, reward=1.0)

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> from langchain_absmem import AbsMemMemory
        >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as mem:
        ...     memory = AbsMemMemory(memory=mem, k=1, user_id="u1")
        ...     _ = memory.load_memory_variables({"input": "how do I reset my pin?"})
        ...     memory.save_context({"input": "how do I reset my pin?"},
        ...                         {"response": "Cards > Reset PIN in the app."})
        ...     print(memory.load_memory_variables({"input": "pin reset"})["history"])
        Relevant past interactions (from memory, most useful first):
        1. When asked "how do I reset my pin?", the response was "Cards > Reset PIN in the app."
        (unrated)
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    memory: AbstractionMemory = Field(description="The absmem memory.")
    memory_key: str = Field(default="history", description="Prompt variable of the recall.")
    input_key: str | None = Field(default=None, description="Input holding the user's turn.")
    output_key: str | None = Field(default=None, description="Output holding the reply.")
    k: int = Field(default=5, ge=1, le=1000, description="Memory items recalled per turn.")
    user_id: str | None = Field(default=None, description="The user, for erasure.")
    session_id: str | None = Field(default=None, description="The conversation.")
    namespace: str | None = Field(default=None, description="Tenant; the memory's by default.")

    _last_recall: Recall | None = PrivateAttr(default=None)
    _last_experience_id: str | None = PrivateAttr(default=None)

    @property
    def memory_variables(self) -> list[str]:
        """The one variable this memory adds: ``memory_key``."""
        return [self.memory_key]

    @property
    def last_recall_id(self) -> str | None:
        """The id of the last recall made (rate it with ``memory.feedback``)."""
        return None if self._last_recall is None else self._last_recall.id

    @property
    def last_experience_id(self) -> str | None:
        """The id of the last exchange remembered (rate it with ``memory.feedback``)."""
        return self._last_experience_id

    def _key(self, values: dict[str, Any], chosen: str | None, argument: str) -> str:
        if chosen is not None:
            if chosen not in values:
                raise InvalidArgumentError(argument, f"a key of {sorted(values)}", chosen)
            return chosen
        keys = [key for key in values if key not in (self.memory_key, "stop")]
        if len(keys) != 1:
            raise InvalidArgumentError(argument, f"set: one of {sorted(keys)} holds the text")
        return keys[0]

    def _scope(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "session_id": self.session_id,
                "namespace": self.namespace}  # fmt: skip

    def _rendered(self, recall: Recall) -> dict[str, str]:
        self._last_recall = recall
        return {self.memory_key: recall.as_prompt()}

    def _remember_args(self, inputs: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
        query = str(inputs[self._key(inputs, self.input_key, "input_key")])
        answer = str(outputs[self._key(outputs, self.output_key, "output_key")])
        last = self._last_recall
        recall_id = last.id if last is not None and last.query == query else None
        return {"context": query, "response": answer, "recall_id": recall_id,
                "metadata": {"source": "langchain-classic"}, **self._scope()}  # fmt: skip

    def load_memory_variables(self, inputs: dict[str, Any]) -> dict[str, str]:
        """Recall for the chain's input; ``{memory_key: rendered recall}``."""
        query = str(inputs[self._key(inputs, self.input_key, "input_key")])
        return self._rendered(self.memory.recall(query, k=self.k, **self._scope()))

    async def aload_memory_variables(self, inputs: dict[str, Any]) -> dict[str, str]:
        """Async twin of :meth:`load_memory_variables`."""
        query = str(inputs[self._key(inputs, self.input_key, "input_key")])
        return self._rendered(await self.memory.arecall(query, k=self.k, **self._scope()))

    def save_context(self, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        """Remember the exchange, linked to the recall made for this input."""
        self._last_experience_id = self.memory.remember(**self._remember_args(inputs, outputs))

    async def asave_context(self, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        """Async twin of :meth:`save_context`."""
        args = self._remember_args(inputs, outputs)
        self._last_experience_id = await self.memory.aremember(**args)

    def clear(self) -> None:
        """Forget this conversation (``session_id``) from the memory; needs a ``session_id``."""
        if self.session_id is None:
            raise InvalidArgumentError("session_id", "set, to clear (forget) a conversation")
        self.memory.forget(session_id=self.session_id, namespace=self.namespace)
        self._last_recall, self._last_experience_id = None, None

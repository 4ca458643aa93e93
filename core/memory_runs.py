"""The run-link verbs of :class:`absmem.AbstractionMemory` (``link_run`` / ``alink_run``).

Framework adapters link a run id to the recall and the experience it produced, so that
``feedback(run_id=..., reward=...)`` can name the run later (see :mod:`absmem.engine_runs` for
the rules). ``recall(..., run_id=...)`` and ``remember(..., run_id=...)`` link as they go; this
verb links after the fact, for example a parent chain's run id once its child recalled.

Example:
    >>> import tempfile, uuid
    >>> from absmem import AbstractionMemory
    >>> run = uuid.uuid4()  # LangChain run ids are UUIDs; strings work too
    >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as mem:
    ...     r = mem.recall("where is my parcel?")
    ...     linked = mem.link_run(run, recall_id=r.id)
    ...     fb = mem.feedback(run_id=run, reward=-1.0)
    ...     print(linked == str(run), fb.target_kind, fb.target_id == r.id)
    True recall True

Adapters that know a conversation but no framework run id name a turn instead
(:func:`turn_run_id`): ``"session:s1:turn:3"`` for the third turn of session ``s1``, and
``"session:s1:turn:latest"`` for whichever turn came last.

    >>> from absmem import turn_run_id
    >>> turn_run_id("s1", 3), turn_run_id("s1")
    ('session:s1:turn:3', 'session:s1:turn:latest')
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

from .engine import Engine
from .errors import InvalidArgumentError
from .validate import check_id, check_int, check_run_id

__all__ = ["RunLinkVerbs", "turn_run_id"]

T = TypeVar("T")


def turn_run_id(session_id: str, turn: int | None = None) -> str:
    """The run id that names turn ``turn`` (1 first) of session ``session_id``; ``None``: latest.

    Adapters link each turn they remember under both ids, so an application that knows only
    the conversation can rate it: ``memory.feedback(run_id=turn_run_id("s1"), reward=1.0)``.

    Raises:
        InvalidArgumentError: naming ``session_id`` or ``turn`` when it is not a non-empty
            string id or an integer >= 1 (or ``None``).
    """
    session = check_id("session_id", session_id, required=True)
    if turn is None:
        return f"session:{session}:turn:latest"
    return f"session:{session}:turn:{check_int('turn', turn, 'an integer >= 1 or None', 1)}"


class RunLinkVerbs:
    """Mixin of :class:`~absmem.AbstractionMemory`: linking framework run ids."""

    _engine: Engine

    def _sync(self, verb: str, coroutine: Coroutine[Any, Any, T]) -> T:
        raise NotImplementedError

    def _ns(self, namespace: str | None) -> str:
        raise NotImplementedError

    async def alink_run(
        self,
        run_id: object,
        *,
        recall_id: str | None = None,
        experience_id: str | None = None,
        namespace: str | None = None,
    ) -> str:
        """Link a framework run id to a recall and/or an experience; returns the run id as text.

        Args:
            run_id: the run's id (``uuid.UUID`` or a string), e.g. a LangChain run id.
            recall_id: a recall of this namespace the run produced.
            experience_id: an experience of this namespace the run produced (its recall is
                linked with it).
            namespace: tenant; defaults to the memory's.

        Raises:
            InvalidArgumentError: when neither ``recall_id`` nor ``experience_id`` is given.
            UnknownTargetError: when the namespace holds no such recall or experience.
        """
        run = check_run_id(run_id, required=True)
        assert run is not None  # required=True never returns None
        check_id("recall_id", recall_id)
        check_id("experience_id", experience_id)
        if recall_id is None and experience_id is None:
            raise InvalidArgumentError(
                "recall_id/experience_id", "at least one of recall_id= or experience_id="
            )
        await self._engine.link_run(self._ns(namespace), run, recall_id, experience_id)
        return run

    def link_run(self, run_id: object, **kwargs: Any) -> str:
        """Sync twin of :meth:`alink_run`."""
        return self._sync("link_run", self.alink_run(run_id, **kwargs))

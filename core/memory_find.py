"""The relational query verbs of :class:`absmem.AbstractionMemory` (``find`` / ``afind``).

The query model is :mod:`absmem.find`; how candidates are gathered is :mod:`absmem.engine_find`.

Example:
    >>> import tempfile
    >>> from absmem import AbstractionMemory
    >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as mem:
    ...     good = mem.remember("refund please", "Refunded to your card today.")
    ...     _ = mem.feedback(good, 1.0)
    ...     found = mem.find(cause="refunded to your card", outcome="good", k=3)
    >>> [c.experience.id == good for c in found]
    [True]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Coroutine
from typing import Any, TypeVar

from pydantic import ValidationError

from .engine import Engine
from .errors import InvalidArgumentError
from .find import Chain, FindQuery
from .validate import check_id, check_k, check_number, check_utf8

__all__ = ["FindVerbs", "find_query"]

T = TypeVar("T")

_EXPECTED = {
    "cause": "a non-empty text or None",
    "effect": "a non-empty text or None",
    "outcome": '"good", "bad", a (low, high) range with -1 <= low <= high <= 1, or None',
    "k": "an integer in [1, 1000]",
    "since": "Unix seconds or a timezone-aware datetime",
    "until": "Unix seconds or a timezone-aware datetime",
    "min_similarity": "a number in [-1, 1]",
}


def find_query(**fields: Any) -> FindQuery:
    """A validated :class:`~absmem.find.FindQuery`; a bad field raises
    :class:`~absmem.errors.InvalidArgumentError` naming it.

    Example:
        >>> find_query(cause="slow checkout", k=3).k
        3
        >>> find_query(k=3)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        absmem.errors.InvalidArgumentError: cause/effect/outcome: expected at least one of ...
    """
    for name in ("session_id", "user_id", "abstraction_id"):
        check_id(name, fields.get(name))
    for name in ("cause", "effect"):
        if isinstance(fields.get(name), str):
            check_utf8(name, fields[name], "a text")
    _check_numbers(fields)
    try:
        return FindQuery(**fields)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if not isinstance(p, int))
        if not where:
            where = "since/until" if "since" in first["msg"] else "cause/effect/outcome"
        argument = where.split(".")[0]
        got = first.get("input", ...)
        if argument == "since/until":
            got = (fields.get("since"), fields.get("until"))
        message = str(first["msg"]).removeprefix("Value error, ")
        if message.startswith("expected "):
            message = message.removeprefix("expected ")
        else:
            message = _EXPECTED.get(argument, message)
        raise InvalidArgumentError(argument, message, got) from err


def _check_numbers(fields: dict[str, Any]) -> None:
    """Refuse what pydantic would coerce: booleans and strings as numbers, in place of ``k``,
    ``min_similarity``, the times and an outcome range (a list range becomes a tuple)."""
    if "k" in fields:
        check_k(fields["k"])
    if "min_similarity" in fields:
        check_number("min_similarity", fields["min_similarity"], -1.0, 1.0)
    for name in ("since", "until"):
        value = fields.get(name)
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, int | float | dt.datetime)):  # fmt: skip
            raise InvalidArgumentError(name, _EXPECTED[name], value)
    outcome = fields.get("outcome")
    if isinstance(outcome, list | tuple):
        if len(outcome) != 2:
            raise InvalidArgumentError("outcome", _EXPECTED["outcome"], outcome)
        for bound in outcome:
            check_number("outcome", bound, -1.0, 1.0)
        fields["outcome"] = tuple(outcome)
    elif outcome is not None and outcome not in ("good", "bad"):
        raise InvalidArgumentError("outcome", _EXPECTED["outcome"], outcome)


class FindVerbs:
    """Mixin of :class:`~absmem.AbstractionMemory`: relational queries over the graph."""

    _engine: Engine

    def _sync(self, verb: str, coroutine: Coroutine[Any, Any, T]) -> T:
        raise NotImplementedError

    def _ns(self, namespace: str | None) -> str:
        raise NotImplementedError

    async def afind(
        self,
        cause: str | None = None,
        effect: str | None = None,
        *,
        outcome: Any = None,
        k: int = 10,
        since: Any = None,
        until: Any = None,
        session_id: str | None = None,
        user_id: str | None = None,
        abstraction_id: str | None = None,
        min_similarity: float = 0.3,
        namespace: str | None = None,
    ) -> list[Chain]:
        """Chains of experience -> the turn it led to -> outcome -> lesson that match a cause
        and an effect, best first (see :mod:`absmem.find`). Nothing is logged or stored.

        Args:
            cause: text the experience's context or response should match.
            effect: text the user turn it ``led_to`` (the reply it provoked) should match.
            outcome: ``"good"``, ``"bad"`` or a ``(low, high)`` range of its mean reward.
            k: most chains returned, 1 to 1000.
            since: only experiences stored at or after (Unix seconds or an aware datetime).
            until: only experiences stored before.
            session_id: only this session's turns.
            user_id: only this user's interactions.
            abstraction_id: only members of this abstraction (or of one refining it).
            min_similarity: least cosine similarity each text end needs.
            namespace: tenant; defaults to the memory's.

        Raises:
            InvalidArgumentError: naming the argument; at least one of ``cause``, ``effect``
                and ``outcome`` is needed.
            UnknownTargetError: naming ``abstraction_id`` when the namespace lacks it.
        """
        query = find_query(cause=cause, effect=effect, outcome=outcome, k=k, since=since,
                           until=until, session_id=session_id, user_id=user_id,
                           abstraction_id=abstraction_id,
                           min_similarity=min_similarity)  # fmt: skip
        return await self._engine.find(self._ns(namespace), query)

    def find(
        self, cause: str | None = None, effect: str | None = None, **kwargs: Any
    ) -> list[Chain]:
        """Sync twin of :meth:`afind`."""
        return self._sync("find", self.afind(cause, effect, **kwargs))

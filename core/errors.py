"""One exception hierarchy for absmem.

Every error absmem raises on purpose derives from :class:`AbsmemError`. Errors about a caller's
argument also derive from :class:`ValueError` (or :class:`LookupError` for unknown ids), so code
that already catches those keeps working.

Example:
    >>> from absmem.errors import AbsmemError, InvalidArgumentError
    >>> try:
    ...     raise InvalidArgumentError("reward", "a finite number in [-1, 1]", float("nan"))
    ... except AbsmemError as err:
    ...     print(err)
    reward: expected a finite number in [-1, 1], got nan
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AbsmemError",
    "EmbedderMismatchError",
    "InvalidArgumentError",
    "MemoryClosedError",
    "SchemaVersionError",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreUnavailableError",
    "UnknownTargetError",
]


class AbsmemError(Exception):
    """Root of every error absmem raises on purpose."""


class InvalidArgumentError(AbsmemError, ValueError):
    """An argument had the wrong type or value; nothing was stored or changed."""

    def __init__(self, argument: str, expected: str, got: Any = ...) -> None:
        self.argument = argument
        self.expected = expected
        message = f"{argument}: expected {expected}"
        if got is not ...:
            shown = repr(got)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            message += f", got {shown}"
        super().__init__(message)


class UnknownTargetError(AbsmemError, LookupError):
    """An id (recall, experience, run) that the memory does not hold in this namespace."""

    def __init__(
        self, argument: str, value: str, namespace: str, what: str = "a recall or experience"
    ) -> None:
        self.argument = argument
        self.value = value
        self.namespace = namespace
        super().__init__(
            f"{argument}: expected the id of {what} stored in namespace "
            f"{namespace!r}, got unknown id {value!r}"
        )

    def __str__(self) -> str:  # LookupError would otherwise repr() the message
        return str(self.args[0])


class MemoryClosedError(AbsmemError, RuntimeError):
    """A verb was called on a memory after ``close()``."""

    def __init__(self, verb: str) -> None:
        super().__init__(f"{verb}: expected an open memory, but this memory was closed")


class EmbedderMismatchError(AbsmemError):
    """The store was built with a different embedder than the one given to open it."""

    def __init__(self, stored: tuple[str, int], given: tuple[str, int]) -> None:
        self.stored = stored
        self.given = given
        super().__init__(
            f"embedder: expected {stored[0]!r} (dimension {stored[1]}), the embedder this store "
            f"was built with, got {given[0]!r} (dimension {given[1]}); open the store with its "
            "own embedder, or start a new store"
        )


class SchemaVersionError(AbsmemError):
    """The store file was written by a newer absmem than this one."""


class StoreCorruptError(AbsmemError):
    """The store file cannot be read as an absmem store."""


class StoreBusyError(AbsmemError, TimeoutError):
    """The store stayed locked by other writers past the store's retry budget; nothing changed.

    Stores retry a busy database with back-off before raising this (see ``busy_budget_s`` of
    :class:`~absmem.store.SQLiteStore`); the call can be repeated.
    """


class StoreUnavailableError(AbsmemError, ConnectionError):
    """The store's database server cannot be reached, or refused the connection.

    Raised by :class:`~absmem.store.PostgresStore` for a malformed connection string, an
    unreachable or stopped server, refused credentials or a connection lost mid-call (a write
    whose connection broke may or may not have committed). The password of a connection string
    is never part of the message.

    Example:
        >>> from absmem.errors import StoreUnavailableError
        >>> err = StoreUnavailableError("dsn: expected a reachable PostgreSQL server, got ...")
        >>> isinstance(err, ConnectionError), str(err).startswith("dsn: expected")
        (True, True)
    """

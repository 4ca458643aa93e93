"""A small typed registry, one per extension point (embedders, stores).

Example:
    >>> from absmem.registry import Registry
    >>> shapes: Registry[type] = Registry("shape")
    >>> shapes.register("int", int)
    >>> shapes.get("int")
    <class 'int'>
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from .errors import InvalidArgumentError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to factories of one kind; lookups of unknown names fail with the known ones."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> None:
        """Register ``entry`` under ``name``; a name is registered once."""
        if name in self._entries:
            raise InvalidArgumentError("name", f"a {self.kind} name not yet registered", name)
        self._entries[name] = entry

    def decorator(self, name: str) -> Callable[[T], T]:
        """Register the decorated object under ``name``."""

        def wrap(entry: T) -> T:
            self.register(name, entry)
            return entry

        return wrap

    def get(self, name: str) -> T:
        """Return the entry registered as ``name``."""
        try:
            return self._entries[name]
        except KeyError as err:
            raise InvalidArgumentError(self.kind, f"one of {sorted(self._entries)}", name) from err

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._entries)

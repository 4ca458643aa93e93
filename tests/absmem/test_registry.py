"""The typed registry."""

from __future__ import annotations

import pytest

from absmem.errors import InvalidArgumentError
from absmem.registry import Registry


def test_register_get_and_duplicates() -> None:
    registry: Registry[int] = Registry("number")
    registry.register("one", 1)
    assert registry.decorator("two")(2) == 2
    assert registry.names() == ["one", "two"]
    assert registry.get("two") == 2
    with pytest.raises(InvalidArgumentError, match="^name"):
        registry.register("one", 11)
    with pytest.raises(InvalidArgumentError, match=r"^number: expected one of \['one', 'two'\]"):
        registry.get("three")

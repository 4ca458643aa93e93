"""The exception hierarchy and its messages."""

from __future__ import annotations

from absmem.errors import (
    AbsmemError,
    EmbedderMismatchError,
    InvalidArgumentError,
    MemoryClosedError,
    UnknownTargetError,
)


def test_messages_name_the_argument() -> None:
    assert str(InvalidArgumentError("k", "an integer")) == "k: expected an integer"
    long = InvalidArgumentError("context", "a string", "x" * 200)
    assert len(str(long)) < 130
    assert str(UnknownTargetError("target", "rec_1", "ns")).startswith("target: expected")
    assert "open memory" in str(MemoryClosedError("recall"))
    assert "'a' (dimension 3)" in str(EmbedderMismatchError(("a", 3), ("b", 4)))


def test_builtin_bases_for_callers_that_catch_them() -> None:
    assert issubclass(InvalidArgumentError, ValueError)
    assert issubclass(UnknownTargetError, LookupError)
    assert issubclass(MemoryClosedError, RuntimeError)
    assert all(issubclass(e, AbsmemError) for e in (InvalidArgumentError, UnknownTargetError))

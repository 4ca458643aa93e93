"""Argument checks."""

from __future__ import annotations

import pytest

from absmem.errors import InvalidArgumentError
from absmem.validate import check_id, check_k, check_metadata, check_reward, check_text


def test_check_reward() -> None:
    assert check_reward(-1) == -1.0
    assert check_reward(0.25) == 0.25
    for bad in (True, "0.5", float("nan"), 1.0001):
        with pytest.raises(InvalidArgumentError, match="^reward"):
            check_reward(bad)


def test_check_id_and_text() -> None:
    assert check_id("user_id", None) is None
    assert check_id("user_id", "u1") == "u1"
    with pytest.raises(InvalidArgumentError, match="^target: expected a non-empty string id,"):
        check_id("target", None, required=True)
    with pytest.raises(InvalidArgumentError, match="^context"):
        check_text("context", "\n\t")


def test_check_k_and_metadata() -> None:
    assert check_k(1) == 1
    with pytest.raises(InvalidArgumentError, match=r"^k: expected an integer in \[1, 10\]"):
        check_k(11, maximum=10)
    assert check_metadata(None) == {}
    assert check_metadata({"a": [1, "b"]}) == {"a": [1, "b"]}
    with pytest.raises(InvalidArgumentError, match="^metadata"):
        check_metadata({1: "int key"})


def test_check_int() -> None:
    from absmem.validate import check_int

    assert check_int("chunk", 3, "a positive integer", 1) == 3
    for bad in (0, True, 2.0, "3"):
        with pytest.raises(InvalidArgumentError, match="^chunk: expected a positive integer"):
            check_int("chunk", bad, "a positive integer", 1)

"""Argument checks shared by the public verbs. Each names the argument and what was expected.

Example:
    >>> from absmem.validate import check_reward
    >>> check_reward(0.5)
    0.5
    >>> check_reward(2)
    Traceback (most recent call last):
    ...
    absmem.errors.InvalidArgumentError: reward: expected a finite number in [-1, 1], got 2
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from typing import Any

from .embed.base import check_text as _check_text
from .errors import InvalidArgumentError

__all__ = [
    "check_bool",
    "check_id",
    "check_int",
    "check_k",
    "check_metadata",
    "check_number",
    "check_reward",
    "check_run_id",
    "check_text",
    "check_utf8",
]


def check_utf8(argument: str, value: str, expected: str) -> str:
    """``value`` when UTF-8 can encode it (no lone surrogates such as ``"\\ud800"``), which
    the store and the embedders need; else raise naming ``argument``."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InvalidArgumentError(
            argument, f"{expected} that UTF-8 can encode (no lone surrogates)", value
        ) from err
    return value


def check_text(argument: str, value: object) -> str:
    """A non-empty string (not only whitespace) that UTF-8 can encode."""
    return check_utf8(argument, _check_text(argument, value), "a non-empty string")


def check_bool(argument: str, value: object) -> bool:
    """``True`` or ``False`` (not a truthy string such as ``"no"``)."""
    if not isinstance(value, bool):
        raise InvalidArgumentError(argument, "True or False", value)
    return value


def check_reward(reward: object) -> float:
    """A finite real number in [-1, 1] (booleans are refused: pass 1.0 or -1.0)."""
    return check_number("reward", reward, -1.0, 1.0)


def check_number(argument: str, value: object, low: float, high: float) -> float:
    """A finite real number in ``[low, high]`` (booleans are refused).

    Example:
        >>> check_number("session_weight", 0.5, 0.0, 10.0)
        0.5
    """
    expected = f"a finite number in [{low:g}, {high:g}]"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgumentError(argument, expected, value)
    try:
        number = float(value)
    except OverflowError as err:  # an int past float's range
        raise InvalidArgumentError(argument, expected, value) from err
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidArgumentError(argument, expected, value)
    return number


def check_id(argument: str, value: object, required: bool = False) -> str | None:
    """``None`` (unless ``required``) or a non-empty string without surrounding whitespace."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or value != value.strip():
        expected = "a non-empty string id" + ("" if required else " or None")
        raise InvalidArgumentError(argument, expected, value)
    return check_utf8(argument, value, "a string id")


def check_run_id(value: object, required: bool = False) -> str | None:
    """A framework run id (a ``uuid.UUID``, as LangChain gives, or a string id) as a string."""
    if isinstance(value, uuid.UUID):
        return str(value)
    try:
        return check_id("run_id", value, required)
    except InvalidArgumentError as err:
        expected = "a run id (uuid.UUID or a non-empty string)" + ("" if required else " or None")
        raise InvalidArgumentError("run_id", expected, value) from err


def check_int(
    argument: str, value: object, expected: str, low: int, high: int | None = None
) -> int:
    """An integer (not a bool) in [``low``, ``high``]; the error says ``expected``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        raise InvalidArgumentError(argument, expected, value)
    return value


def check_k(k: object, maximum: int = 1000) -> int:
    """An integer number of items in [1, ``maximum``]."""
    return check_int("k", k, f"an integer in [1, {maximum}]", 1, maximum)


def check_metadata(metadata: object) -> dict[str, Any]:
    """``None`` or a mapping with string keys whose values JSON can encode."""
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping) or not all(isinstance(k, str) for k in metadata):
        raise InvalidArgumentError("metadata", "a dict with string keys", metadata)
    try:
        json.dumps(dict(metadata), allow_nan=False)
    except (TypeError, ValueError) as err:
        raise InvalidArgumentError("metadata", "JSON-serialisable values", metadata) from err
    except RecursionError as err:  # not shown: its repr would recurse as deep
        raise InvalidArgumentError("metadata", "JSON values nested less deeply") from err
    return dict(metadata)

"""Map the feedback scores applications already collect onto the core's reward in [-1, 1].

``feedback`` takes a reward in [-1, 1]. Applications and tracing tools speak other scales: a
thumbs up or down, a LangSmith feedback ``score`` in [0, 1], a rating from 1 to 5. The mapping is
explicit, never guessed from the value (0.5 means "so-so" on [0, 1] and "good" on [-1, 1]):

=============  ==========================================  ===================================
``scale``      accepted ``score``                          reward
=============  ==========================================  ===================================
``"signed"``   a number in [-1, 1]                         the score itself
``"unit"``     a number in [0, 1] (LangSmith's scores)     ``2 * score - 1``
``"thumbs"``   ``True``/``False``, ``"up"``/``"down"``,    ``1.0`` for up, ``-1.0`` for down
               ``1``/``0``/``-1``
``(lo, hi)``   a number in [lo, hi] (stars: ``(1, 5)``)    ``2 * (score - lo) / (hi - lo) - 1``
=============  ==========================================  ===================================

Example:
    >>> from absmem import to_reward
    >>> to_reward(1.0, scale="unit"), to_reward(0.25, scale="unit"), to_reward(0.5)
    (1.0, -0.5, 0.5)
    >>> to_reward(False, scale="thumbs"), to_reward("up", scale="thumbs")
    (-1.0, 1.0)
    >>> to_reward(4, scale=(1, 5))
    0.5
"""

from __future__ import annotations

import math
from typing import Literal

from .errors import InvalidArgumentError
from .validate import check_reward

__all__ = ["to_reward"]

Scale = Literal["signed", "unit", "thumbs"] | tuple[float, float]
"""A score scale: ``"signed"`` ([-1, 1]), ``"unit"`` ([0, 1]), ``"thumbs"`` or ``(lo, hi)``."""

_UP = {"up", "thumbs_up", "+1", "\N{THUMBS UP SIGN}"}
_DOWN = {"down", "thumbs_down", "-1", "\N{THUMBS DOWN SIGN}"}


def to_reward(score: object, *, scale: Scale = "signed") -> float:
    """The reward in [-1, 1] that ``score`` on ``scale`` means (see the module's table).

    Raises:
        InvalidArgumentError: naming ``score`` when it is not on the scale, or ``scale`` when
            the scale is unknown.
    """
    if scale == "thumbs":
        return _thumbs(score)
    if isinstance(scale, tuple):
        low, high = _bounds(scale)
    elif scale == "unit":
        low, high = 0.0, 1.0
    elif scale == "signed":
        low, high = -1.0, 1.0
    else:
        raise InvalidArgumentError("scale", '"signed", "unit", "thumbs" or a (lo, hi) tuple', scale)
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise InvalidArgumentError("score", f"a finite number in [{low:g}, {high:g}]", score)
    value = float(score)
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidArgumentError("score", f"a finite number in [{low:g}, {high:g}]", score)
    return check_reward(min(1.0, max(-1.0, 2.0 * (value - low) / (high - low) - 1.0)))


def _thumbs(score: object) -> float:
    if isinstance(score, bool):
        return 1.0 if score else -1.0
    if isinstance(score, int | float) and score in (1, 0, -1):
        return 1.0 if score == 1 else -1.0
    if isinstance(score, str) and score.strip().lower() in _UP | _DOWN:
        return 1.0 if score.strip().lower() in _UP else -1.0
    raise InvalidArgumentError("score", 'a thumb: True/False, "up"/"down" or 1/0/-1', score)


def _bounds(scale: tuple[object, ...]) -> tuple[float, float]:
    numbers = [v for v in scale if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(scale) != 2 or len(numbers) != 2 or not all(map(math.isfinite, numbers)):
        raise InvalidArgumentError("scale", "a (lo, hi) tuple of finite numbers", scale)
    low, high = float(numbers[0]), float(numbers[1])
    if not low < high:
        raise InvalidArgumentError("scale", "a (lo, hi) tuple with lo < hi", scale)
    return low, high

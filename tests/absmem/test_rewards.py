"""to_reward: explicit scales from application scores to the core's reward."""

from __future__ import annotations

import pytest

from absmem import InvalidArgumentError, to_reward


@pytest.mark.parametrize(
    ("score", "scale", "reward"),
    [
        (1.0, "unit", 1.0),
        (0.0, "unit", -1.0),
        (0.75, "unit", 0.5),
        (-0.25, "signed", -0.25),
        (True, "thumbs", 1.0),
        (False, "thumbs", -1.0),
        ("Down", "thumbs", -1.0),
        (0, "thumbs", -1.0),
        (-1, "thumbs", -1.0),
        (5, (1, 5), 1.0),
        (3, (1, 5), 0.0),
    ],
)
def test_each_scale_maps_onto_the_reward(score: object, scale: object, reward: float) -> None:
    assert to_reward(score, scale=scale) == pytest.approx(reward)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "scale", "argument"),
    [
        (1.5, "unit", "score"),
        (-0.1, "unit", "score"),
        (True, "unit", "score"),
        (float("nan"), "signed", "score"),
        ("meh", "thumbs", "score"),
        (0.5, "thumbs", "score"),
        (0.5, "percent", "scale"),
        (3, (5, 1), "scale"),
        (3, (1, "5"), "scale"),
    ],
)
def test_a_score_off_its_scale_is_refused(score: object, scale: object, argument: str) -> None:
    with pytest.raises(InvalidArgumentError, match=f"^{argument}:"):
        to_reward(score, scale=scale)  # type: ignore[arg-type]

"""Rendering of served experiences."""

from __future__ import annotations

from absmem.render import MAX_CHARS, render_item, verdict
from absmem.store.base import StoredExperience
from absmem.types import Outcome


def _stored(outcome: Outcome, response: str = "Do this.") -> StoredExperience:
    return StoredExperience(seq=1, id="e1", namespace="n", context="ctx " * 200, response=response,
                            created_at=0.0, user_id=None, session_id=None, recall_id=None,
                            metadata={}, outcome=outcome, usage=Outcome())  # fmt: skip


def test_verdicts() -> None:
    assert verdict(Outcome()) == "unrated"
    assert verdict(Outcome(alpha=3, beta=1, n=2)) == "worked"
    assert verdict(Outcome(alpha=1, beta=3, n=2)) == "failed"
    assert verdict(Outcome(alpha=2, beta=2, n=2)) == "mixed"


def test_advice_and_avoid_follow_the_outcome() -> None:
    worked = render_item(_stored(Outcome(alpha=3, beta=1, n=2)), 0.9, 1.0, 0, 0.8)
    assert (worked.advice, worked.avoid) == ("Do this.", None)
    failed = render_item(_stored(Outcome(alpha=1, beta=3, n=2)), 0.9, 1.0, 0, 0.8)
    assert (failed.advice, failed.avoid) == (None, "Do this.")
    unrated = render_item(_stored(Outcome()), 0.9, 1.0, 0, 0.8)
    assert (unrated.advice, unrated.avoid, unrated.support) == (None, None, 0.0)


def test_long_text_is_clipped_in_the_prompt_but_kept_in_fields() -> None:
    item = render_item(_stored(Outcome()), 0.5, 1.0, 0, 0.5)
    assert len(item.text) < 2 * MAX_CHARS + 100
    assert item.context is not None
    assert len(item.context) == 800

"""Which absorbed episodes are compacted, and which lessons retire."""

from __future__ import annotations

import numpy as np

from absmem.forgetting import ForgettingConfig, retired, select_compaction
from absmem.types import Outcome

CREATED = np.array([0.0, 10.0, 20.0, 30.0, 40.0])


def test_nothing_is_compacted_by_default() -> None:
    absorbed = np.ones(5, dtype=bool)
    rows = select_compaction(CREATED, absorbed, np.zeros(5, bool), ForgettingConfig(), now=1e9)
    assert rows.tolist() == []


def test_ttl_compacts_old_absorbed_episodes_only() -> None:
    absorbed = np.array([True, False, True, True, True])
    config = ForgettingConfig(episode_ttl=25.0)
    rows = select_compaction(CREATED, absorbed, np.zeros(5, bool), config, now=50.0)
    assert rows.tolist() == [0, 2]  # row 1 is old but no abstraction holds it


def test_budget_compacts_the_oldest_absorbed_until_it_holds() -> None:
    absorbed = np.array([True, True, False, True, True])
    compacted = np.array([True, False, False, False, False])
    config = ForgettingConfig(episode_budget=2)
    rows = select_compaction(CREATED, absorbed, compacted, config, now=50.0)
    assert rows.tolist() == [1, 3]  # 4 full episodes, 2 over budget; row 0 already compacted


def test_budget_cannot_touch_episodes_no_abstraction_holds() -> None:
    absorbed = np.array([False, False, False, False, True])
    rows = select_compaction(CREATED, absorbed, np.zeros(5, bool),
                             ForgettingConfig(episode_budget=1), now=50.0)  # fmt: skip
    assert rows.tolist() == [4]


def test_ttl_and_budget_together_count_once() -> None:
    absorbed = np.ones(5, dtype=bool)
    config = ForgettingConfig(episode_ttl=35.0, episode_budget=2)
    rows = select_compaction(CREATED, absorbed, np.zeros(5, bool), config, now=50.0)
    assert rows.tolist() == [0, 1, 2]  # ttl takes 0 and 1; the budget then needs one more


def test_a_lesson_retires_only_with_enough_bad_usage() -> None:
    config = ForgettingConfig(retire_after=5.0, retire_below=0.3)
    bad = Outcome().updated(-1.0, 6.0)
    assert retired(bad, config)
    assert not retired(Outcome().updated(-1.0, 2.0), config)  # too little evidence
    assert not retired(Outcome().updated(1.0, 6.0), config)

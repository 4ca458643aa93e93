"""Parsing USS dialogues into rated turns, the reward mapping and the seeded split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from absmem.bench.data import BenchDataError
from absmem.bench.uss import load_uss, parse_dialogues, reward_of, split_dialogues

TEXT = (
    "USER\tfind a hotel\tHotel-Inform\t3,3,3\n"
    "SYSTEM\twhich area?\tHotel-Request\t\n"
    "USER\tthe north\tHotel-Inform\t2,1,3\n"
    "SYSTEM\tnone there\t\t\n"
    "USER\tbye\tgeneral-bye\t5,5,4\n"
    "USER\tOVERALL\t\t2,2,2\n"
    "\n\n"
    "USER\thi\tINFORM\t3\n"
    "SYSTEM\thello\tGREET\t\n"
    "USER\tOVERALL\t\t4\n"
)


def test_turns_pair_the_user_turn_before_with_the_rating_after() -> None:
    first, second = parse_dialogues(TEXT, "MWOZ")
    assert [(t.context, t.response, t.action, t.rating) for t in first] == [
        ("find a hotel", "which area?", "Hotel-Request", 2.0),
        ("the north", "none there", "", pytest.approx(14 / 3)),
    ]
    assert {(t.corpus, t.dialogue) for t in first} == {("MWOZ", 0)}
    assert second == []  # the OVERALL line rates the dialogue, not the turn


def test_bad_ratings_and_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(BenchDataError, match="ratings"):
        parse_dialogues("USER\ta\tx\t3\nSYSTEM\tb\ty\t\nUSER\tc\tx\tgood\n", "SGD")
    with pytest.raises(BenchDataError, match=r"uss/MWOZ\.txt"):
        load_uss(tmp_path)
    (tmp_path / "uss").mkdir()
    (tmp_path / "uss" / "MWOZ.txt").write_text(TEXT)
    uss = load_uss(tmp_path, corpora=["MWOZ"])
    assert len(uss.dialogues["MWOZ"]) == 2
    assert len(uss.sha256) == 64


def test_reward_and_split() -> None:
    assert [reward_of(r) for r in (1.0, 2.0, 3.0, 5.0)] == [-1.0, -0.5, 0.0, 1.0]
    a = split_dialogues(50, 0.2, np.random.default_rng(3))
    b = split_dialogues(50, 0.2, np.random.default_rng(3))
    assert a == b
    train, test = a
    assert len(test) == 10
    assert not set(train) & set(test)
